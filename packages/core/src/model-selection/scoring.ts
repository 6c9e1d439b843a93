/** The `scoring` option of the cross-validation functions: scikit-learn's scorer names, or a function. */
import { ValidationError } from "../errors.js";
import type { Matrix } from "../data/matrix.js";
import { formatValue } from "../validation/format.js";
import { suggestName } from "../validation/suggest.js";
import type { LabelsInput, NumbersInput } from "../validation/targets.js";
import { accuracyScore, precisionRecallFscoreSupport, type Average } from "../metrics/classification.js";
import { adjustedRandScore } from "../metrics/cluster.js";
import { meanSquaredError, r2Score } from "../metrics/regression.js";
import type { VectorInput } from "./indexing.js";

/** An estimator that a scorer can score: it predicts, or (for the default scoring) scores itself. */
export interface ScorableEstimator {
  predict?(X: Matrix): Promise<unknown>;
  score?(X: Matrix, y: never): Promise<number>;
}

/** A scoring function: higher is better, as in scikit-learn (errors are negated: `neg_mean_squared_error`). */
export type Scorer = (estimator: ScorableEstimator, X: Matrix, y: VectorInput | undefined) => Promise<number>;

/** The scorer names plugml knows, scikit-learn's names. */
export type ScorerName =
  | "accuracy"
  | "adjusted_rand_score"
  | "f1"
  | "f1_micro"
  | "f1_macro"
  | "f1_weighted"
  | "precision_macro"
  | "precision_weighted"
  | "recall_macro"
  | "recall_weighted"
  | "r2"
  | "neg_mean_squared_error"
  | "neg_root_mean_squared_error";

/** What `scoring` accepts: undefined (the estimator's own `score`), a scorer name, or a scorer function. */
export type Scoring = ScorerName | Scorer | undefined;

type Metric = (yTrue: never, yPred: never) => number;

/** A scorer that compares `predict(X)` with y by `metric`, negated when `sign` is -1. */
function predictionScorer(metric: Metric, sign = 1): Scorer {
  return async (estimator, X, y) => {
    if (typeof estimator.predict !== "function") throw new ValidationError("scoring: the estimator has no predict method.");
    return sign * metric(y as never, (await estimator.predict(X)) as never);
  };
}

const fscore = (average: Average, metric: "precision" | "recall" | "fscore") => (yTrue: LabelsInput, yPred: LabelsInput) =>
  precisionRecallFscoreSupport(yTrue, yPred, { average })[metric];

const SCORERS = {
  accuracy: predictionScorer(accuracyScore as Metric),
  adjusted_rand_score: predictionScorer(adjustedRandScore as Metric),
  f1: predictionScorer(fscore("binary", "fscore") as Metric),
  f1_micro: predictionScorer(fscore("micro", "fscore") as Metric),
  f1_macro: predictionScorer(fscore("macro", "fscore") as Metric),
  f1_weighted: predictionScorer(fscore("weighted", "fscore") as Metric),
  precision_macro: predictionScorer(fscore("macro", "precision") as Metric),
  precision_weighted: predictionScorer(fscore("weighted", "precision") as Metric),
  recall_macro: predictionScorer(fscore("macro", "recall") as Metric),
  recall_weighted: predictionScorer(fscore("weighted", "recall") as Metric),
  r2: predictionScorer(r2Score as Metric),
  neg_mean_squared_error: predictionScorer(meanSquaredError as Metric, -1),
  neg_root_mean_squared_error: predictionScorer(((t: NumbersInput, p: NumbersInput) => meanSquaredError(t, p, { squared: false })) as Metric, -1),
} satisfies Record<ScorerName, Scorer>;

/** The estimator's own `score(X, y)`: scikit-learn's default scoring. */
const ownScore: Scorer = async (estimator, X, y) => {
  if (typeof estimator.score !== "function") {
    throw new ValidationError("scoring: no scoring was given and the estimator has no score method; pass a scorer name or function.");
  }
  return estimator.score(X, y as never);
};

/** The scorer `scoring` names (scikit-learn's `check_scoring`), or a ValidationError listing the names. */
export function checkScoring(scoring: unknown, fn: string): Scorer {
  if (scoring === undefined) return ownScore;
  if (typeof scoring === "function") return scoring as Scorer;
  if (typeof scoring === "string" && Object.prototype.hasOwnProperty.call(SCORERS, scoring)) return SCORERS[scoring as ScorerName];
  const names = Object.keys(SCORERS);
  const guess = typeof scoring === "string" ? suggestName(scoring, names) : undefined;
  throw new ValidationError(
    `${fn}: scoring ${formatValue(scoring)} is not a valid scoring value.${guess ? ` Did you mean "${guess}"?` : ""} Use a function or one of: ${names.join(", ")}.`,
  );
}
