/** KNeighborsRegressor: average of the k nearest training targets. */
import type { NeighborsModel } from "../engine/specs.js";
import type { JsonReader } from "../persistence/reader.js";
import { readRegressionTargets, writeRegressionTargets } from "../persistence/models.js";
import { validateParams } from "../validation/params.js";
import { checkRegressionTargets } from "../validation/targets.js";
import { r2Score } from "../metrics/regression.js";
import { BaseEstimator, type CallOptions, type FitOptions, type XInput } from "./base.js";
import { KNEIGHBORS_SCHEMA, NEIGHBORS_DEFAULTS, NeighborsBase, type KNeighborsParams } from "./neighbors-base.js";

/**
 * Regression by the (optionally distance-weighted) mean of the nearest training targets, matching scikit-learn's
 * `KNeighborsRegressor(algorithm="brute")`.
 *
 * @example
 * ```ts
 * const reg = await new KNeighborsRegressor({ nNeighbors: 2 }).fit([[0], [1], [2]], [0, 10, 20]);
 * const y = await reg.predict([[0.4]]); // Float64Array [5]
 * ```
 */
export class KNeighborsRegressor extends NeighborsBase<KNeighborsParams> {
  protected readonly estimatorName = "KNeighborsRegressor";

  constructor(params: Partial<KNeighborsParams> = {}) {
    super(validateParams("KNeighborsRegressor", params, KNEIGHBORS_SCHEMA, NEIGHBORS_DEFAULTS));
  }

  /**
   * A KNeighborsRegressor from what {@link toJSON} (or `saveModel`) wrote, checked as untrusted input (a
   * `ValidationError` naming the place of any problem); the training set is loaded on the host.
   */
  static fromJSON(json: unknown): KNeighborsRegressor {
    return BaseEstimator.restore(
      json,
      "KNeighborsRegressor",
      NEIGHBORS_DEFAULTS,
      (params, where) => new KNeighborsRegressor(validateParams(where, params, KNEIGHBORS_SCHEMA, NEIGHBORS_DEFAULTS)),
    );
  }

  protected override readonly fittedKeys = ["fitX", "y"] as const;

  protected override targetsToJSON(model: NeighborsModel): Record<string, unknown> {
    return writeRegressionTargets(model.y as Float64Array);
  }

  protected override readTargets(fields: Record<string, JsonReader>, nSamples: number): Pick<NeighborsModel, "y"> {
    return { y: readRegressionTargets(fields.y, nSamples) };
  }

  /** Stores the training set and its targets. */
  async fit(X: XInput, y: readonly number[] | Float64Array | Float32Array, options: FitOptions = {}): Promise<this> {
    const where = { estimator: "KNeighborsRegressor.fit", argument: "y" };
    return this.fitNeighbors(X, (nSamples) => ({ y: checkRegressionTargets(y, nSamples, where) }), options);
  }

  /** Predicted target per query. */
  async predict(X: XInput, options: CallOptions = {}): Promise<Float64Array> {
    this.checkEnoughSamples("predict");
    const data = this.fittedInput(X, "predict");
    return this.runModelHook("predict", "predict", { X: data }, options);
  }

  /** Coefficient of determination R² of `predict(X)` against `y` (weighted by `sampleWeight` when given). */
  async score(X: XInput, y: readonly number[] | Float64Array | Float32Array, options: CallOptions & { sampleWeight?: FitOptions["sampleWeight"] } = {}): Promise<number> {
    const predicted = await this.predict(X, options);
    const truth = checkRegressionTargets(y, predicted.length, { estimator: "KNeighborsRegressor.score", argument: "y" });
    return r2Score(truth, predicted, { sampleWeight: options.sampleWeight });
  }
}
