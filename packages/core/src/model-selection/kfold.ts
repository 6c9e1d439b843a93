/** The k-fold splitters: scikit-learn 1.2's `KFold` and `StratifiedKFold`, folds in its order. */
import { ValidationError } from "../errors.js";
import type { ResidentMatrix } from "../data/resident.js";
import { formatValue } from "../validation/format.js";
import type { MatrixInput } from "../validation/input.js";
import { validateParams, type ParamSchema } from "../validation/params.js";
import { checkRandomState, randomStateParam, type RandomState } from "../validation/random-state.js";
import { encodeLabels, type LabelsInput } from "../validation/targets.js";
import { PlugmlWarning, publishWarning } from "../warnings.js";
import { checkVector, type Fold } from "./indexing.js";

/** What the cross-validation functions accept as `cv` besides a number of folds: any object with these two methods. */
export interface CrossValidator {
  /** The folds of X (and y, for splitters that need it), in order. */
  split(X: MatrixInput | ResidentMatrix, y?: LabelsInput): Fold[];
  /** The number of folds `split` returns. */
  getNSplits(): number;
}

/** Parameters of {@link KFold} and {@link StratifiedKFold}. */
export interface KFoldParams {
  /** Number of folds, at least 2 (default 5). */
  nSplits: number;
  /** Shuffle the samples (for StratifiedKFold: each class's samples) before dealing them out (default false). */
  shuffle: boolean;
  /** Seed of the shuffle; only allowed with `shuffle: true`, as in scikit-learn. */
  randomState?: number | RandomState;
}

const DEFAULTS: KFoldParams = { nSplits: 5, shuffle: false, randomState: undefined };
const SCHEMA = {
  nSplits: [{ kind: "int", min: 2 }],
  shuffle: [{ kind: "boolean" }],
  randomState: randomStateParam,
} satisfies ParamSchema;

/** What KFold and StratifiedKFold share: parameters, and turning each sample's test fold into folds. */
abstract class BaseKFold implements CrossValidator {
  protected readonly params: KFoldParams;

  protected constructor(name: string, params: Partial<KFoldParams>) {
    this.params = validateParams(name, params, SCHEMA, DEFAULTS);
    if (!this.params.shuffle && this.params.randomState !== undefined) {
      throw new ValidationError(
        `${name}: setting a randomState has no effect since shuffle is false. Leave randomState undefined, or set shuffle: true.`,
      );
    }
  }

  /** The parameters. */
  getParams(): KFoldParams {
    return { ...this.params };
  }

  /** The number of folds `split` returns: `nSplits`. */
  getNSplits(): number {
    return this.params.nSplits;
  }

  /** The folds, in scikit-learn's order. */
  abstract split(X: MatrixInput | ResidentMatrix, y?: LabelsInput): Fold[];

  /** The number of samples of X, checked against the number of folds. */
  protected samples(X: MatrixInput | ResidentMatrix, fn: string): number {
    // Matrix objects (host or resident) have rows; nested arrays have a length. Only the count matters here.
    const n = (X as { rows?: number })?.rows ?? (X as readonly unknown[])?.length;
    if (!Number.isInteger(n)) throw new ValidationError(`${fn}: X must be a Matrix, a resident matrix or an array of rows, got ${formatValue(X)}.`);
    if (this.params.nSplits > n) {
      throw new ValidationError(`${fn}: cannot have number of splits nSplits=${this.params.nSplits} greater than the number of samples: nSamples=${n}.`);
    }
    return n;
  }

  /** Folds from each sample's test fold: fold k tests the samples marked k and trains on the others, both ascending. */
  protected folds(testFold: Int32Array): Fold[] {
    return Array.from({ length: this.params.nSplits }, (_, k) => {
      const train: number[] = [];
      const test: number[] = [];
      testFold.forEach((f, i) => (f === k ? test : train).push(i));
      return { train: Int32Array.from(train), test: Int32Array.from(test) };
    });
  }
}

/**
 * K-fold cross-validation, matching scikit-learn's `KFold`: the samples (shuffled first with `shuffle`) are cut
 * into `nSplits` consecutive folds, the first `n % nSplits` of them one sample larger; each fold is the test set
 * once. Indices within a fold are ascending. With a seeded `shuffle`, the folds differ from scikit-learn's (another
 * generator) but have the same sizes.
 *
 * @example
 * ```ts
 * new KFold({ nSplits: 3 }).split(X).map((f) => Array.from(f.test)); // [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]] for 10 samples
 * ```
 */
export class KFold extends BaseKFold {
  /** Validates the parameters as estimators do (a `ValidationError` naming a bad one). */
  constructor(params: Partial<KFoldParams> = {}) {
    super("KFold", params);
  }

  /** The folds of X's samples (`y` is ignored). */
  split(X: MatrixInput | ResidentMatrix, _y?: LabelsInput): Fold[] {
    const n = this.samples(X, "KFold.split");
    const { nSplits, shuffle, randomState } = this.params;
    const order = shuffle ? checkRandomState(randomState, "KFold.split").permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    const testFold = new Int32Array(n);
    let start = 0;
    for (let k = 0; k < nSplits; k++) {
      const size = Math.floor(n / nSplits) + (k < n % nSplits ? 1 : 0);
      for (let j = start; j < start + size; j++) testFold[order[j]] = k;
      start += size;
    }
    return this.folds(testFold);
  }
}

/**
 * Stratified k-fold cross-validation, matching scikit-learn 1.2's `StratifiedKFold`: each class is spread over the
 * folds by dealing the label-sorted samples round robin (classes numbered in order of first appearance), and each
 * class's samples go to its folds in blocks, in sample order (shuffled within the class with `shuffle`). A class
 * with fewer members than `nSplits` publishes a warning; when every class has fewer, `split` throws.
 *
 * @example
 * ```ts
 * const folds = new StratifiedKFold({ nSplits: 3 }).split(X, y);
 * ```
 */
export class StratifiedKFold extends BaseKFold {
  /** Validates the parameters as estimators do (a `ValidationError` naming a bad one). */
  constructor(params: Partial<KFoldParams> = {}) {
    super("StratifiedKFold", params);
  }

  /** The folds of X's samples, stratified by the class labels `y` (required). */
  split(X: MatrixInput | ResidentMatrix, y?: LabelsInput): Fold[] {
    const fn = "StratifiedKFold.split";
    const n = this.samples(X, fn);
    if (y === undefined) throw new ValidationError(`${fn}: y (the class labels) is required.`);
    checkVector(y, n, fn, "y");
    const { nSplits, shuffle, randomState } = this.params;
    const byAppearance = codesByAppearance(encodeLabels(y, n, { estimator: fn, argument: "y" }).encoded);
    const nClasses = Math.max(...byAppearance) + 1;
    const counts = new Int32Array(nClasses);
    for (const c of byAppearance) counts[c]++;
    if (counts.every((c) => nSplits > c)) throw new ValidationError(`${fn}: nSplits=${nSplits} cannot be greater than the number of members in each class.`);
    const fewest = Math.min(...counts);
    if (nSplits > fewest) {
      publishWarning(new PlugmlWarning(`The least populated class in y has only ${fewest} members, which is less than nSplits=${nSplits}.`, fn));
    }
    // allocation[k][c]: how many samples of class c fold k tests, from dealing the sorted codes round robin.
    const sorted = Int32Array.from(byAppearance).sort();
    const allocation = Array.from({ length: nSplits }, () => new Int32Array(nClasses));
    sorted.forEach((c, i) => allocation[i % nSplits][c]++);
    const rng = shuffle ? checkRandomState(randomState, fn) : undefined;
    const testFold = new Int32Array(n);
    for (let c = 0; c < nClasses; c++) {
      const foldsForClass: number[] = [];
      for (let k = 0; k < nSplits; k++) for (let j = 0; j < allocation[k][c]; j++) foldsForClass.push(k);
      const order = rng ? rng.permutation(foldsForClass.length) : undefined;
      let next = 0;
      for (let i = 0; i < n; i++) if (byAppearance[i] === c) testFold[i] = foldsForClass[order ? order[next++] : next++];
    }
    return this.folds(testFold);
  }
}

/** Label codes renumbered by first appearance (scikit-learn numbers the classes so before allocating). */
function codesByAppearance(codes: Int32Array): Int32Array {
  const renumber = new Map<number, number>();
  return codes.map((c) => {
    if (!renumber.has(c)) renumber.set(c, renumber.size);
    return renumber.get(c)!;
  });
}
