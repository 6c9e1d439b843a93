/**
 * What engine-dask declares it supports (engine API 1.4's manifest): StandardScaler, KMeans and the neighbour
 * estimators, every parameter value, float32 and float64; distances and sums in float64 on the workers, results in
 * the input's dtype.
 */
import type { EngineManifest, EstimatorManifest } from "@plugml/core";

const PRECISION = { computesIn: "input", tolerance: { float32: 1e-4, float64: 1e-9 } } as const;
const base: EstimatorManifest = { dtypes: ["float32", "float64"], precision: PRECISION };
const neighbors: EstimatorManifest = { ...base, note: "training partitions stay on the workers; each query batch is broadcast and every partition's top-k merged" };

/** engine-dask's manifest. */
export const daskManifest: EngineManifest = {
  KMeans: { ...base, note: "Lloyd with only centers and per-partition sums crossing the network per iteration; k-means++ from core's draws" },
  KNeighborsClassifier: neighbors,
  KNeighborsRegressor: neighbors,
  NearestNeighbors: neighbors,
  StandardScaler: { ...base, note: "partition moments combined as a parallel variance" },
};
