/** Shape of the scikit-learn reference results shipped with the conformance kit. */

/** A KMeans reference case: explicit init, so every engine must reproduce scikit-learn exactly (to tolerance). */
export interface KMeansCase {
  name: string;
  estimator: "KMeans";
  params: { nClusters: number; maxIter: number; tol: number };
  X: number[][];
  init: number[][];
  /** null: unweighted. */
  sampleWeight: number[] | null;
  /** Other data to score, so that a score ignoring X is caught (with `expected.scoreOnScoreX`). */
  scoreX?: number[][];
  expected: {
    clusterCenters: number[][];
    labels: number[];
    inertia: number;
    nIter: number;
    predictOnX: number[];
    transformFirst5: number[][];
    scoreOnScoreX?: number;
  };
}

/**
 * Several initialisations (`nInit` runs): scikit-learn runs each and keeps the one with the lowest inertia, the
 * earlier one on ties. The kit hands `initSets` to the engine as the runs' initial centers.
 */
export interface KMeansNInitCase {
  name: string;
  estimator: "KMeans";
  kind: "nInit";
  params: { nClusters: number; maxIter: number; tol: number };
  X: number[][];
  initSets: number[][][];
  /** Index of the run scikit-learn kept, and every run's inertia. */
  best: number;
  runInertia: number[];
  expected: { clusterCenters: number[][]; labels: number[]; inertia: number; nIter: number };
}

/** A StandardScaler reference case. */
export interface ScalerCase {
  name: string;
  estimator: "StandardScaler";
  X: number[][];
  expected: { mean: number[]; var: number[]; scale: number[]; transform: number[][] };
}

/** A KNeighborsClassifier reference case. */
export interface ClassifierCase {
  name: string;
  estimator: "KNeighborsClassifier";
  params: { nNeighbors: number; weights: "uniform" | "distance"; metric: "minkowski" | "euclidean" | "manhattan" | "chebyshev" | "cosine"; p: number };
  Xtrain: number[][];
  ytrain: number[];
  Xtest: number[][];
  expected: { predict: number[]; predictProba: number[][]; classes: number[] };
}

/** A NearestNeighbors reference case. */
export interface NeighborsCase {
  name: string;
  estimator: "NearestNeighbors";
  params: { nNeighbors: number; metric: "minkowski" | "euclidean" | "manhattan" | "chebyshev" | "cosine"; p: number };
  Xtrain: number[][];
  Xquery: number[][];
  expected: { distances: number[][]; indices: number[][] };
  /** `kneighbors(Xquery, { nNeighbors })` with a k other than the fitted one. */
  perCall?: { nNeighbors: number; distances: number[][]; indices: number[][] };
}

/**
 * A radius-neighbours reference case (`kind: "radius"`): `radius_neighbors(Xquery, sort_results=True)` and the
 * graphs. Radii keep every distance at least 1e-5 (1e-6 for cosine) away from the radius except exact ties, so the
 * neighbour sets are the same in float32.
 */
export interface RadiusNeighborsCase {
  name: string;
  estimator: "NearestNeighbors";
  kind: "radius";
  params: { radius: number; metric: "minkowski" | "euclidean" | "manhattan" | "chebyshev" | "cosine"; p: number };
  Xtrain: number[][];
  Xquery: number[][];
  expected: {
    /** Per query, nearest first (ties by index). */
    distances: number[][];
    indices: number[][];
    /** Entries of `radius_neighbors_graph(Xquery)`. */
    graphNnz: number;
    /** `radius_neighbors()` without X, each query's indices ascending. */
    selfIndices?: number[][];
    /** `kneighbors_graph(None, nNeighbors, mode="distance")` as a dense matrix. */
    kneighborsGraph?: { nNeighbors: number; dense: number[][] };
    /** `kneighbors(Xquery, nNeighbors)` with the case's metric. */
    kneighbors?: { nNeighbors: number; distances: number[][]; indices: number[][] };
  };
}

/** A KNeighborsRegressor reference case. */
export interface RegressorCase {
  name: string;
  estimator: "KNeighborsRegressor";
  params: { nNeighbors: number; weights: "uniform" | "distance" };
  Xtrain: number[][];
  ytrain: number[];
  Xtest: number[][];
  expected: { predict: number[] };
}

/** A Normalizer reference case: `fit(X).transform(X)` with one norm. */
export interface NormalizerCase {
  name: string;
  estimator: "Normalizer";
  params: { norm: "l1" | "l2" | "max" };
  X: number[][];
  expected: { transform: number[][] };
}

/** A silhouette reference case: `silhouette_samples` and `silhouette_score`, through `metrics.clusterDistanceSums`. */
export interface SilhouetteCase {
  name: string;
  estimator: "metrics";
  function: "silhouette";
  metric: "euclidean" | "manhattan" | "cosine";
  X: number[][];
  labels: number[];
  expected: { samples: number[]; score: number };
}

/** Any reference case; `estimator` tells which. */
export type ReferenceCase =
  | KMeansCase
  | KMeansNInitCase
  | ScalerCase
  | ClassifierCase
  | NeighborsCase
  | RadiusNeighborsCase
  | RegressorCase
  | NormalizerCase
  | SilhouetteCase;

/** The shipped reference results: how they were generated, and the cases. */
export interface ReferenceData {
  meta: { generator: string; note: string };
  cases: ReferenceCase[];
}
