// Contexts for calling the CPU engine's hooks directly, as core would, on host data.
import { AbortError, Matrix, type Engine, type KMeansHooks, type KNeighborsClassifierHooks, type StandardScalerHooks } from "@plugml/core";
import { createCpuEngine } from "../src/engine.js";

const record = { bytesToDevice: () => undefined, bytesFromDevice: () => undefined, conversion: () => undefined, threads: () => undefined };
const base = { record, toHost: async (m: Matrix) => m };

/** The engine's three paths: the fast path on workers and on the calling thread, and the pure-TypeScript kernels. */
export function cpuPaths(): Record<"workers" | "inline" | "portable", Engine> {
  return {
    workers: createCpuEngine({ name: "cpu-workers", threads: 2, fastPathMinWork: 0, idleMs: 200 }),
    inline: createCpuEngine({ name: "cpu-inline", threads: 0, fastPathMinWork: 0, idleMs: 200 }),
    portable: createCpuEngine({ name: "cpu-portable", wasm: false }),
  };
}

export const kmeansOf = (engine: Engine) => engine.estimators.KMeans as KMeansHooks;
export const classifierOf = (engine: Engine) => engine.estimators.KNeighborsClassifier as KNeighborsClassifierHooks;
export const scalerOf = (engine: Engine) => engine.estimators.StandardScaler as StandardScalerHooks;

/** A KMeans fit context: one run per initial set of centers. */
export function kmeansFitCtx(X: Matrix, inits: Matrix[], options: { sampleWeight?: Float64Array; maxIter?: number; tol?: number; signal?: AbortSignal } = {}) {
  // As core's: an aborted signal throws its AbortError from the iteration report.
  const iterations = {
    reportIteration: () => {
      if (options.signal?.aborted) throw new AbortError("The operation was aborted.", { cause: options.signal.reason });
      return "continue" as const;
    },
  };
  return {
    ...base,
    estimator: "KMeans",
    hook: "fit",
    params: { nClusters: inits[0].rows, maxIter: options.maxIter ?? 100, tol: options.tol ?? 0 },
    signal: options.signal,
    X,
    nSamples: X.rows,
    nFeatures: X.cols,
    dtype: X.dtype,
    extra: { sampleWeight: options.sampleWeight ?? new Float64Array(X.rows).fill(1), initialCenters: inits, iterations },
  } as unknown as Parameters<KMeansHooks["fit"]>[0];
}

/** A context for KMeans predict, transform or score against `centers`. */
export function kmeansModelCtx(X: Matrix, centers: Matrix, options: { sampleWeight?: Float64Array; signal?: AbortSignal } = {}) {
  return {
    ...base,
    estimator: "KMeans",
    params: { nClusters: centers.rows, maxIter: 300, tol: 1e-4 },
    signal: options.signal,
    output: "host",
    model: { clusterCenters: centers, labels: new Int32Array(0), inertia: 0, nIter: 0 },
    X,
    sampleWeight: options.sampleWeight ?? new Float64Array(X.rows).fill(1),
  } as unknown as Parameters<KMeansHooks["score"]>[0];
}

/** A StandardScaler fit context. */
export function scalerFitCtx(X: Matrix, options: { sampleWeight?: Float64Array; signal?: AbortSignal } = {}) {
  return {
    ...base,
    estimator: "StandardScaler",
    hook: "fit",
    params: { withMean: true, withStd: true },
    signal: options.signal,
    X,
    nSamples: X.rows,
    nFeatures: X.cols,
    dtype: X.dtype,
    extra: { sampleWeight: options.sampleWeight },
  } as unknown as Parameters<StandardScalerHooks["fit"]>[0];
}

/** A StandardScaler transform context for a model of the given statistics. */
export function scalerModelCtx(X: Matrix, mean: Float64Array, scale: Float64Array, signal?: AbortSignal) {
  return {
    ...base,
    estimator: "StandardScaler",
    params: { withMean: true, withStd: true },
    signal,
    output: "host",
    model: { mean, var: scale.map((s) => s * s), scale, nSamplesSeen: X.rows },
    X,
  } as unknown as Parameters<StandardScalerHooks["transform"]>[0];
}

/** A KNeighborsClassifier context (kneighbors, predict, predictProba) for queries `X` (undefined: the training rows). */
export function knnCtx(train: Matrix, y: Int32Array, nClasses: number, X: Matrix | undefined, options: { k?: number; metric?: string; signal?: AbortSignal } = {}) {
  return {
    ...base,
    estimator: "KNeighborsClassifier",
    params: { nNeighbors: options.k ?? 5, metric: options.metric ?? "euclidean", p: 2, weights: "uniform" },
    signal: options.signal,
    output: "host",
    model: { fitX: train, y, nClasses },
    X,
  } as unknown as Parameters<KNeighborsClassifierHooks["predict"]>[0] & Parameters<KNeighborsClassifierHooks["kneighbors"]>[0];
}
