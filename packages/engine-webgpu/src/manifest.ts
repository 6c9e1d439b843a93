/**
 * What engine-webgpu declares it supports (engine API 1.4's manifest): every parameter value, float32 and float64
 * input, computed in float32 on the device (float64 input is converted, and the conversion traced), with the
 * limits of its kernels. What depends on the device (features per workgroup tile, bytes per binding) is described
 * here and checked by the engine's `accepts`, which knows the adapter.
 */
import type { EngineManifest, EstimatorManifest } from "@plugml/core";
import { MAX_NEIGHBORS } from "./options.js";

/** float32 accuracy whatever the input: what the conformance kit checks this engine with. */
const PRECISION = { computesIn: "float32", tolerance: { float32: 1e-4, float64: 1e-4 } } as const;
const BOTH = ["float32", "float64"] as const;
const TILE = "a row must fit half the device's workgroup memory: maxComputeWorkgroupStorageSize / 8 floats (2,048 on every WebGPU device, 4,096 on most)";
const base: EstimatorManifest = { dtypes: BOTH, precision: PRECISION };
const neighbors: EstimatorManifest = {
  ...base,
  limits: { nNeighbors: MAX_NEIGHBORS, nFeatures: TILE },
  note: "radiusNeighbors re-checks candidates near the radius with engine-cpu's float64 distances",
};

/** engine-webgpu's manifest, for every estimator it implements. */
export const webgpuManifest: EngineManifest = {
  KMeans: {
    ...base,
    limits: { nFeatures: TILE },
    note: "k-means++ on the device agrees with core's draws except at float32 ties; inputs with fewer than minElements elements are passed on",
  },
  KNeighborsClassifier: neighbors,
  KNeighborsRegressor: neighbors,
  NearestNeighbors: neighbors,
  Normalizer: base,
  StandardScaler: { ...base, sampleWeight: false },
  metrics: { ...base, limits: { nSamples: "X (and its n x clusters sums) must fit one storage binding: every row meets all of X" } },
};
