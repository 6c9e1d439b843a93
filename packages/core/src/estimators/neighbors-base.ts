/** What the three neighbour estimators share: parameters, fitting the training set, and `kneighbors`. */
import { IndexMatrix } from "../data/index-matrix.js";
import { Matrix } from "../data/matrix.js";
import type {
  EstimatorName,
  NeighborsFitExtra,
  NeighborsMetric,
  NeighborsModel,
  NeighborsParamsResolved,
  NeighborsResult,
  NeighborsWeights,
} from "../engine/specs.js";
import { ValidationError } from "../errors.js";
import { checkNoSampleWeight } from "../validation/targets.js";
import { isResident, type DataMatrix, type ResidentMatrix } from "../data/resident.js";
import { formatValue } from "../validation/format.js";
import type { ParamSchema } from "../validation/params.js";
import { writeMatrix } from "../persistence/format.js";
import { readTrainingSet } from "../persistence/models.js";
import type { JsonReader } from "../persistence/reader.js";
import { BaseEstimator, type CallOptions, type FitOptions, type Fitted, type SavedState, type XInput } from "./base.js";

/** Parameters shared by the neighbour estimators. */
export interface NeighborsParams {
  /** Neighbours per query (default 5). */
  nNeighbors: number;
  /** Distance (default `"minkowski"`, which with `p` = 2 is euclidean). */
  metric: NeighborsMetric;
  /** Power of the Minkowski metric (default 2); must be >= 1. */
  p: number;
}

/** Parameters of the neighbour-based predictors. */
export interface KNeighborsParams extends NeighborsParams {
  /** `"uniform"` (default): every neighbour counts the same; `"distance"`: weights 1 / distance. */
  weights: NeighborsWeights;
}

export const NEIGHBORS_DEFAULTS: KNeighborsParams = { nNeighbors: 5, metric: "minkowski", p: 2, weights: "uniform" };

export const NEIGHBORS_SCHEMA = {
  nNeighbors: [{ kind: "int", min: 1 }],
  metric: [{ kind: "oneOf", values: ["minkowski", "euclidean", "manhattan", "chebyshev", "cosine"] }],
  p: [{ kind: "number", min: 1 }],
} satisfies ParamSchema;

export const KNEIGHBORS_SCHEMA = {
  ...NEIGHBORS_SCHEMA,
  weights: [{ kind: "oneOf", values: ["uniform", "distance"] }],
} satisfies ParamSchema;

/** Options of `kneighbors`. */
export interface KNeighborsOptions extends CallOptions {
  /** Defaults to the estimator's `nNeighbors`. */
  nNeighbors?: number;
  /** Return distances too (default true). */
  returnDistance?: boolean;
}

/** Neighbours of each query, nearest first: distances in X's dtype and training-set indices. */
export interface KNeighborsResult {
  distances: Matrix;
  indices: IndexMatrix;
}

/**
 * The training set a model keeps, as a copy when it shares memory with the caller's input: a model is a snapshot,
 * so changing the caller's array after fit must not change later predictions, whichever engine fitted.
 */
function unaliased(fitX: DataMatrix, input: XInput): DataMatrix {
  return isResident(fitX) ? fitX : hostSnapshot(fitX, input);
}

/** `m`, or a copy of it when it shares memory with the caller's input. */
function hostSnapshot(m: Matrix, input: XInput): Matrix {
  if (!(input instanceof Matrix) || m.data.buffer !== input.data.buffer) return m;
  return new Matrix(m.data.slice(), m.rows, m.cols);
}

/** Base of NearestNeighbors, KNeighborsClassifier and KNeighborsRegressor. */
export abstract class NeighborsBase<P extends NeighborsParams> extends BaseEstimator<P, NeighborsModel> {
  protected abstract override readonly estimatorName: EstimatorName;
  /**
   * The training set on the host, for `toJSON`, when the engine keeps it only on its device (a device engine fitted
   * on host input); undefined when the model's `fitX` is the host matrix itself, so no second copy is kept.
   */
  private hostFitX?: Matrix;

  protected override engineParams(): NeighborsParamsResolved {
    const { nNeighbors, metric, p } = this.params;
    const weights = (this.params as Partial<KNeighborsParams>).weights ?? "uniform";
    return { nNeighbors, metric, p, weights };
  }

  /** Number of training samples. */
  get nSamplesFit_(): number {
    return this.requireFitted("nSamplesFit_").model.fitX.rows;
  }

  /**
   * Stores the training set through the engine (which may keep it on its device). `targets` validates y against
   * the validated X; `commit` stores estimator-side results in the same step as the model.
   */
  protected async fitNeighbors(
    X: XInput,
    targets: (nSamples: number) => NeighborsFitExtra,
    options: FitOptions,
    commit?: () => void,
  ): Promise<this> {
    const data = this.input(X, "fit");
    checkNoSampleWeight(options.sampleWeight, `${this.estimatorName}.fit`);
    const { fitted, trace } = await this.runFit(data, targets(data.rows), options);
    commit?.();
    const fitX = unaliased(fitted.model.fitX, X);
    // toJSON is synchronous and cannot read a device back: it saves this snapshot of the host input instead.
    this.hostFitX = isResident(fitX) && !isResident(data) ? hostSnapshot(data, X) : undefined;
    this.commitFit({ ...fitted, model: { ...fitted.model, fitX } }, trace);
    return this;
  }

  protected readonly fittedKeys: readonly string[] = ["fitX"];

  /** The training set (the host copy when the engine keeps it on its device) and the targets. */
  protected fittedState({ model }: Fitted<NeighborsModel>): SavedState {
    const fitX = isResident(model.fitX) ? this.hostFitX : model.fitX;
    const fields = { fitX: fitX && writeMatrix(fitX), ...this.targetsToJSON(model) };
    return fitX ? { fields } : { fields, resident: { key: "fitX", matrix: model.fitX as ResidentMatrix } };
  }

  protected readFitted(fields: Record<string, JsonReader>, nFeatures: number): NeighborsModel {
    const fitX = readTrainingSet(fields.fitX, nFeatures);
    return { fitX, ...this.readTargets(fields, fitX.rows) };
  }

  /** The saved form of the targets (none for NearestNeighbors). */
  protected targetsToJSON(_model: NeighborsModel): Record<string, unknown> {
    return {};
  }

  /** The targets from their saved form, one per training sample. */
  protected readTargets(_fields: Record<string, JsonReader>, _nSamples: number): Pick<NeighborsModel, "y" | "nClasses"> {
    return {};
  }

  /**
   * The `nNeighbors` nearest training samples of each query, nearest first. Without `X`, the queries are the
   * training samples and each is left out of its own neighbours (scikit-learn's convention).
   */
  async kneighbors(X?: XInput, options?: KNeighborsOptions & { returnDistance?: true }): Promise<KNeighborsResult>;
  async kneighbors(X: XInput | undefined, options: KNeighborsOptions & { returnDistance: false }): Promise<{ indices: IndexMatrix }>;
  async kneighbors(X?: XInput, options: KNeighborsOptions = {}): Promise<KNeighborsResult | { indices: IndexMatrix }> {
    const fitted = this.requireFitted("kneighbors");
    const k = options.nNeighbors ?? this.params.nNeighbors;
    if (!Number.isInteger(k) || k < 1) {
      throw new ValidationError(`${this.estimatorName}.kneighbors: nNeighbors must be an integer >= 1, got ${formatValue(k)}.`);
    }
    const available = fitted.model.fitX.rows - (X === undefined ? 1 : 0);
    if (k > available) {
      throw new ValidationError(
        `${this.estimatorName}.kneighbors: nNeighbors=${k} must be <= the number of training samples` +
          `${X === undefined ? " minus one (each sample is left out of its own neighbours)" : ""} (${available}).`,
      );
    }
    const data = X === undefined ? undefined : this.fittedInput(X, "kneighbors");
    const result = await this.runModelHook<NeighborsResult>("kneighbors", "kneighbors", { X: data, nNeighbors: k }, options);
    const indices = new IndexMatrix(result.indices, result.distances.rows, k);
    return options.returnDistance === false ? { indices } : { distances: result.distances, indices };
  }

  /** Checks `nNeighbors` against the training set before a prediction. */
  protected checkEnoughSamples(method: string): void {
    const n = this.requireFitted(method).model.fitX.rows;
    if (this.params.nNeighbors > n) {
      throw new ValidationError(
        `${this.estimatorName}.${method}: nNeighbors=${this.params.nNeighbors} must be <= the number of training samples (${n}).`,
      );
    }
  }
}
