/** KMeans: Lloyd's algorithm with scikit-learn 1.2 semantics, computed by whichever engine accepts it. */
import { Matrix, type DType } from "../data/matrix.js";
import { bytesPerElement, isResident, type DataMatrix } from "../data/resident.js";
import { isDeviceLost } from "../engine/dispatch.js";
import type { Engine, KMeansFitExtra, KMeansInitResult, KMeansModel, KMeansParamsResolved } from "../engine/specs.js";
import { unitScale } from "../data/scaling.js";
import { coreEntry, type TraceEntry } from "../engine/trace.js";
import { EngineDeclinedError, ValidationError } from "../errors.js";
import { ConvergenceWarning, ParameterWarning, type PlugmlWarning } from "../warnings.js";
import { matrixParam, validateParams, type ParamSchema } from "../validation/params.js";
import { checkRandomState, randomStateParam, type RandomState } from "../validation/random-state.js";
import { checkIgnoredTarget, checkSampleWeight } from "../validation/targets.js";
import { KMEANS_KEYS, readKMeans, writeKMeans } from "../persistence/models.js";
import type { JsonReader } from "../persistence/reader.js";
import { BaseEstimator, iterationReporter, throwIfAborted, type CallOptions, type FitOptions, type Fitted, type HostOutput, type SavedState, type XInput } from "./base.js";
import { checkInitCenters, kmeansPlusPlusAsync, randomInit, resolveNInit } from "./kmeans-init.js";

/** Parameters of {@link KMeans}. */
export interface KMeansParams {
  /** Number of clusters (default 8). */
  nClusters: number;
  /** `"k-means++"` (default), `"random"`, or explicit initial centers (nClusters x nFeatures). */
  init: "k-means++" | "random" | readonly (readonly number[])[] | Matrix;
  /** Number of initialisations; `"auto"` is 1 for k-means++ and explicit centers, 10 for random. */
  nInit: "auto" | number;
  /** Most Lloyd iterations per initialisation (default 300). */
  maxIter: number;
  /** Convergence tolerance, relative to the mean feature variance of X (default 1e-4). */
  tol: number;
  /** Seed for initialisation; `undefined` draws a fresh one. */
  randomState?: number | RandomState;
}

const DEFAULTS: KMeansParams = { nClusters: 8, init: "k-means++", nInit: "auto", maxIter: 300, tol: 1e-4, randomState: undefined };

const SCHEMA = {
  nClusters: [{ kind: "int", min: 1 }],
  init: [{ kind: "oneOf", values: ["k-means++", "random"] }, matrixParam],
  nInit: [{ kind: "oneOf", values: ["auto"] }, { kind: "int", min: 1 }],
  maxIter: [{ kind: "int", min: 1 }],
  tol: [{ kind: "number", min: 0 }],
  randomState: randomStateParam,
} satisfies ParamSchema;

/**
 * K-Means clustering (Lloyd), matching scikit-learn 1.2's `KMeans(algorithm="lloyd")`: tolerance relative to the
 * mean feature variance, greedy k-means++ with 2 + ln(k) local trials, empty clusters relocated to the farthest
 * points, and sample weights.
 *
 * @example
 * ```ts
 * const km = new KMeans({ nClusters: 2, randomState: 0 });
 * await km.fit([[1, 1], [1.2, 0.9], [8, 8], [8.1, 7.9]]);
 * const labels = await km.predict([[0.9, 1.1]]);
 * ```
 */
export class KMeans extends BaseEstimator<KMeansParams, KMeansModel> {
  protected readonly estimatorName = "KMeans";

  constructor(params: Partial<KMeansParams> = {}) {
    super(validateParams("KMeans", params, SCHEMA, DEFAULTS));
  }

  /**
   * A KMeans from what {@link toJSON} (or `saveModel`) wrote, checked as untrusted input: any problem is a
   * `ValidationError` naming its place, e.g. `KMeans.fromJSON: fitted.labels[3] is 7, expected an integer in [0, 1]`.
   * The model is loaded on the host; the engine that fitted need not be installed (see docs/saving-models.md).
   */
  static fromJSON(json: unknown): KMeans {
    return BaseEstimator.restore(json, "KMeans", DEFAULTS, (params, where) => new KMeans(validateParams(where, params, SCHEMA, DEFAULTS)));
  }

  protected readonly fittedKeys = KMEANS_KEYS;

  protected fittedState({ model }: Fitted<KMeansModel>): SavedState {
    return { fields: writeKMeans(model) };
  }

  protected readFitted(fields: Record<string, JsonReader>, nFeatures: number): KMeansModel {
    return readKMeans(fields, nFeatures, this.params);
  }

  /** Engines see only the numbers Lloyd needs: the init method and nInit go to the `init` hook's context. */
  protected override engineParams(): KMeansParamsResolved {
    const { nClusters, maxIter, tol } = this.params;
    return { nClusters, maxIter, tol };
  }

  /** Cluster centers, nClusters x nFeatures, in X's dtype. */
  get clusterCenters_(): Matrix {
    return this.requireFitted("clusterCenters_").model.clusterCenters;
  }
  /** Cluster index of each training sample. */
  get labels_(): Int32Array {
    return this.requireFitted("labels_").model.labels;
  }
  /** Sum of weighted squared distances of samples to their closest center. */
  get inertia_(): number {
    return this.requireFitted("inertia_").model.inertia;
  }
  /** Iterations run by the best initialisation. */
  get nIter_(): number {
    return this.requireFitted("nIter_").model.nIter;
  }

  /** Computes the clusters. `y` is ignored (present for Pipeline compatibility). */
  async fit(X: XInput, y?: unknown, options: FitOptions = {}): Promise<this> {
    const data = this.input(X, "fit");
    checkIgnoredTarget(y, "KMeans.fit");
    const { nClusters } = this.params;
    if (nClusters > data.rows) {
      throw new ValidationError(`KMeans.fit: nClusters=${nClusters} must be <= the number of samples (${data.rows}).`);
    }
    const weights = scaledWeights(checkSampleWeight(options.sampleWeight, data.rows, { estimator: "KMeans.fit", argument: "sampleWeight" }), data.dtype);
    // Before initialisation, which can be costly and reads a resident X back.
    throwIfAborted(options.signal);
    const init = await this.initialCenters(data, options.signal);
    const iterations = { reportIteration: iterationReporter(options) };
    const extra: KMeansFitExtra = { sampleWeight: weights.values, initialCenters: init.centers, iterations };
    const { fitted, trace } = await this.runFit(data, extra, options);
    trace.unshift(...init.trace);
    const model = { ...fitted.model, inertia: fitted.model.inertia * weights.factor };
    this.commitFit({ ...fitted, model }, trace, [...init.warnings, ...convergenceWarnings(model, nClusters)]);
    return this;
  }

  /** Index of the closest cluster center for each sample. */
  async predict(X: XInput, options: CallOptions = {}): Promise<Int32Array> {
    const data = this.fittedInput(X, "predict");
    return this.runModelHook("predict", "predict", { X: data }, options);
  }

  /** Distances from each sample to every cluster center (n x nClusters). */
  transform(X: XInput, options?: HostOutput): Promise<Matrix>;
  transform(X: XInput, options: CallOptions): Promise<DataMatrix>;
  async transform(X: XInput, options: CallOptions = {}): Promise<DataMatrix> {
    const data = this.fittedInput(X, "transform");
    return this.runModelHook("transform", "transform", { X: data }, options);
  }

  /** Fits, then returns the training labels. */
  async fitPredict(X: XInput, y?: unknown, options: FitOptions = {}): Promise<Int32Array> {
    await this.fit(X, y, options);
    return this.labels_;
  }

  /** Fits, then returns the distances of the training samples to the centers. */
  fitTransform(X: XInput, y?: unknown, options?: FitOptions & HostOutput): Promise<Matrix>;
  fitTransform(X: XInput, y: unknown, options: FitOptions & CallOptions): Promise<DataMatrix>;
  async fitTransform(X: XInput, y?: unknown, options: FitOptions & CallOptions = {}): Promise<DataMatrix> {
    // Validated once, so an engine sees the same matrix in fit and transform (and can reuse its upload).
    const data = this.input(X, "fit");
    await this.fit(data, y, options);
    return this.transform(data, { signal: options.signal, output: options.output });
  }

  /** Opposite of the (weighted) inertia of X against the fitted centers; higher is better. */
  async score(X: XInput, _y?: unknown, options: { sampleWeight?: FitOptions["sampleWeight"]; signal?: AbortSignal } = {}): Promise<number> {
    const data = this.fittedInput(X, "score");
    const weights = scaledWeights(checkSampleWeight(options.sampleWeight, data.rows, { estimator: "KMeans.score", argument: "sampleWeight" }), data.dtype);
    const score = await this.runModelHook<number>("score", "score", { X: data, sampleWeight: weights.values }, options);
    return score * weights.factor;
  }

  /**
   * Initial centers for every run. Explicit centers are checked and copied. For k-means++ and random init the
   * engines are asked first (the optional `init` hook, each with its own copy of the seeded generator, so the same
   * `randomState` picks the same rows everywhere); when none runs it, core's TypeScript reference does, reading a
   * resident X back once. Either way the initialisation gets its own trace entries, before the fit's.
   */
  private async initialCenters(data: DataMatrix, signal?: AbortSignal): Promise<{ centers: Matrix[]; trace: TraceEntry[]; warnings: PlugmlWarning[] }> {
    const { init, nClusters, nInit, randomState } = this.params;
    if (init !== "k-means++" && init !== "random") {
      const centers = [checkInitCenters(init, nClusters, data, { estimator: "KMeans.fit", argument: "init" })];
      // scikit-learn's RuntimeWarning: every run would start from the same centers.
      const ignored =
        typeof nInit === "number" && nInit > 1
          ? [new ParameterWarning(`Explicit initial center position passed: performing only one init instead of nInit=${nInit}.`, "KMeans.fit")]
          : [];
      return { centers, trace: [], warnings: ignored };
    }
    const rng = checkRandomState(randomState);
    const runs = resolveNInit(nInit, init);
    const trace: TraceEntry[] = [];
    const copies = new Map<Engine, RandomState>();
    const more = (engine: Engine) => {
      const random = rng.clone();
      copies.set(engine, random);
      return { method: init, nInit: runs, random };
    };
    try {
      const result = await this.runDataHook<KMeansInitResult>("init", data, more, signal, (entry) => trace.push(entry));
      // The stream continues where the winning engine left it, as if core had drawn (a shared RandomState advances).
      rng.assign(copies.get(result.implementation)!);
      return { centers: result.value.centers, trace, warnings: [] };
    } catch (e) {
      if (!(e instanceof EngineDeclinedError) && !isDeviceLost(e)) throw e;
    }
    return { centers: await this.referenceInit(data, runs, rng, signal, trace), trace, warnings: [] };
  }

  /** Core's TypeScript k-means++ or random init, traced as an entry of engine "core". */
  private async referenceInit(data: DataMatrix, runs: number, rng: RandomState, signal: AbortSignal | undefined, trace: TraceEntry[]): Promise<Matrix[]> {
    const { init, nClusters } = this.params;
    const start = performance.now();
    const bytes = isResident(data) ? data.rows * data.cols * bytesPerElement(data.dtype) : 0;
    if (isResident(data)) this.checkTransfer(data, `KMeans.fit (${init} initialisation in core)`, bytes);
    const X = isResident(data) ? await data.read() : data;
    const centers: Matrix[] = [];
    for (let run = 0; run < runs; run++) {
      centers.push(init === "random" ? randomInit(X, nClusters, rng) : await kmeansPlusPlusAsync(X, nClusters, rng, signal));
    }
    const reason =
      `${init} initialisation by core's TypeScript reference (no engine ran KMeans.init)` +
      (isResident(data) ? ", reading the resident X back to the host" : "");
    trace.push(
      coreEntry("KMeans", "fit", "init", reason, {
        ms: performance.now() - start,
        bytesFromDevice: bytes,
        threads: { count: 1, reason: "core computes on the calling thread" },
      }),
    );
    return centers;
  }
}

/**
 * Sample weights divided by a power of two that brings the largest into [1, 2) (subnormal ones as far up as a finite
 * power of two goes), and that power. Centers do not
 * depend on a common factor of the weights and the inertia is linear in it, so engines compute on the scaled
 * weights (exactly: a power of two changes no rounding) and weighted sums cannot overflow for weights up to
 * float64's maximum; core multiplies the inertia back.
 */
function scaledWeights(weights: Float64Array, dtype: DType): { values: Float64Array; factor: number } {
  let max = 0;
  let float32 = true;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (w > max) max = w;
    if (float32 && Math.fround(w) !== w) float32 = false;
  }
  const factor = 1 / unitScale(max);
  // scikit-learn casts the weights to X's dtype (`_check_sample_weight(dtype=X.dtype)`); after the scaling, so that
  // weights beyond float32's range still count (a power of two commutes with the rounding).
  const round = dtype === "float32" ? Math.fround : (w: number) => w;
  // Nothing to scale or round (the default weights of 1, say): the weights as they are.
  if (factor === 1 && (dtype === "float64" || float32)) return { values: weights, factor };
  return { values: weights.map((w) => round(w / factor)), factor };
}

/** scikit-learn's ConvergenceWarning when fewer distinct clusters than asked were found (duplicate points). */
function convergenceWarnings(model: KMeansModel, nClusters: number): PlugmlWarning[] {
  const seen = new Uint8Array(nClusters);
  let distinct = 0;
  for (let i = 0; i < model.labels.length; i++) {
    if (seen[model.labels[i]] === 0) {
      seen[model.labels[i]] = 1;
      distinct++;
    }
  }
  if (distinct >= nClusters) return [];
  return [
    new ConvergenceWarning(
      `Number of distinct clusters (${distinct}) found smaller than nClusters (${nClusters}). Possibly due to duplicate points in X.`,
      "KMeans.fit",
    ),
  ];
}
