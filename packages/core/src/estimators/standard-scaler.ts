/** StandardScaler: centre and scale features by column statistics computed by the engine. */
import type { Matrix } from "../data/matrix.js";
import type { DataMatrix } from "../data/resident.js";
import type { StandardScalerFitExtra, StandardScalerModel } from "../engine/specs.js";
import { validateParams, type ParamSchema } from "../validation/params.js";
import { checkIgnoredTarget, checkSampleWeight } from "../validation/targets.js";
import { unitScale } from "../data/scaling.js";
import { readScaler, SCALER_KEYS, writeScaler } from "../persistence/models.js";
import type { JsonReader } from "../persistence/reader.js";
import { BaseEstimator, type CallOptions, type FitOptions, type Fitted, type HostOutput, type SavedState, type XInput } from "./base.js";

/** Parameters of {@link StandardScaler}. */
export interface StandardScalerParams {
  /** Subtract the column mean (default true). */
  withMean: boolean;
  /** Divide by the column standard deviation (default true). */
  withStd: boolean;
}

const DEFAULTS: StandardScalerParams = { withMean: true, withStd: true };
const SCHEMA = {
  withMean: [{ kind: "boolean" }],
  withStd: [{ kind: "boolean" }],
} satisfies ParamSchema;

/**
 * Standardises features to zero mean and unit variance, matching scikit-learn's `StandardScaler`: population
 * variance, and columns of (numerically) zero variance get scale 1.
 *
 * Inside a Pipeline whose next step runs on the same device engine, `transform` hands over a device-resident
 * matrix; called directly it returns a host {@link Matrix}.
 *
 * @example
 * ```ts
 * const scaler = await new StandardScaler().fit([[0, 10], [2, 10]]);
 * const Z = await scaler.transform([[1, 10]]); // [[0, 0]]
 * ```
 */
export class StandardScaler extends BaseEstimator<StandardScalerParams, StandardScalerModel> {
  protected readonly estimatorName = "StandardScaler";

  constructor(params: Partial<StandardScalerParams> = {}) {
    super(validateParams("StandardScaler", params, SCHEMA, DEFAULTS));
  }

  /**
   * A StandardScaler from what {@link toJSON} (or `saveModel`) wrote, checked as untrusted input (a
   * `ValidationError` naming the place of any problem); the model is loaded on the host.
   */
  static fromJSON(json: unknown): StandardScaler {
    return BaseEstimator.restore(json, "StandardScaler", DEFAULTS, (params, where) => new StandardScaler(validateParams(where, params, SCHEMA, DEFAULTS)));
  }

  protected readonly fittedKeys = SCALER_KEYS;

  protected fittedState({ model }: Fitted<StandardScalerModel>): SavedState {
    return { fields: writeScaler(model) };
  }

  protected readFitted(fields: Record<string, JsonReader>, nFeatures: number): StandardScalerModel {
    return readScaler(fields, nFeatures);
  }

  /** Per-column mean, or undefined when neither withMean nor withStd is set (as in scikit-learn). */
  get mean_(): Float64Array | undefined {
    const m = this.requireFitted("mean_").model;
    return this.params.withMean || this.params.withStd ? m.mean : undefined;
  }
  /** Per-column population variance, or undefined when withStd is false. */
  get var_(): Float64Array | undefined {
    const m = this.requireFitted("var_").model;
    return this.params.withStd ? m.var : undefined;
  }
  /** Per-column scale (standard deviation, 1 for constant columns), or undefined when withStd is false. */
  get scale_(): Float64Array | undefined {
    const m = this.requireFitted("scale_").model;
    return this.params.withStd ? m.scale : undefined;
  }
  /** Number of samples seen by fit. */
  get nSamplesSeen_(): number {
    return this.requireFitted("nSamplesSeen_").model.nSamplesSeen;
  }

  /**
   * Computes column means and variances; with `sampleWeight`, the weighted mean and weighted population variance
   * (as scikit-learn's), and `nSamplesSeen_` is the sum of the weights. `y` is ignored.
   */
  async fit(X: XInput, y?: unknown, options: FitOptions = {}): Promise<this> {
    const data = this.input(X, "fit");
    checkIgnoredTarget(y, "StandardScaler.fit");
    const sampleWeight =
      options.sampleWeight === undefined
        ? undefined
        : checkSampleWeight(options.sampleWeight, data.rows, { estimator: "StandardScaler.fit", argument: "sampleWeight" });
    const extra: StandardScalerFitExtra = { sampleWeight };
    const { fitted, trace } = await this.runFit(data, extra, options);
    const stats = fitted.model;
    const scale = scaleFromVariance(stats.var, stats.mean, stats.nSamplesSeen, (stats as { scale?: Float64Array }).scale);
    this.commitFit({ ...fitted, model: { ...stats, scale } }, trace);
    return this;
  }

  /** (X - mean) / scale. With `output: "engine"` the result may stay on the engine's device. */
  transform(X: XInput, options?: HostOutput): Promise<Matrix>;
  transform(X: XInput, options: CallOptions): Promise<DataMatrix>;
  async transform(X: XInput, options: CallOptions = {}): Promise<DataMatrix> {
    const data = this.fittedInput(X, "transform");
    return this.runModelHook<DataMatrix>("transform", "transform", { X: data }, options);
  }

  /** X * scale + mean: undoes {@link transform}. */
  inverseTransform(X: XInput, options?: HostOutput): Promise<Matrix>;
  inverseTransform(X: XInput, options: CallOptions): Promise<DataMatrix>;
  async inverseTransform(X: XInput, options: CallOptions = {}): Promise<DataMatrix> {
    const data = this.fittedInput(X, "inverseTransform");
    return this.runModelHook<DataMatrix>("inverseTransform", "inverseTransform", { X: data }, options);
  }

  /** Fits, then transforms the training data. */
  fitTransform(X: XInput, y?: unknown, options?: FitOptions & HostOutput): Promise<Matrix>;
  fitTransform(X: XInput, y: unknown, options: FitOptions & CallOptions): Promise<DataMatrix>;
  async fitTransform(X: XInput, y?: unknown, options: FitOptions & CallOptions = {}): Promise<DataMatrix> {
    // Validated once, so an engine sees the same matrix in fit and transform (and can reuse its upload).
    const data = this.input(X, "fit");
    await this.fit(data, y, options);
    return this.transform(data, { signal: options.signal, output: options.output });
  }
}

/**
 * Standard deviations with scikit-learn's guard: a column whose variance is within rounding error of zero
 * (`_is_constant_feature`) gets scale 1, so transform leaves it centred instead of dividing by ~0. The guard is
 * evaluated on the column scaled by a power of two (exact), so it cannot overflow for values near float64's maximum;
 * where the variance itself overflowed, the engine's standard deviation (`std`, when it gives one) is used.
 */
function scaleFromVariance(variance: Float64Array, mean: Float64Array, n: number, std?: Float64Array): Float64Array {
  const eps = Number.EPSILON;
  return variance.map((v, j) => {
    const sd = Number.isFinite(v) ? Math.sqrt(v) : (std?.[j] ?? Infinity);
    const big = Math.max(sd, Math.abs(mean[j]));
    if (big === 0) return 1;
    if (!Number.isFinite(big)) return sd;
    const s = unitScale(big);
    const scaled = Number.isFinite(v) ? v * s * s : (sd * s) ** 2;
    const bound = n * eps * scaled + (n * mean[j] * s * eps) ** 2;
    return scaled <= bound ? 1 : sd;
  });
}
