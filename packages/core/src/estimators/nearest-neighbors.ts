/** NearestNeighbors: unsupervised neighbour search. */
import { validateParams } from "../validation/params.js";
import { checkIgnoredTarget } from "../validation/targets.js";
import { BaseEstimator, type FitOptions, type XInput } from "./base.js";
import { NEIGHBORS_DEFAULTS, NEIGHBORS_SCHEMA, NeighborsBase, type NeighborsParams } from "./neighbors-base.js";

// The shared defaults without `weights`, which only the predictors have.
const { nNeighbors, metric, p, radius } = NEIGHBORS_DEFAULTS;
const DEFAULTS: NeighborsParams = { nNeighbors, metric, p, radius };

/**
 * Unsupervised nearest-neighbour search (brute force), matching scikit-learn's
 * `NearestNeighbors(algorithm="brute")`.
 *
 * @example
 * ```ts
 * const nn = await new NearestNeighbors({ nNeighbors: 2 }).fit([[0, 0], [1, 1], [5, 5]]);
 * const { distances, indices } = await nn.kneighbors([[0.9, 0.9]]);
 * ```
 */
export class NearestNeighbors extends NeighborsBase<NeighborsParams> {
  protected readonly estimatorName = "NearestNeighbors";

  constructor(params: Partial<NeighborsParams> = {}) {
    super(validateParams("NearestNeighbors", params, NEIGHBORS_SCHEMA, DEFAULTS));
  }

  /**
   * A NearestNeighbors from what {@link toJSON} (or `saveModel`) wrote, checked as untrusted input (a
   * `ValidationError` naming the place of any problem); the training set is loaded on the host.
   */
  static fromJSON(json: unknown): NearestNeighbors {
    return BaseEstimator.restore(json, "NearestNeighbors", DEFAULTS, (params, where) => new NearestNeighbors(validateParams(where, params, NEIGHBORS_SCHEMA, DEFAULTS)));
  }

  /** Stores the training set. `y` is ignored (present for Pipeline compatibility). */
  async fit(X: XInput, y?: unknown, options: FitOptions = {}): Promise<this> {
    checkIgnoredTarget(y, "NearestNeighbors.fit");
    return this.fitNeighbors(X, () => ({}), options);
  }
}
