/** GridSearchCV: scikit-learn's exhaustive search over a parameter grid, scored by cross-validation. */
import { ValidationError } from "../errors.js";
import type { Matrix } from "../data/matrix.js";
import { CLONE, type CallOptions, type FitOptions, type XInput } from "../estimators/base.js";
import { clone } from "../estimators/clone.js";
import { formatValue } from "../validation/format.js";
import { checkNamedParams } from "../validation/params.js";
import { suggestName } from "../validation/suggest.js";
import type { MatrixInput } from "../validation/input.js";
import { crossValidationFolds, fitAndScore, isClassifier, type CrossValEstimator, type CvInput } from "./cross-validate.js";
import { checkVector, hostMatrix, type VectorInput } from "./indexing.js";
import { expandParamGrid, type ParamGrid } from "./param-grid.js";
import { checkScoring, type Scoring } from "./scoring.js";

/** What GridSearchCV searches over: an estimator whose parameters `setParams` can change. */
export interface SearchableEstimator extends CrossValEstimator {
  /** Its parameters (`estimator__param` in the search's own). */
  getParams(options?: { deep?: boolean }): object;
  /** Sets a candidate's parameters on a clone, validating them. */
  setParams(params: never): unknown;
  /** What the search's `predict` delegates to. */
  predict?(X: XInput, options?: CallOptions): Promise<unknown>;
  /** What the search's `predictProba` delegates to. */
  predictProba?(X: XInput, options?: CallOptions): Promise<Matrix<Float64Array>>;
  /** What the search's `transform` delegates to. */
  transform?(X: XInput, options?: CallOptions): Promise<XInput>;
}

/** Options of {@link GridSearchCV}. */
export interface GridSearchCVOptions {
  /** The folds (default 5: StratifiedKFold for classifiers, else KFold, unshuffled). */
  cv?: CvInput;
  /** How each candidate is scored (default: the estimator's own `score`). */
  scoring?: Scoring;
  /** Refit the best candidate on all of X after the search, as `bestEstimator_` (default true). */
  refit?: boolean;
}

/** `cvResults_`: scikit-learn's `cv_results_`, camelCased; one entry per candidate, in the grid's order. */
export interface CvResults {
  /** Each candidate's parameters. */
  params: Record<string, unknown>[];
  /** Mean and standard deviation over the folds of the fit time (seconds). */
  meanFitTime: Float64Array;
  stdFitTime: Float64Array;
  /** Mean and standard deviation over the folds of the scoring time (seconds). */
  meanScoreTime: Float64Array;
  stdScoreTime: Float64Array;
  /** Mean and (population) standard deviation over the folds of the test score. */
  meanTestScore: Float64Array;
  stdTestScore: Float64Array;
  /** 1 for the best mean test score; equal means share the smallest rank (scipy's `rankdata(method="min")`). */
  rankTestScore: Int32Array;
  /** `split0TestScore`, `split1TestScore`, ...: each fold's test score. */
  [splitTestScore: `split${number}TestScore`]: Float64Array;
}

/**
 * Exhaustive search over `paramGrid`, matching scikit-learn's `GridSearchCV`: every candidate (in
 * `ParameterGrid`'s order: grids in turn, sorted names, the last varying fastest) is cross-validated on the same
 * folds, candidate after candidate and fold after fold, each fit on a fresh clone (same engine choice) with the
 * candidate's parameters set by `setParams`, so an invalid grid value is the ValidationError `setParams` gives,
 * before anything is fitted. The best candidate is the first with the highest mean test score; with `refit` it is
 * refitted on all of X and `predict`, `predictProba`, `transform` and `score` delegate to it. A failing fit
 * rejects the search (scikit-learn's `error_score="raise"`). `cvResults_` has no `param_*` columns: each
 * candidate's parameters are in `params`.
 *
 * @example
 * ```ts
 * const search = new GridSearchCV(new KNeighborsClassifier(), { nNeighbors: [1, 3, 5] }, { cv: 5 });
 * await search.fit(X, y);
 * search.bestParams_; // e.g. { nNeighbors: 3 }
 * ```
 */
export class GridSearchCV<E extends SearchableEstimator = SearchableEstimator> {
  /** The estimator searched over (each fit is on a clone of it; `setParams` may replace it). */
  estimator: E;
  /** The grid, as given. */
  paramGrid: ParamGrid;
  private options: Required<Pick<GridSearchCVOptions, "refit">> & GridSearchCVOptions;
  private candidates: Record<string, unknown>[];
  private results?: {
    cvResults: CvResults;
    bestIndex: number;
    nSplits: number;
    best?: E;
    refitTime?: number;
  };

  constructor(estimator: E, paramGrid: ParamGrid, options: GridSearchCVOptions = {}) {
    const fn = "GridSearchCV";
    if (typeof (estimator as Partial<SearchableEstimator>)?.setParams !== "function" || typeof estimator?.[CLONE] !== "function") {
      throw new ValidationError(`${fn}: estimator must be a plugml estimator or Pipeline (with setParams and clone support), got ${formatValue(estimator)}.`);
    }
    const { refit = true } = options;
    if (typeof refit !== "boolean") throw new ValidationError(`${fn}: refit must be a boolean, got ${formatValue(refit)}.`);
    checkScoring(options.scoring, fn);
    this.estimator = estimator;
    this.paramGrid = paramGrid;
    this.candidates = expandParamGrid(paramGrid, fn);
    this.options = { ...options, refit };
  }

  /** `clone`'s way in: a new unfitted search over a clone of the estimator, with the same grid and options. */
  [CLONE](): this {
    return new GridSearchCV(clone(this.estimator), this.paramGrid, this.options) as this;
  }

  /**
   * The search's parameters (scikit-learn's `get_params`): `estimator`, `paramGrid`, `cv`, `scoring`, `refit`, and
   * with `deep` (the default) the estimator's own as `estimator__param`.
   */
  getParams({ deep = true }: { deep?: boolean } = {}): GridSearchParams<E> & Record<string, unknown> {
    const { cv, scoring, refit } = this.options;
    const params: Record<string, unknown> = { estimator: this.estimator, paramGrid: this.paramGrid, cv, scoring, refit };
    if (deep) for (const [key, value] of Object.entries(this.estimator.getParams({ deep: true }))) params[`estimator__${key}`] = value;
    return params as GridSearchParams<E> & Record<string, unknown>;
  }

  /**
   * Changes parameters (scikit-learn's `set_params`): the names of {@link getParams}, `estimator__param` given to
   * the estimator's `setParams`. Everything is validated as the constructor validates it before anything changes;
   * an unknown name is a `ValidationError` listing the valid ones. Returns `this`.
   */
  setParams(params: Partial<GridSearchParams<E>> & Record<string, unknown>): this {
    const own: readonly string[] = ["estimator", "paramGrid", "cv", "scoring", "refit"];
    checkNamedParams("GridSearchCV.setParams", params);
    const nested: Record<string, unknown> = {};
    const next: Record<string, unknown> = { ...this.getParams({ deep: false }) };
    for (const [key, value] of Object.entries(params)) {
      if (key.startsWith("estimator__")) nested[key.slice("estimator__".length)] = value;
      else if (own.includes(key)) next[key] = value;
      else {
        const names = Object.keys(this.getParams());
        const guess = suggestName(key, names);
        throw new ValidationError(`GridSearchCV.setParams: unknown parameter "${key}".${guess ? ` Did you mean "${guess}"?` : ""} Valid parameters: ${names.join(", ")}.`);
      }
    }
    const checked = new GridSearchCV(next.estimator as E, next.paramGrid as ParamGrid, next as GridSearchCVOptions);
    if (Object.keys(nested).length > 0) {
      // Tried on a clone first, so that a refused value changes nothing.
      (clone(checked.estimator).setParams as (p: object) => unknown)(nested);
      (checked.estimator.setParams as (p: object) => unknown)(nested);
    }
    this.estimator = checked.estimator;
    this.paramGrid = checked.paramGrid;
    this.options = checked.options;
    this.candidates = checked.candidates;
    return this;
  }

  /**
   * Cross-validates every candidate on X and y, then (with `refit`) fits the best on all of X. Resolves to `this`.
   * `signal` is passed to every fit.
   */
  async fit(X: MatrixInput, y?: VectorInput, options: Pick<FitOptions, "signal"> = {}): Promise<this> {
    const fn = "GridSearchCV.fit";
    const data = hostMatrix(X, fn);
    if (y !== undefined) checkVector(y, data.rows, fn, "y");
    const scorer = checkScoring(this.options.scoring, fn);
    // Every candidate's parameters are set (and so validated) before the first fit.
    const configured = this.candidates.map((params) => withParams(this.estimator, params));
    const folds = crossValidationFolds(this.options.cv, data, y, isClassifier(this.estimator), fn);
    const nSplits = folds.length;
    const nCandidates = configured.length;
    const test = configured.map(() => new Float64Array(nSplits));
    const fitTimes = configured.map(() => new Float64Array(nSplits));
    const scoreTimes = configured.map(() => new Float64Array(nSplits));
    for (let c = 0; c < nCandidates; c++) {
      for (const [k, { train, test: testIdx }] of folds.entries()) {
        const fold = await fitAndScore(configured[c], data, y, train, testIdx, scorer, false, options.signal);
        test[c][k] = fold.testScore;
        fitTimes[c][k] = fold.fitTime;
        scoreTimes[c][k] = fold.scoreTime;
      }
    }
    const meanTestScore = Float64Array.from(test, mean);
    const cvResults: CvResults = {
      params: this.candidates.map((p) => ({ ...p })),
      meanFitTime: Float64Array.from(fitTimes, mean),
      stdFitTime: Float64Array.from(fitTimes, std),
      meanScoreTime: Float64Array.from(scoreTimes, mean),
      stdScoreTime: Float64Array.from(scoreTimes, std),
      meanTestScore,
      stdTestScore: Float64Array.from(test, std),
      rankTestScore: minRanks(meanTestScore),
    };
    for (let k = 0; k < nSplits; k++) cvResults[`split${k}TestScore`] = Float64Array.from(test, (scores) => scores[k]);
    const bestIndex = cvResults.rankTestScore.indexOf(1);
    let best: E | undefined;
    let refitTime: number | undefined;
    if (this.options.refit) {
      best = clone(configured[bestIndex]);
      const start = performance.now();
      await best.fit(data, y, options.signal ? { signal: options.signal } : {});
      refitTime = (performance.now() - start) / 1000;
    }
    this.results = { cvResults, bestIndex, nSplits, best, refitTime };
    return this;
  }

  /** The results per candidate (see {@link CvResults}). */
  get cvResults_(): CvResults {
    return this.fitted("cvResults_").cvResults;
  }

  /** Index into `cvResults_` of the best candidate: the first with rank 1. */
  get bestIndex_(): number {
    return this.fitted("bestIndex_").bestIndex;
  }

  /** The best candidate's mean test score. */
  get bestScore_(): number {
    const { cvResults, bestIndex } = this.fitted("bestScore_");
    return cvResults.meanTestScore[bestIndex];
  }

  /** The best candidate's parameters. */
  get bestParams_(): Record<string, unknown> {
    return { ...this.candidates[this.fitted("bestParams_").bestIndex] };
  }

  /** The best candidate refitted on all of X (with `refit`); its `engineTrace_` has that fit's trace. */
  get bestEstimator_(): E {
    return this.refitted("bestEstimator_");
  }

  /** Seconds the refit took. */
  get refitTime_(): number {
    this.refitted("refitTime_");
    return this.results!.refitTime!;
  }

  /** The number of folds of the search. */
  get nSplits_(): number {
    return this.fitted("nSplits_").nSplits;
  }

  /** The best estimator's `classes_` (for classifiers). */
  get classes_(): unknown {
    return (this.refitted("classes_") as { classes_?: unknown }).classes_;
  }

  /** `bestEstimator_.predict(X)`. */
  async predict(X: XInput, options: CallOptions = {}): Promise<PredictionOfEstimator<E>> {
    return this.delegate("predict").predict!(X, options) as Promise<PredictionOfEstimator<E>>;
  }

  /** `bestEstimator_.predictProba(X)`. */
  async predictProba(X: XInput, options: CallOptions = {}): Promise<Matrix<Float64Array>> {
    return this.delegate("predictProba").predictProba!(X, options);
  }

  /** `bestEstimator_.transform(X)`. */
  async transform(X: XInput, options: CallOptions = {}): Promise<XInput> {
    return this.delegate("transform").transform!(X, options);
  }

  /** The search's scoring of `bestEstimator_` on X and y: the `scoring` option, or the estimator's own `score`. */
  async score(X: MatrixInput, y?: VectorInput): Promise<number> {
    const best = this.refitted("score");
    const data = hostMatrix(X, "GridSearchCV.score");
    if (y !== undefined) checkVector(y, data.rows, "GridSearchCV.score", "y");
    return checkScoring(this.options.scoring, "GridSearchCV.score")(best, data, y);
  }

  private fitted(member: string): NonNullable<GridSearchCV<E>["results"]> {
    if (!this.results) throw new ValidationError(`GridSearchCV.${member}: the search is not fitted yet; call fit(X, y) first.`);
    return this.results;
  }

  private refitted(member: string): E {
    const { best } = this.fitted(member);
    if (!best) throw new ValidationError(`GridSearchCV.${member}: not available with refit: false.`);
    return best;
  }

  private delegate(method: "predict" | "predictProba" | "transform"): E {
    const best = this.refitted(method);
    if (typeof best[method] !== "function") throw new ValidationError(`GridSearchCV.${method}: the estimator has no ${method} method.`);
    return best;
  }
}

/** {@link GridSearchCV.getParams} without the estimator's own parameters. */
export interface GridSearchParams<E> {
  /** The estimator searched over. */
  estimator: E;
  /** The grid. */
  paramGrid: ParamGrid;
  /** The folds (undefined: 5). */
  cv: CvInput | undefined;
  /** The scoring (undefined: the estimator's own score). */
  scoring: Scoring;
  /** Whether the best candidate is refitted. */
  refit: boolean;
}

/** What `predict` of an estimator resolves to. */
export type PredictionOfEstimator<E> = E extends { predict(X: XInput, options?: CallOptions): Promise<infer R> } ? R : unknown;

/** A clone of `estimator` with `params` set (validated by the estimator's `setParams`). */
function withParams<E extends SearchableEstimator>(estimator: E, params: Record<string, unknown>): E {
  const copy = clone(estimator);
  (copy.setParams as (p: Record<string, unknown>) => unknown)(params);
  return copy;
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** The population standard deviation (numpy's `std`, as scikit-learn uses for `std_test_score`). */
function std(values: Float64Array): number {
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return Math.sqrt(s / values.length);
}

/**
 * Ranks of the scores, best first, ties sharing the smallest rank (scipy's `rankdata(-scores, method="min")`); a NaN
 * mean ranks with the worst, as in scikit-learn.
 */
function minRanks(scores: Float64Array): Int32Array {
  const comparable = scores.map((s) => (Number.isNaN(s) ? -Infinity : s));
  return Int32Array.from(comparable, (s) => 1 + comparable.filter((other) => other > s).length);
}
