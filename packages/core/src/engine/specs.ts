/**
 * Hook specifications: which estimators an engine may implement, which hooks each has, and what every hook
 * receives and returns. This file is the contract between core and engine packages (pluggy's hookspecs).
 */
import type { DType, Matrix } from "../data/matrix.js";
import type { DataMatrix, ResidentMatrix } from "../data/resident.js";
import type { RandomState } from "../validation/random-state.js";

/** Version of the engine API described in this file; engines declare the semver range they support in `coreApi`. */
export const ENGINE_API_VERSION = "1.4.0";

/** Hooks that run once per `fit`: `prepareFit` selects the engine, `fit` computes, `postFit` hands back host data. */
export const LIFECYCLE_HOOKS = ["prepareFit", "fit", "postFit"] as const;

/**
 * Per estimator: the hooks an engine must implement (`required`) and may implement (`optional`). The gates
 * `accepts` (can it run this call?) and `shouldRun` (is running it worth it?) are optional everywhere; without
 * `prepareFit` an engine has no fit state, without `postFit` its `fit` result must already be the host model.
 */
export const HOOK_SPECS = {
  KMeans: { required: ["fit", "predict", "transform", "score"], optional: ["accepts", "shouldRun", "init", "prepareFit", "postFit"] },
  KNeighborsClassifier: {
    required: ["fit", "predict", "predictProba", "kneighbors"],
    optional: ["accepts", "shouldRun", "prepareFit", "postFit", "radiusNeighbors"],
  },
  KNeighborsRegressor: { required: ["fit", "predict", "kneighbors"], optional: ["accepts", "shouldRun", "prepareFit", "postFit", "radiusNeighbors"] },
  NearestNeighbors: { required: ["fit", "kneighbors"], optional: ["accepts", "shouldRun", "prepareFit", "postFit", "radiusNeighbors"] },
  Normalizer: { required: ["fit", "transform"], optional: ["accepts", "shouldRun", "prepareFit", "postFit"] },
  StandardScaler: {
    required: ["fit", "transform", "inverseTransform"],
    optional: ["accepts", "shouldRun", "prepareFit", "postFit"],
  },
  /** Not an estimator: the hooks of core's metric functions (engine API 1.3), each optional. */
  metrics: { required: [], optional: ["accepts", "shouldRun", "clusterDistanceSums"] },
} as const satisfies Record<string, { required: readonly string[]; optional: readonly string[] }>;

/** Names of the estimators engines can implement, and `"metrics"`, the hooks of core's metric functions. */
export type EstimatorName = keyof typeof HOOK_SPECS;
/** A hook an engine implements (not counting the gates `accepts` and `shouldRun`). */
export type HookName =
  | "init"
  | "prepareFit"
  | "fit"
  | "postFit"
  | "predict"
  | "predictProba"
  | "transform"
  | "inverseTransform"
  | "kneighbors"
  | "score"
  | "radiusNeighbors"
  | "clusterDistanceSums";

/** Records what a hook call moved and converted; every number ends up in that call's trace entry. */
export interface TraceRecorder {
  /** Bytes copied from the host to the engine's device. */
  bytesToDevice(bytes: number): void;
  /** Bytes copied from the engine's device back to the host. */
  bytesFromDevice(bytes: number): void;
  /** A conversion the engine made, in words, e.g. "X float64 -> float32". */
  conversion(what: string): void;
  /**
   * How many threads the call computed on and why, e.g. `(1, "the page is not cross-origin isolated")`; the last
   * report of a call is the one traced (engine API 1.2).
   */
  threads(count: number, reason: string): void;
}

/** What every hook receives. Estimator-specific contexts extend it. */
export interface HookContext<P = unknown> {
  readonly estimator: EstimatorName;
  /** The hook being called (also set when `accepts` is asked about it). */
  readonly hook: HookName;
  /** The estimator's validated parameters. */
  readonly params: Readonly<P>;
  /** Cancellation requested by the user; long-running hooks should check it between chunks. */
  readonly signal?: AbortSignal;
  /** Where the engine reports transfers and conversions. */
  readonly record: TraceRecorder;
  /** Reads a matrix to the host (a no-op for host matrices), recording the bytes moved. */
  toHost(X: DataMatrix): Promise<Matrix>;
}

/** Per-iteration progress an engine reports from an iterative fit. */
export interface IterationInfo {
  /** 1-based iteration number. */
  iteration: number;
  /** Engine-specific convergence measure (KMeans: squared center shift, summed). */
  centerShift?: number;
  /** Whether the engine's convergence test passed at this iteration. */
  converged: boolean;
  /** Objective value, when the engine has it at no extra cost. */
  inertia?: number;
}

/** Fit-time context of iterative estimators. */
export interface IterativeFitContext {
  /**
   * Call once per iteration. Throws `AbortError` if the signal was aborted; returns `"stop"` if the user's
   * `onIteration` asked to stop, in which case the engine finishes as if converged.
   */
  reportIteration(info: IterationInfo): "continue" | "stop";
}

/** Context of the fit lifecycle (`prepareFit`, `fit`, `postFit`). */
export interface FitContext<P, Extra, State = unknown, FitResult = unknown> extends HookContext<P> {
  readonly X: DataMatrix;
  readonly nSamples: number;
  readonly nFeatures: number;
  readonly dtype: DType;
  readonly extra: Extra;
  /** What this engine's `prepareFit` returned (`fit` and `postFit` only). */
  readonly state?: State;
  /** What this engine's `fit` returned (`postFit` only). */
  readonly fitResult?: FitResult;
}

/** Context of a hook that uses a fitted model. */
export interface ModelContext<P, Model> extends HookContext<P> {
  readonly model: Readonly<Model>;
  /** What the fitting engine's `fit` returned, when this engine is the one that fitted; undefined otherwise. */
  readonly fitState?: unknown;
  /**
   * Where a matrix result may live: `"host"` (the default) requires a host {@link Matrix}; `"engine"` (inside a
   * Pipeline, or when the user asks for it) lets the engine return a {@link ResidentMatrix} that stays on its device.
   */
  readonly output: "host" | "engine";
}

/**
 * What `accepts` receives: the full context of the hook about to run (`ctx.hook` says which), so an engine can
 * decide from the data (`X`, `nSamples`), the model or the call's options. Fields of other hooks are absent.
 */
export type AcceptsContext<P, Model> = HookContext<P> &
  Partial<Omit<FitContext<P, unknown>, keyof HookContext<P>>> &
  Partial<Omit<ModelContext<P, Model>, keyof HookContext<P>>> & {
    readonly nNeighbors?: number;
    /** `radiusNeighbors` only: the radius and whether results are sorted. */
    readonly radius?: number;
    readonly sortResults?: boolean;
    /** KMeans `init` only: the initialisation asked for and the number of runs. */
    readonly method?: "k-means++" | "random";
    readonly nInit?: number;
  };

// ---- KMeans ---------------------------------------------------------------------------------------------------

/** KMeans parameters as engines see them (the init method and nInit reach the `init` hook through its own context). */
export interface KMeansParamsResolved {
  nClusters: number;
  /** Most Lloyd iterations per initialisation. */
  maxIter: number;
  /** Relative tolerance: engines compare the summed squared center shift with `tol * mean(var(X, axis=0))`. */
  tol: number;
}
/** `ctx.extra` of the KMeans fit lifecycle. */
export interface KMeansFitExtra {
  /** One weight per sample, validated (finite, >= 0, at least one positive); all ones when none were given. */
  sampleWeight: Float64Array;
  /** One set of initial centers per run (`nInit` runs, computed by core); keep the run with the lowest inertia. */
  initialCenters: Matrix[];
  iterations: IterativeFitContext;
}
/**
 * Context of the optional KMeans `init` hook, which computes the initial centers of every run for `init:
 * "k-means++"` or `"random"` (explicit centers need no hook). Without an engine that implements it, core computes
 * them with its TypeScript reference (`kmeansPlusPlus`, `randomInit`), which is what engines must match.
 */
export interface KMeansInitContext extends HookContext<KMeansParamsResolved> {
  readonly X: DataMatrix;
  readonly nSamples: number;
  readonly nFeatures: number;
  readonly dtype: DType;
  /** `"k-means++"`: greedy k-means++, as `kmeansPlusPlusIndices`; `"random"`: as `randomInit`. */
  readonly method: "k-means++" | "random";
  /** Sets of initial centers to compute, one per run, in order. */
  readonly nInit: number;
  /**
   * Core's seeded generator, this engine's own copy: draw from it exactly as the reference does (for k-means++, per
   * run: `randInt(n)` for the first center, then for every further center `2 + floor(ln k)` calls of `random()`
   * before any distance), so that the same `randomState` picks the same rows on every engine.
   */
  readonly random: RandomState;
}
/** What the KMeans `init` hook returns: per run, the chosen rows of X and those rows as centers. */
export interface KMeansInitResult {
  /** `nInit` arrays of `nClusters` row indices of X, in the order the centers were chosen. */
  indices: Int32Array[];
  /** `nInit` host matrices, nClusters x nFeatures in X's dtype: the rows of X at `indices`. */
  centers: Matrix[];
}
/** The host model of a fitted KMeans, returned by `postFit` (or by `fit` without `postFit`). */
export interface KMeansModel {
  /** nClusters x nFeatures, in X's dtype. */
  clusterCenters: Matrix;
  /** Cluster of each training sample. */
  labels: Int32Array;
  /** Weighted sum of squared distances of the training samples to their centers. */
  inertia: number;
  /** Iterations run by the best initialisation. */
  nIter: number;
}
/** The KMeans hooks an engine implements (see {@link HOOK_SPECS} for which are required). */
export interface KMeansHooks {
  accepts?(ctx: AcceptsContext<KMeansParamsResolved, KMeansModel>): true | string | Promise<true | string>;
  shouldRun?(ctx: AcceptsContext<KMeansParamsResolved, KMeansModel>): true | string | Promise<true | string>;
  /** Initial centers for every run (see {@link KMeansInitContext}); asked through `accepts` and `shouldRun` first. */
  init?(ctx: KMeansInitContext): KMeansInitResult | Promise<KMeansInitResult>;
  prepareFit?(ctx: FitContext<KMeansParamsResolved, KMeansFitExtra>): unknown;
  fit(ctx: FitContext<KMeansParamsResolved, KMeansFitExtra>): unknown;
  postFit?(ctx: FitContext<KMeansParamsResolved, KMeansFitExtra>): KMeansModel | Promise<KMeansModel>;
  /** Index of the nearest center per row. */
  predict(ctx: ModelContext<KMeansParamsResolved, KMeansModel> & { X: DataMatrix }): Int32Array | undefined | Promise<Int32Array | undefined>;
  /** Euclidean distance to every center (n x nClusters, X's dtype). */
  transform(ctx: ModelContext<KMeansParamsResolved, KMeansModel> & { X: DataMatrix }): DataMatrix | undefined | Promise<DataMatrix | undefined>;
  /** Opposite of the weighted inertia of X against the centers. */
  score(ctx: ModelContext<KMeansParamsResolved, KMeansModel> & { X: DataMatrix; sampleWeight: Float64Array }): number | undefined | Promise<number | undefined>;
}

// ---- Neighbours -----------------------------------------------------------------------------------------------

/** Distance of the neighbour estimators (`"minkowski"` uses the parameter `p`). */
export type NeighborsMetric = "minkowski" | "euclidean" | "manhattan" | "chebyshev" | "cosine";
/** Vote weighting of the neighbour predictors: equal, or 1 / distance (exact matches take all the weight). */
export type NeighborsWeights = "uniform" | "distance";
/** Neighbour parameters as engines see them; `weights` is `"uniform"` for NearestNeighbors. */
export interface NeighborsParamsResolved {
  nNeighbors: number;
  metric: NeighborsMetric;
  p: number;
  weights: NeighborsWeights;
}
/** The host model of a fitted neighbour estimator. */
export interface NeighborsModel {
  /** Training samples; an engine may keep them resident on its device. */
  fitX: DataMatrix;
  /** Encoded class of each training sample (classifier), or target value (regressor). */
  y?: Int32Array | Float64Array;
  /** Number of classes (classifier). */
  nClasses?: number;
}
/** `ctx.extra` of the neighbour fit lifecycle: validated targets (none for NearestNeighbors). */
export interface NeighborsFitExtra {
  y?: Int32Array | Float64Array;
  nClasses?: number;
}
/** Neighbours of each query: `distances` in X's dtype and `indices`, both nQueries x k, nearest first. */
export interface NeighborsResult {
  distances: Matrix;
  indices: Int32Array;
}
/** Context of the `kneighbors` hook. */
export interface KNeighborsContext extends ModelContext<NeighborsParamsResolved, NeighborsModel> {
  /** Queries; undefined means the training set itself, each sample excluded from its own neighbours. */
  readonly X?: DataMatrix;
  readonly nNeighbors: number;
}
/**
 * Neighbours within the radius of each query, one array per query (their lengths differ): `distances[i]` in X's
 * dtype (`Float32Array` for float32 data, else `Float64Array`) and `indices[i]` of the training samples, aligned.
 */
export interface RadiusNeighborsResult {
  distances: (Float32Array | Float64Array)[];
  indices: Int32Array[];
}
/**
 * Context of the optional `radiusNeighbors` hook. A training sample is a neighbour of a query when its distance
 * (the one `kneighbors` reports, computed exactly as the engine's reference does) is <= `radius`, inclusive as
 * scikit-learn's; the set must be exactly that one, whatever precision the engine computes in, so an engine that
 * computes approximately re-checks the candidates near the radius exactly (or declines).
 */
export interface RadiusNeighborsContext extends ModelContext<NeighborsParamsResolved, NeighborsModel> {
  /** Queries; undefined means the training set itself, each sample excluded from its own neighbours. */
  readonly X?: DataMatrix;
  /** Finite and >= 0 (checked by core). */
  readonly radius: number;
  /** `true`: each query's neighbours nearest first, equal distances by ascending index; `false`: by ascending index. */
  readonly sortResults: boolean;
}
type NeighborsLifecycle = {
  accepts?(ctx: AcceptsContext<NeighborsParamsResolved, NeighborsModel>): true | string | Promise<true | string>;
  shouldRun?(ctx: AcceptsContext<NeighborsParamsResolved, NeighborsModel>): true | string | Promise<true | string>;
  prepareFit?(ctx: FitContext<NeighborsParamsResolved, NeighborsFitExtra>): unknown;
  fit(ctx: FitContext<NeighborsParamsResolved, NeighborsFitExtra>): unknown;
  postFit?(ctx: FitContext<NeighborsParamsResolved, NeighborsFitExtra>): NeighborsModel | Promise<NeighborsModel>;
  kneighbors(ctx: KNeighborsContext): NeighborsResult | undefined | Promise<NeighborsResult | undefined>;
  /** Every training sample within `ctx.radius` of each query (see {@link RadiusNeighborsContext}). */
  radiusNeighbors?(ctx: RadiusNeighborsContext): RadiusNeighborsResult | undefined | Promise<RadiusNeighborsResult | undefined>;
};
/** The NearestNeighbors hooks an engine implements. */
export interface NearestNeighborsHooks extends NeighborsLifecycle {}
/** The KNeighborsClassifier hooks an engine implements. */
export interface KNeighborsClassifierHooks extends NeighborsLifecycle {
  /** Encoded class index per query (the first most probable class). */
  predict(ctx: ModelContext<NeighborsParamsResolved, NeighborsModel> & { X: DataMatrix }): Int32Array | undefined | Promise<Int32Array | undefined>;
  /** Class probabilities, nQueries x nClasses, float64. */
  predictProba(ctx: ModelContext<NeighborsParamsResolved, NeighborsModel> & { X: DataMatrix }): Matrix | undefined | Promise<Matrix | undefined>;
}
/** The KNeighborsRegressor hooks an engine implements. */
export interface KNeighborsRegressorHooks extends NeighborsLifecycle {
  /** Predicted target per query (float64). */
  predict(ctx: ModelContext<NeighborsParamsResolved, NeighborsModel> & { X: DataMatrix }): Float64Array | undefined | Promise<Float64Array | undefined>;
}

// ---- StandardScaler -------------------------------------------------------------------------------------------

/** StandardScaler parameters as engines see them. */
export interface StandardScalerParamsResolved {
  withMean: boolean;
  withStd: boolean;
}
/** `ctx.extra` of the StandardScaler fit lifecycle. */
export interface StandardScalerFitExtra {
  /**
   * One weight per sample (validated: finite, >= 0, at least one positive), or undefined when none were given.
   * With weights, `mean` and `var` are the weighted mean and weighted population variance (scikit-learn's), and
   * `nSamplesSeen` is the sum of the weights.
   */
  sampleWeight?: Float64Array;
}
/** Column statistics; core derives `scale` from `var`. */
export interface StandardScalerModel {
  /** Per-column mean, nFeatures values. */
  mean: Float64Array;
  /** Per-column population variance, nFeatures values. */
  var: Float64Array;
  /** Per-column standard deviation, 1 for constant columns (computed by core from `var`). */
  scale: Float64Array;
  /** Number of samples, or the sum of the sample weights when weights were given. */
  nSamplesSeen: number;
}
/** What a StandardScaler engine's `postFit` returns: the model without `scale`, or with it (see `postFit`). */
export type StandardScalerStats = Omit<StandardScalerModel, "scale"> & { scale?: Float64Array };
/** The StandardScaler hooks an engine implements. */
export interface StandardScalerHooks {
  accepts?(ctx: AcceptsContext<StandardScalerParamsResolved, StandardScalerModel>): true | string | Promise<true | string>;
  shouldRun?(ctx: AcceptsContext<StandardScalerParamsResolved, StandardScalerModel>): true | string | Promise<true | string>;
  prepareFit?(ctx: FitContext<StandardScalerParamsResolved, StandardScalerFitExtra>): unknown;
  fit(ctx: FitContext<StandardScalerParamsResolved, StandardScalerFitExtra>): unknown;
  /**
   * Returns population mean and variance per column and the sample count. Core derives `scale` from `var`; a
   * `scale` the engine returns is used only for columns whose `var` overflowed to Infinity while the standard
   * deviation is finite (values near float64's maximum).
   */
  postFit?(ctx: FitContext<StandardScalerParamsResolved, StandardScalerFitExtra>): StandardScalerStats | Promise<StandardScalerStats>;
  /** (X - mean) / scale, honouring withMean / withStd; X's dtype. */
  transform(ctx: ModelContext<StandardScalerParamsResolved, StandardScalerModel> & { X: DataMatrix }): DataMatrix | undefined | Promise<DataMatrix | undefined>;
  inverseTransform(ctx: ModelContext<StandardScalerParamsResolved, StandardScalerModel> & { X: DataMatrix }): DataMatrix | undefined | Promise<DataMatrix | undefined>;
}

// ---- Normalizer -----------------------------------------------------------------------------------------------

/** The norm {@link NormalizerHooks} divide each row by: sum of |x|, Euclidean, or largest |x|. */
export type NormalizerNorm = "l1" | "l2" | "max";
/** Normalizer parameters as engines see them. */
export interface NormalizerParamsResolved {
  norm: NormalizerNorm;
}
/** A fitted Normalizer has no statistics (scikit-learn's fit only checks X): the model is the empty object. */
export type NormalizerModel = Record<string, never>;
/** The Normalizer hooks an engine implements (engine API 1.3). */
export interface NormalizerHooks {
  accepts?(ctx: AcceptsContext<NormalizerParamsResolved, NormalizerModel>): true | string | Promise<true | string>;
  shouldRun?(ctx: AcceptsContext<NormalizerParamsResolved, NormalizerModel>): true | string | Promise<true | string>;
  prepareFit?(ctx: FitContext<NormalizerParamsResolved, Record<string, never>>): unknown;
  /** Selects the engine; returns the empty model `{}` (or state for `postFit`, which must then return `{}`). */
  fit(ctx: FitContext<NormalizerParamsResolved, Record<string, never>>): unknown;
  postFit?(ctx: FitContext<NormalizerParamsResolved, Record<string, never>>): NormalizerModel | Promise<NormalizerModel>;
  /**
   * Each row divided by its norm, in X's dtype, as scikit-learn's `normalize`: norms computed in X's dtype, and a
   * row whose norm is below 10 x the dtype's machine epsilon left unchanged. Where a norm overflows although the
   * quotients are representable (float64 values near the maximum), the quotients must still be right.
   */
  transform(ctx: ModelContext<NormalizerParamsResolved, NormalizerModel> & { X: DataMatrix }): DataMatrix | undefined | Promise<DataMatrix | undefined>;
}

// ---- Metrics --------------------------------------------------------------------------------------------------

/** Distances `silhouetteScore` and `silhouetteSamples` compute (scikit-learn's names and formulas). */
export type SilhouetteMetric = "euclidean" | "manhattan" | "cosine";
/** Parameters of the `clusterDistanceSums` hook. */
export interface ClusterDistanceSumsParams {
  metric: SilhouetteMetric;
}
/**
 * Context of `metrics.clusterDistanceSums`, the pairwise reduction behind the silhouette: for every row i of X
 * and every cluster c, the sum over the rows j labelled c of d(x_i, x_j) (row i itself included, at distance 0).
 * Compute it in chunks of rows, as scikit-learn's `pairwise_distances_chunked` does: never n x n distances at once.
 * `metric` is scikit-learn's: euclidean, manhattan (sum of |differences|), or cosine (1 - the dot product of the
 * rows normalised as `normalize` does, clipped to [0, 2], 0 from a row to itself).
 */
export interface ClusterDistanceSumsContext extends HookContext<ClusterDistanceSumsParams> {
  readonly X: DataMatrix;
  readonly nSamples: number;
  readonly nFeatures: number;
  readonly dtype: DType;
  /** Cluster of each row, in [0, nClusters); every cluster has at least one row. */
  readonly labels: Int32Array;
  readonly nClusters: number;
}
/** The hooks of core's metric functions an engine implements (`HOOK_SPECS.metrics`; all optional). */
export interface MetricsHooks {
  accepts?(ctx: ClusterDistanceSumsContext): true | string | Promise<true | string>;
  shouldRun?(ctx: ClusterDistanceSumsContext): true | string | Promise<true | string>;
  /** nSamples x nClusters sums of distances, row-major, as float64 (see {@link ClusterDistanceSumsContext}). */
  clusterDistanceSums?(ctx: ClusterDistanceSumsContext): Float64Array | Promise<Float64Array>;
}

// ---- Engine ---------------------------------------------------------------------------------------------------

/** The hook implementations an engine provides, per estimator. Every estimator is optional. */
export interface EngineEstimators {
  KMeans?: KMeansHooks;
  KNeighborsClassifier?: KNeighborsClassifierHooks;
  KNeighborsRegressor?: KNeighborsRegressorHooks;
  NearestNeighbors?: NearestNeighborsHooks;
  Normalizer?: NormalizerHooks;
  StandardScaler?: StandardScalerHooks;
  /** Hooks of core's metric functions (engine API 1.3). */
  metrics?: MetricsHooks;
}

// ---- Manifest -------------------------------------------------------------------------------------------------

/**
 * The parameters an {@link EstimatorManifest} may restrict, per estimator, with the values core allows for each.
 * KMeans `init` is the method its `init` hook is asked for (explicit centers reach no engine as an init).
 */
export interface ManifestParameters {
  KMeans: { init: "k-means++" | "random" };
  KNeighborsClassifier: { metric: NeighborsMetric; weights: NeighborsWeights };
  KNeighborsRegressor: { metric: NeighborsMetric; weights: NeighborsWeights };
  NearestNeighbors: { metric: NeighborsMetric };
  Normalizer: { norm: NormalizerNorm };
  StandardScaler: Record<never, never>;
  metrics: { metric: SilhouetteMetric };
}

/**
 * The largest sizes an engine runs, per estimator. A number is checked by core before `accepts` (a call above it
 * declines); a string describes a limit that depends on the machine (a device's memory, say), which the engine's
 * own `accepts` checks: the text says how it is computed and ends up in the support table.
 */
export interface ManifestLimits {
  /** KMeans `nClusters` (and the clusters of `metrics.clusterDistanceSums`). */
  nClusters?: number | string;
  /** The neighbour estimators' `nNeighbors`, as the user asked for it (per call or from the parameters). */
  nNeighbors?: number | string;
  /** Features per row. */
  nFeatures?: number | string;
  /** Rows of X (fit input, queries, or the rows of a metric). */
  nSamples?: number | string;
}

/** The precision an engine computes in and what it promises against scikit-learn's results. */
export interface ManifestPrecision {
  /** `"input"`: in the input's dtype; a dtype: always in that one (float64 input is converted, and traced). */
  computesIn: DType | "input";
  /**
   * Relative tolerance (floor 1 on the magnitude) of the results against the reference, per input dtype: what the
   * conformance kit checks this engine with (`runConformanceSuite`), so the promise is tested.
   */
  tolerance: Readonly<Partial<Record<DType, number>>>;
}

/**
 * What an engine declares it runs for one estimator (engine API 1.4). Core checks every gated call against it
 * before the engine's `accepts`, so an engine declines what it left out the same way as every other engine, with a
 * reason naming the parameter ("metric 'chebyshev' is not in its manifest"); `accepts` remains for what only the
 * engine can judge (a device, the data's range). The hooks are the ones its hook table implements.
 */
export interface EstimatorManifest<E extends EstimatorName = EstimatorName> {
  /** Input dtypes it runs; another dtype declines. */
  readonly dtypes: readonly DType[];
  /** Per parameter, the values it runs; a parameter left out runs every value core allows. */
  readonly params?: { readonly [K in keyof ManifestParameters[E]]?: readonly ManifestParameters[E][K][] };
  /** StandardScaler only: whether weighted fits run (default true); false declines a fit with `sampleWeight`. */
  readonly sampleWeight?: boolean;
  readonly limits?: Readonly<ManifestLimits>;
  readonly precision: Readonly<ManifestPrecision>;
  /** A short note for the support table, where the fields above do not say it all. */
  readonly note?: string;
}

/** An engine's manifest: one {@link EstimatorManifest} per estimator it implements (engine API 1.4). */
export type EngineManifest = { readonly [E in EstimatorName]?: EstimatorManifest<E> };

/** A computational engine: a plain object registered with `registerEngine`. */
export interface Engine {
  /** Short name users activate it by, e.g. `"cpu"`; the package is `@plugml/engine-<name>`. */
  readonly name: string;
  readonly version: string;
  /** Semver range of {@link ENGINE_API_VERSION} this engine was written against, e.g. `"^1.0.0"`. */
  readonly coreApi: string;
  readonly estimators: EngineEstimators;
  /**
   * What it supports, per estimator it implements (engine API 1.4): checked by core before `accepts` and rendered
   * in the support tables (`listEngineSupport`). Optional for engines written against an earlier 1.x; without
   * one, every call reaches `accepts`, and the tables say "not declared".
   */
  readonly manifest?: EngineManifest;
  /** Releases devices, workers and caches. Called by `unregisterEngine`. */
  dispose?(): void | Promise<void>;
}
