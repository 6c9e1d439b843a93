/** `clone`: scikit-learn's `sklearn.base.clone` for plugml estimators, Pipelines and searches. */
import { ValidationError } from "../errors.js";
import { typeName } from "../validation/format.js";
import { CLONE } from "./base.js";

/** Anything {@link clone} copies: every plugml estimator, Pipeline and GridSearchCV. */
export interface Cloneable {
  /** A new unfitted copy (the method behind {@link clone}). */
  [CLONE](): unknown;
}

/**
 * A new, unfitted estimator with the same parameters and the same engine choice (its `setComputationalEngine`
 * setting; for a Pipeline, each step's) as `estimator`, which is left untouched. Parameter values are copied, so
 * a `RandomState` parameter gives the clone its own generator in the same state, as scikit-learn's deep copy does.
 * Nothing fitted is copied: no model, trace or warnings.
 *
 * @example
 * ```ts
 * const fresh = clone(new KMeans({ nClusters: 3 }).setComputationalEngine("cpu"));
 * ```
 */
export function clone<E extends Cloneable>(estimator: E): E {
  if (typeof (estimator as Partial<Cloneable> | null)?.[CLONE] !== "function") {
    throw new ValidationError(`clone: expected a plugml estimator, Pipeline or GridSearchCV, got ${typeName(estimator)}.`);
  }
  return estimator[CLONE]() as E;
}
