/** Normalizer: scale each row to unit norm (l1, l2 or max), computed by the engine. */
import type { Matrix } from "../data/matrix.js";
import type { DataMatrix } from "../data/resident.js";
import type { NormalizerModel, NormalizerNorm } from "../engine/specs.js";
import { validateParams, type ParamSchema } from "../validation/params.js";
import { checkIgnoredTarget } from "../validation/targets.js";
import { BaseEstimator, type CallOptions, type FitOptions, type HostOutput, type SavedState, type XInput } from "./base.js";

/** Parameters of {@link Normalizer}. */
export interface NormalizerParams {
  /** The norm each row is divided by: `"l2"` (default, Euclidean), `"l1"` (sum of |x|) or `"max"` (largest |x|). */
  norm: NormalizerNorm;
}

const DEFAULTS: NormalizerParams = { norm: "l2" };
const SCHEMA = { norm: [{ kind: "oneOf", values: ["l1", "l2", "max"] }] } satisfies ParamSchema;

/**
 * Scales every row to unit norm, matching scikit-learn's `Normalizer`: each row is divided by its norm, and a row
 * whose norm is below 10 x the machine epsilon of X's dtype (a zero row, say) is left unchanged. `fit` learns
 * nothing but the number of features; it selects the engine, as every fit does.
 *
 * Rows scaled to unit l2 norm turn cosine similarity into a dot product, and the Euclidean distance between them
 * into `sqrt(2 - 2 cos)`: a Normalizer before `NearestNeighbors` ranks neighbours by cosine. Inside a Pipeline
 * whose next step runs on the same device engine, `transform` hands over a device-resident matrix.
 *
 * @example
 * ```ts
 * const Z = await new Normalizer().fitTransform([[3, 4], [0, 0]]); // [[0.6, 0.8], [0, 0]]
 * ```
 */
export class Normalizer extends BaseEstimator<NormalizerParams, NormalizerModel> {
  protected readonly estimatorName = "Normalizer";

  constructor(params: Partial<NormalizerParams> = {}) {
    super(validateParams("Normalizer", params, SCHEMA, DEFAULTS));
  }

  /**
   * A Normalizer from what {@link toJSON} (or `saveModel`) wrote, checked as untrusted input (a `ValidationError`
   * naming the place of any problem).
   */
  static fromJSON(json: unknown): Normalizer {
    return BaseEstimator.restore(json, "Normalizer", DEFAULTS, (params, where) => new Normalizer(validateParams(where, params, SCHEMA, DEFAULTS)));
  }

  protected readonly fittedKeys = [] as const;

  protected fittedState(): SavedState {
    return { fields: {} };
  }

  protected readFitted(): NormalizerModel {
    return {};
  }

  /** Records the number of features (scikit-learn's fit validates X and learns nothing else). `y` is ignored. */
  async fit(X: XInput, y?: unknown, options: Pick<FitOptions, "signal"> = {}): Promise<this> {
    const data = this.input(X, "fit");
    checkIgnoredTarget(y, "Normalizer.fit");
    const { fitted, trace } = await this.runFit(data, {}, options);
    this.commitFit(fitted, trace);
    return this;
  }

  /** Each row divided by its norm. With `output: "engine"` the result may stay on the engine's device. */
  transform(X: XInput, options?: HostOutput): Promise<Matrix>;
  transform(X: XInput, options: CallOptions): Promise<DataMatrix>;
  async transform(X: XInput, options: CallOptions = {}): Promise<DataMatrix> {
    const data = this.fittedInput(X, "transform");
    return this.runModelHook<DataMatrix>("transform", "transform", { X: data }, options);
  }

  /** Fits, then transforms X. */
  fitTransform(X: XInput, y?: unknown, options?: Pick<FitOptions, "signal"> & HostOutput): Promise<Matrix>;
  fitTransform(X: XInput, y: unknown, options: Pick<FitOptions, "signal"> & CallOptions): Promise<DataMatrix>;
  async fitTransform(X: XInput, y?: unknown, options: Pick<FitOptions, "signal"> & CallOptions = {}): Promise<DataMatrix> {
    const data = this.input(X, "fit");
    await this.fit(data, y, options);
    return this.transform(data, { signal: options.signal, output: options.output });
  }
}
