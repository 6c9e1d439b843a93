/** What the three neighbour estimators share: parameters, fitting the training set, and `kneighbors`. */
import { CsrMatrix } from "../data/csr-matrix.js";
import { IndexMatrix } from "../data/index-matrix.js";
import { Matrix, type FloatArray } from "../data/matrix.js";
import type {
  EstimatorName,
  NeighborsFitExtra,
  NeighborsMetric,
  NeighborsModel,
  NeighborsParamsResolved,
  NeighborsResult,
  NeighborsWeights,
  RadiusNeighborsResult,
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
  /** Radius of `radiusNeighbors` and `radiusNeighborsGraph` (default 1.0, as scikit-learn); finite, >= 0. */
  radius: number;
}

/** Parameters of the neighbour-based predictors. */
export interface KNeighborsParams extends NeighborsParams {
  /** `"uniform"` (default): every neighbour counts the same; `"distance"`: weights 1 / distance. */
  weights: NeighborsWeights;
}

export const NEIGHBORS_DEFAULTS: KNeighborsParams = { nNeighbors: 5, metric: "minkowski", p: 2, radius: 1.0, weights: "uniform" };

export const NEIGHBORS_SCHEMA = {
  nNeighbors: [{ kind: "int", min: 1 }],
  metric: [{ kind: "oneOf", values: ["minkowski", "euclidean", "manhattan", "chebyshev", "cosine"] }],
  p: [{ kind: "number", min: 1 }],
  radius: [{ kind: "number", min: 0, max: Number.MAX_VALUE }],
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

/** Options of `radiusNeighbors`. */
export interface RadiusNeighborsOptions extends CallOptions {
  /** Defaults to the estimator's `radius`; finite and >= 0. */
  radius?: number;
  /** Return distances too (default true). */
  returnDistance?: boolean;
  /**
   * `true`: each query's neighbours nearest first, equal distances by ascending index (needs `returnDistance`, as
   * scikit-learn). `false` (default): by ascending training index, the order scikit-learn leaves unspecified.
   */
  sortResults?: boolean;
}

/**
 * Every training sample within the radius of each query, one array per query: `distances[i]` in X's dtype
 * (`Float32Array` for float32 data) and `indices[i]`, aligned.
 */
export interface RadiusNeighborsQueryResult {
  distances: FloatArray[];
  indices: Int32Array[];
}

/** Options of `kneighborsGraph`. */
export interface KNeighborsGraphOptions extends CallOptions {
  /** Defaults to the estimator's `nNeighbors`. */
  nNeighbors?: number;
  /** `"connectivity"` (default): entries are 1; `"distance"`: entries are the distances. */
  mode?: "connectivity" | "distance";
}

/** Options of `radiusNeighborsGraph`. */
export interface RadiusNeighborsGraphOptions extends CallOptions {
  /** Defaults to the estimator's `radius`. */
  radius?: number;
  /** `"connectivity"` (default): entries are 1; `"distance"`: entries are the distances. */
  mode?: "connectivity" | "distance";
  /** Row entries nearest first (true) or by ascending column (false, the default). */
  sortResults?: boolean;
}

const GRAPH_MODES = ["connectivity", "distance"] as const;

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

  /**
   * Every training sample whose distance to a query is <= `radius` (inclusive, as scikit-learn's
   * `radius_neighbors`), one array per query. Without `X`, the queries are the training samples and each is left
   * out of its own neighbours (its duplicates stay). The set is exact on every engine: engines that compute in
   * lower precision re-check the candidates near the radius exactly. Order: by ascending training index unless
   * `sortResults` (nearest first, equal distances by index).
   *
   * @throws ValidationError when the radius is not a finite number >= 0, or `sortResults` is asked without distances.
   */
  async radiusNeighbors(X?: XInput, options?: RadiusNeighborsOptions & { returnDistance?: true }): Promise<RadiusNeighborsQueryResult>;
  async radiusNeighbors(X: XInput | undefined, options: RadiusNeighborsOptions & { returnDistance: false }): Promise<{ indices: Int32Array[] }>;
  async radiusNeighbors(X?: XInput, options: RadiusNeighborsOptions = {}): Promise<RadiusNeighborsQueryResult | { indices: Int32Array[] }> {
    this.requireFitted("radiusNeighbors");
    const sortResults = options.sortResults ?? false;
    if (sortResults && options.returnDistance === false) {
      throw new ValidationError(`${this.estimatorName}.radiusNeighbors: sortResults needs returnDistance (the order is by distance).`);
    }
    const result = await this.radiusSearch(X, options.radius, sortResults, "radiusNeighbors", options);
    return options.returnDistance === false ? { indices: result.indices } : result;
  }

  /**
   * The k-neighbours graph as a sparse matrix of nQueries x nSamplesFit (scikit-learn's `kneighbors_graph`): row i
   * holds query i's `nNeighbors` neighbours, nearest first, with 1 (`"connectivity"`) or the distance
   * (`"distance"`). Without `X`, the training samples are not their own neighbours (as `kneighbors()`).
   */
  async kneighborsGraph(X?: XInput, options: KNeighborsGraphOptions = {}): Promise<CsrMatrix> {
    const mode = this.graphMode("kneighborsGraph", options.mode);
    const { distances, indices } = await this.kneighbors(X, { ...options, returnDistance: true });
    const { rows, cols: k } = indices;
    const indptr = Int32Array.from({ length: rows + 1 }, (_, i) => i * k);
    const data = mode === "distance" ? Float64Array.from(distances.data) : new Float64Array(rows * k).fill(1);
    return new CsrMatrix(rows, this.nSamplesFit_, indptr, indices.data.slice(), data);
  }

  /**
   * The radius-neighbours graph as a sparse matrix of nQueries x nSamplesFit (scikit-learn's
   * `radius_neighbors_graph`): row i holds every training sample within `radius` of query i, by ascending column
   * (or nearest first with `sortResults`), with 1 (`"connectivity"`) or the distance (`"distance"`, where a
   * neighbour at distance 0 is stored as an explicit 0). Without `X`, the training samples are not their own
   * neighbours.
   */
  async radiusNeighborsGraph(X?: XInput, options: RadiusNeighborsGraphOptions = {}): Promise<CsrMatrix> {
    const mode = this.graphMode("radiusNeighborsGraph", options.mode);
    const { distances, indices } = await this.radiusSearch(X, options.radius, options.sortResults ?? false, "radiusNeighborsGraph", options);
    const indptr = new Int32Array(indices.length + 1);
    indices.forEach((row, i) => (indptr[i + 1] = indptr[i] + row.length));
    const nnz = indptr[indices.length];
    const cols = new Int32Array(nnz);
    const data = new Float64Array(nnz);
    indices.forEach((row, i) => {
      cols.set(row, indptr[i]);
      if (mode === "distance") data.set(distances[i], indptr[i]);
    });
    if (mode === "connectivity") data.fill(1);
    return new CsrMatrix(indices.length, this.nSamplesFit_, indptr, cols, data);
  }

  /** Runs the `radiusNeighbors` hook after checking the radius (the estimator's when none is given). */
  private async radiusSearch(X: XInput | undefined, given: number | undefined, sortResults: boolean, method: string, options: CallOptions): Promise<RadiusNeighborsResult> {
    this.requireFitted(method);
    const radius = given ?? this.params.radius;
    if (typeof radius !== "number" || !(radius >= 0) || radius === Infinity) {
      throw new ValidationError(`${this.estimatorName}.${method}: radius must be a finite number >= 0, got ${formatValue(radius)}.`);
    }
    const data = X === undefined ? undefined : this.fittedInput(X, method);
    return this.runModelHook<RadiusNeighborsResult>(method, "radiusNeighbors", { X: data, radius, sortResults }, options);
  }

  private graphMode(method: string, mode: unknown = "connectivity"): "connectivity" | "distance" {
    if (!GRAPH_MODES.includes(mode as "distance")) {
      throw new ValidationError(`${this.estimatorName}.${method}: mode must be "connectivity" or "distance", got ${formatValue(mode)}.`);
    }
    return mode as "connectivity" | "distance";
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
