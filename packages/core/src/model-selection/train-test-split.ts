/** `trainTestSplit`: scikit-learn's `train_test_split`, with its sizing rules and stratified shuffling. */
import { ValidationError } from "../errors.js";
import type { Matrix } from "../data/matrix.js";
import { takeRows } from "../estimators/kmeans-init.js";
import { formatValue } from "../validation/format.js";
import type { MatrixInput } from "../validation/input.js";
import { checkRandomState, type RandomState } from "../validation/random-state.js";
import { encodeLabels, type LabelsInput } from "../validation/targets.js";
import { checkVector, hostMatrix, takeItems, type VectorInput } from "./indexing.js";

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /**
   * The test set's size: a fraction in (0, 1) of the samples, rounded up, or a count (an integer). Default: the
   * complement of `trainSize`, or 0.25 when `trainSize` is not given either.
   */
  testSize?: number;
  /** The training set's size: a fraction in (0, 1), rounded down, or a count. Default: the complement of the test set. */
  trainSize?: number;
  /** Shuffle before splitting (default true); without it the first samples train and the next ones test. */
  shuffle?: boolean;
  /** Labels whose class proportions both sets keep (scikit-learn's `StratifiedShuffleSplit`); needs `shuffle`. */
  stratify?: LabelsInput;
  /** Seed of the shuffle; `undefined` draws a fresh one. */
  randomState?: number | RandomState;
}

/**
 * Splits X and y into random train and test subsets: `[XTrain, XTest, yTrain, yTest]`, X's parts as Matrix objects
 * of X's dtype and y's as the same kind of array as `y` (an array, or a typed array of the same type). Sizes follow
 * scikit-learn's rules (see {@link TrainTestSplitOptions}); sizes that leave a set empty or exceed the samples
 * are `ValidationError`s with scikit-learn's wording. In JavaScript 1 and 1.0 are the same number, so a size of 1
 * is a count of one sample, never the fraction 1.0 (which scikit-learn refuses anyway).
 *
 * The shuffle draws from plugml's generator (xoshiro128**, not numpy's Mersenne Twister), so the subsets differ from
 * scikit-learn's for the same seed; the sizes and, with `stratify`, the per-class counts are the same.
 *
 * @example
 * ```ts
 * const [XTrain, XTest, yTrain, yTest] = await trainTestSplit(X, y, { testSize: 0.2, stratify: y, randomState: 0 });
 * ```
 */
export async function trainTestSplit<Y extends VectorInput>(X: MatrixInput, y: Y, options: TrainTestSplitOptions = {}): Promise<[Matrix, Matrix, Y, Y]> {
  const fn = "trainTestSplit";
  const data = hostMatrix(X, fn);
  checkVector(y, data.rows, fn, "y");
  const { train, test } = splitIndices(data.rows, options, fn);
  return [takeRows(data, train), takeRows(data, test), takeItems(y, train), takeItems(y, test)];
}

/** The indices of the training and test sets for `options`. */
function splitIndices(n: number, options: TrainTestSplitOptions, fn: string): { train: Int32Array; test: Int32Array } {
  const { shuffle = true, stratify } = options;
  if (typeof shuffle !== "boolean") throw new ValidationError(`${fn}: shuffle must be a boolean, got ${formatValue(shuffle)}.`);
  const [nTrain, nTest] = splitSizes(n, options.testSize, options.trainSize, 0.25, fn);
  if (!shuffle) {
    if (stratify !== undefined) throw new ValidationError(`${fn}: stratified train/test split is not implemented for shuffle: false.`);
    return { train: range(0, nTrain), test: range(nTrain, nTrain + nTest) };
  }
  const rng = checkRandomState(options.randomState, fn);
  if (stratify === undefined) {
    const order = rng.permutation(n);
    return { test: order.slice(0, nTest), train: order.slice(nTest, nTest + nTrain) };
  }
  checkVector(stratify, n, fn, "stratify");
  return stratifiedIndices(encodeLabels(stratify, n, { estimator: fn, argument: "stratify" }), nTrain, nTest, rng, fn);
}

/**
 * scikit-learn's `_validate_shuffle_split`: the training and test set sizes for `n` samples, with its messages.
 * Integers are counts; other numbers fractions (test rounded up, train down).
 */
export function splitSizes(n: number, testSize: number | undefined, trainSize: number | undefined, defaultTest: number, fn: string): [number, number] {
  if (testSize === undefined && trainSize === undefined) testSize = defaultTest;
  for (const [name, size] of [["testSize", testSize], ["trainSize", trainSize]] as const) {
    if (size === undefined) continue;
    if (typeof size !== "number" || Number.isNaN(size)) throw new ValidationError(`${fn}: invalid value for ${name}: ${formatValue(size)}.`);
    if (Number.isInteger(size) ? size >= n || size <= 0 : size <= 0 || size >= 1) {
      throw new ValidationError(
        `${fn}: ${name}=${size} should be either positive and smaller than the number of samples ${n} or a float in the (0, 1) range.`,
      );
    }
  }
  const isFraction = (v: number | undefined) => v !== undefined && !Number.isInteger(v);
  if (isFraction(testSize) && isFraction(trainSize) && testSize! + trainSize! > 1) {
    throw new ValidationError(`${fn}: the sum of testSize and trainSize = ${testSize! + trainSize!}, should be in the (0, 1) range. Reduce testSize and/or trainSize.`);
  }
  let nTest = testSize === undefined ? undefined : isFraction(testSize) ? Math.ceil(testSize * n) : testSize;
  let nTrain = trainSize === undefined ? undefined : isFraction(trainSize) ? Math.floor(trainSize * n) : trainSize;
  nTrain ??= n - nTest!;
  nTest ??= n - nTrain;
  if (nTrain + nTest > n) {
    throw new ValidationError(`${fn}: the sum of trainSize and testSize = ${nTrain + nTest}, should be smaller than the number of samples ${n}. Reduce testSize and/or trainSize.`);
  }
  if (nTrain === 0) {
    throw new ValidationError(
      `${fn}: with nSamples=${n}, testSize=${testSize} and trainSize=${trainSize}, the resulting train set will be empty. Adjust any of the aforementioned parameters.`,
    );
  }
  return [nTrain, nTest];
}

/**
 * scikit-learn's `StratifiedShuffleSplit` (one split): per-class train and test counts by `_approximate_mode`, each
 * class's samples permuted and dealt out, then both sets permuted.
 */
function stratifiedIndices({ classes, encoded }: { classes: unknown[]; encoded: Int32Array }, nTrain: number, nTest: number, rng: RandomState, fn: string) {
  const nClasses = classes.length;
  const counts = new Float64Array(nClasses);
  for (const c of encoded) counts[c]++;
  if (Math.min(...counts) < 2) {
    throw new ValidationError(`${fn}: the least populated class in stratify has only 1 member, which is too few. The minimum number of groups for any class cannot be less than 2.`);
  }
  if (nTrain < nClasses) throw new ValidationError(`${fn}: the train size = ${nTrain} should be greater or equal to the number of classes = ${nClasses}.`);
  if (nTest < nClasses) throw new ValidationError(`${fn}: the test size = ${nTest} should be greater or equal to the number of classes = ${nClasses}.`);
  const trainPerClass = approximateMode(counts, nTrain, rng);
  const testPerClass = approximateMode(counts.map((c, k) => c - trainPerClass[k]), nTest, rng);
  // Each class's samples in index order (numpy's stable argsort of the codes).
  const members: number[][] = Array.from({ length: nClasses }, () => []);
  encoded.forEach((c, i) => members[c].push(i));
  const train: number[] = [];
  const test: number[] = [];
  members.forEach((indices, k) => {
    const order = rng.permutation(indices.length);
    for (let j = 0; j < trainPerClass[k]; j++) train.push(indices[order[j]]);
    for (let j = trainPerClass[k]; j < trainPerClass[k] + testPerClass[k]; j++) test.push(indices[order[j]]);
  });
  const shuffled = (items: number[]) => Int32Array.from(rng.permutation(items.length), (j) => items[j]);
  return { train: shuffled(train), test: shuffled(test) };
}

/**
 * scikit-learn's `_approximate_mode`: `nDraws` spread over classes in proportion to `counts`, floored, the rest
 * added by largest remainder, ties among equal remainders broken at random.
 */
function approximateMode(counts: Float64Array, nDraws: number, rng: RandomState): Int32Array {
  const total = counts.reduce((s, c) => s + c, 0);
  const continuous = counts.map((c) => (c / total) * nDraws);
  const floored = Int32Array.from(continuous, Math.floor);
  let needed = nDraws - floored.reduce((s, c) => s + c, 0);
  const remainders = continuous.map((c, k) => c - floored[k]);
  for (const value of [...new Set(remainders)].sort((a, b) => b - a)) {
    if (needed <= 0) break;
    const tied = [...remainders.keys()].filter((k) => remainders[k] === value);
    const chosen = rng.permutation(tied.length).slice(0, Math.min(tied.length, needed));
    for (const j of chosen) floored[tied[j]]++;
    needed -= chosen.length;
  }
  return floored;
}

function range(start: number, stop: number): Int32Array {
  return Int32Array.from({ length: stop - start }, (_, i) => start + i);
}
