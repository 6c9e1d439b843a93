/** Cross-validation: scikit-learn's `check_cv`, `cross_validate` and `cross_val_score`, folds one after another. */
import { ValidationError } from "../errors.js";
import type { Matrix } from "../data/matrix.js";
import type { FitOptions, XInput } from "../estimators/base.js";
import { clone, type Cloneable } from "../estimators/clone.js";
import { KNeighborsClassifier } from "../estimators/kneighbors-classifier.js";
import { takeRows } from "../estimators/kmeans-init.js";
import { Pipeline } from "../pipeline/pipeline.js";
import { formatValue } from "../validation/format.js";
import type { MatrixInput } from "../validation/input.js";
import type { LabelsInput } from "../validation/targets.js";
import { checkVector, hostMatrix, takeItems, type Fold, type VectorInput } from "./indexing.js";
import { KFold, StratifiedKFold, type CrossValidator } from "./kfold.js";
import { checkScoring, type ScorableEstimator, type Scorer, type Scoring } from "./scoring.js";

/** What the cross-validation functions fit and score: any plugml estimator, Pipeline or GridSearchCV. */
export interface CrossValEstimator extends Cloneable, ScorableEstimator {
  /** Fits on a fold's training samples; `any` for y: each estimator declares its own (labels, targets, ignored). */
  fit(X: XInput, y?: any, options?: FitOptions): Promise<unknown>;
}

/** What `cv` accepts: a number of folds (default 5), a splitter such as {@link KFold}, or the folds themselves. */
export type CvInput = number | CrossValidator | readonly Fold[];

/**
 * Whether scikit-learn would treat `estimator` as a classifier (its `is_classifier`): a KNeighborsClassifier, or a
 * Pipeline whose final step is one, or a search (an object with `estimator` and `paramGrid`, as GridSearchCV) over
 * one.
 */
export function isClassifier(estimator: unknown): boolean {
  if (estimator instanceof KNeighborsClassifier) return true;
  if (estimator instanceof Pipeline) return isClassifier(estimator.steps[estimator.steps.length - 1][1]);
  const search = estimator as { estimator?: unknown; paramGrid?: unknown } | null;
  return typeof search === "object" && search !== null && search.paramGrid !== undefined && isClassifier(search.estimator);
}

/**
 * The folds `cv` describes for X and y (scikit-learn's `check_cv` and `split`): a number means StratifiedKFold for a
 * classifier with y and KFold otherwise, unshuffled, as in scikit-learn.
 */
export function crossValidationFolds(cv: CvInput | undefined, X: Matrix, y: VectorInput | undefined, classifier: boolean, fn: string): Fold[] {
  const spec = cv ?? 5;
  if (typeof spec === "number") {
    const splitter = classifier && y !== undefined ? new StratifiedKFold({ nSplits: spec }) : new KFold({ nSplits: spec });
    return splitter.split(X, y as LabelsInput);
  }
  if (Array.isArray(spec)) {
    for (const [i, fold] of spec.entries()) {
      if (!(fold?.train instanceof Int32Array) || !(fold?.test instanceof Int32Array)) {
        throw new ValidationError(`${fn}: cv[${i}] must be a fold { train: Int32Array, test: Int32Array }.`);
      }
      for (const index of [...fold.train, ...fold.test]) {
        if (index < 0 || index >= X.rows) throw new ValidationError(`${fn}: cv[${i}] holds the index ${index}, outside [0, ${X.rows - 1}].`);
      }
    }
    return [...spec];
  }
  // An object: a string has a split method too.
  if (typeof spec === "object" && spec !== null && typeof (spec as CrossValidator).split === "function") return (spec as CrossValidator).split(X, y as LabelsInput);
  throw new ValidationError(`${fn}: cv must be a number of folds, a splitter with split(X, y) or an array of folds, got ${formatValue(spec)}.`);
}

/** Options of {@link crossValidate}. */
export interface CrossValidateOptions {
  /** The folds (default 5; see {@link CvInput}). */
  cv?: CvInput;
  /** How to score a fitted estimator (default: its own `score`; see {@link Scoring}). */
  scoring?: Scoring;
  /** Also score each estimator on its training set (default false). */
  returnTrainScore?: boolean;
  /** Return the fitted estimators, one per fold, each with its `engineTrace_` (default false). */
  returnEstimator?: boolean;
  /** Passed to every fit: aborting rejects the call with an `AbortError`. */
  signal?: AbortSignal;
}

/** What {@link crossValidate} resolves to: one entry per fold, times in seconds. */
export interface CrossValidateResult<E> {
  /** Seconds each fold's fit took. */
  fitTime: Float64Array;
  /** Seconds each fold's test scoring took. */
  scoreTime: Float64Array;
  /** Each fold's score on its test samples. */
  testScore: Float64Array;
  /** With `returnTrainScore`. */
  trainScore?: Float64Array;
  /** With `returnEstimator`: each fold's fitted clone. */
  estimator?: E[];
}

/**
 * Fits a clone of `estimator` on each fold's training samples and scores it on the fold's test samples
 * (scikit-learn's `cross_validate`), folds one after another. A failing fit or score rejects the call (scikit-learn's
 * `error_score="raise"`; its default records NaN and warns instead).
 *
 * @example
 * ```ts
 * const { testScore } = await crossValidate(new KNeighborsClassifier(), X, y, { cv: 5, scoring: "accuracy" });
 * ```
 */
export async function crossValidate<E extends CrossValEstimator>(
  estimator: E,
  X: MatrixInput,
  y?: VectorInput,
  options: CrossValidateOptions = {},
): Promise<CrossValidateResult<E>> {
  const fn = "crossValidate";
  const data = hostMatrix(X, fn);
  if (y !== undefined) checkVector(y, data.rows, fn, "y");
  const scorer = checkScoring(options.scoring, fn);
  const folds = crossValidationFolds(options.cv, data, y, isClassifier(estimator), fn);
  const result: CrossValidateResult<E> = {
    fitTime: new Float64Array(folds.length),
    scoreTime: new Float64Array(folds.length),
    testScore: new Float64Array(folds.length),
    ...(options.returnTrainScore && { trainScore: new Float64Array(folds.length) }),
    ...(options.returnEstimator && { estimator: [] }),
  };
  for (const [k, { train, test }] of folds.entries()) {
    const fold = await fitAndScore(estimator, data, y, train, test, scorer, options.returnTrainScore === true, options.signal);
    result.fitTime[k] = fold.fitTime;
    result.scoreTime[k] = fold.scoreTime;
    result.testScore[k] = fold.testScore;
    if (result.trainScore) result.trainScore[k] = fold.trainScore!;
    result.estimator?.push(fold.estimator);
  }
  return result;
}

/** Options of {@link crossValScore}. */
export interface CrossValScoreOptions {
  /** The folds (default 5; see {@link CvInput}). */
  cv?: CvInput;
  /** How to score a fitted estimator (default: its own `score`). */
  scoring?: Scoring;
  /** Passed to every fit. */
  signal?: AbortSignal;
}

/**
 * The test score of each fold (scikit-learn's `cross_val_score`): {@link crossValidate}'s `testScore`.
 *
 * @example
 * ```ts
 * const scores = await crossValScore(new KNeighborsRegressor(), X, y, { cv: 3, scoring: "r2" });
 * ```
 */
export async function crossValScore<E extends CrossValEstimator>(estimator: E, X: MatrixInput, y?: VectorInput, options: CrossValScoreOptions = {}): Promise<Float64Array> {
  return (await crossValidate(estimator, X, y, options)).testScore;
}

/** A scorer's result, which must be a number (a user's scoring function might return anything). */
function checkScore(score: unknown): number {
  if (typeof score !== "number") throw new ValidationError(`scoring must return a number, got ${formatValue(score)}.`);
  return score;
}

/** One fold of a cross-validation: a fresh clone fitted on `train` and scored on `test` (and on `train`). */
export async function fitAndScore<E extends CrossValEstimator>(
  estimator: E,
  X: Matrix,
  y: VectorInput | undefined,
  train: Int32Array,
  test: Int32Array,
  scorer: Scorer,
  withTrainScore: boolean,
  signal: AbortSignal | undefined,
): Promise<{ estimator: E; fitTime: number; scoreTime: number; testScore: number; trainScore?: number }> {
  const fitted = clone(estimator);
  const part = (indices: Int32Array) => [takeRows(X, indices), y === undefined ? undefined : takeItems(y, indices)] as const;
  const [XTrain, yTrain] = part(train);
  const [XTest, yTest] = part(test);
  const fitStart = performance.now();
  await fitted.fit(XTrain, yTrain, signal ? { signal } : {});
  const scoreStart = performance.now();
  const testScore = checkScore(await scorer(fitted, XTest, yTest));
  const fitTime = (scoreStart - fitStart) / 1000;
  const scoreTime = (performance.now() - scoreStart) / 1000;
  const trainScore = withTrainScore ? checkScore(await scorer(fitted, XTrain, yTrain)) : undefined;
  return { estimator: fitted, fitTime, scoreTime, testScore, ...(withTrainScore && { trainScore }) };
}
