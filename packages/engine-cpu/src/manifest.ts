/**
 * What engine-cpu declares it supports (engine API 1.4's manifest): every parameter value in both dtypes, computed
 * in the input's dtype, with no size limit of its own (memory is bounded by `workingMemory`).
 */
import type { EngineManifest, EstimatorManifest } from "@plugml/core";

/** float64 input to 1e-9 relative, float32 to 1e-4: what the conformance kit checks this engine with. */
const PRECISION = { computesIn: "input", tolerance: { float32: 1e-4, float64: 1e-9 } } as const;
const BOTH = ["float32", "float64"] as const;
const everything: EstimatorManifest = { dtypes: BOTH, precision: PRECISION };

/** engine-cpu's manifest, for every estimator it implements. */
export const cpuManifest: EngineManifest = {
  KMeans: { ...everything, note: "Lloyd and k-means++ on the SIMD kernels and workers; float64 sums" },
  KNeighborsClassifier: { ...everything, note: "minkowski with p other than 1, 2 and infinity runs on the TypeScript kernels, on one thread" },
  KNeighborsRegressor: { ...everything, note: "minkowski with p other than 1, 2 and infinity runs on the TypeScript kernels, on one thread" },
  NearestNeighbors: { ...everything, note: "minkowski with p other than 1, 2 and infinity runs on the TypeScript kernels, on one thread" },
  Normalizer: { ...everything, note: "TypeScript kernels, on the calling thread" },
  StandardScaler: { ...everything, sampleWeight: true },
  metrics: { ...everything, note: "clusterDistanceSums (silhouette) in float64 on the SIMD kernels" },
};
