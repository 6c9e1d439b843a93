/** Numerical kernels of the CPU engine: pure functions on host matrices, matching scikit-learn 1.2.1. */
export {
  chebyshev,
  cosine,
  cosineNormalized,
  euclidean,
  manhattan,
  minkowski,
  minkowskiReduced,
  normalizedRows,
  reducedDistance,
  reducedToDistance,
  resolveMetric,
  rowDistance,
  squaredEuclidean,
  type Metric,
  type MetricSpec,
  type ReducedDistance,
} from "./metrics.js";
export { nearestCenters } from "./argmin.js";
export {
  assignAndSum,
  inertia,
  lloyd,
  lloydIteration,
  lloydSteps,
  updateCenters,
  type ClusterSums,
  type LloydArgs,
  type LloydIterationInfo,
  type LloydResult,
  type LloydRun,
} from "./lloyd.js";
export { columnMeanVar, meanFeatureVariance, type ColumnStats } from "./stats.js";
export { kNearest, type KNearestOptions, type KNearestResult } from "./neighbors.js";
export { argmaxRows, classVotes, regressionMean, type NeighborWeights } from "./vote.js";
