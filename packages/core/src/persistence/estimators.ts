/** Loading a saved estimator of any kind: the dispatch on `kind` shared by `loadModel` and `Pipeline.fromJSON`. */
import type { EstimatorName } from "../engine/specs.js";
import { KMeans } from "../estimators/kmeans.js";
import { KNeighborsClassifier } from "../estimators/kneighbors-classifier.js";
import { KNeighborsRegressor } from "../estimators/kneighbors-regressor.js";
import { NearestNeighbors } from "../estimators/nearest-neighbors.js";
import { Normalizer } from "../estimators/normalizer.js";
import { StandardScaler } from "../estimators/standard-scaler.js";
import { readKind } from "./format.js";
import type { JsonReader } from "./reader.js";

/** Any estimator `loadModel` can return. */
export type LoadedEstimator = KMeans | KNeighborsClassifier | KNeighborsRegressor | NearestNeighbors | Normalizer | StandardScaler;

const LOADERS = {
  KMeans: (r) => KMeans.fromJSON(r),
  KNeighborsClassifier: (r) => KNeighborsClassifier.fromJSON(r),
  KNeighborsRegressor: (r) => KNeighborsRegressor.fromJSON(r),
  NearestNeighbors: (r) => NearestNeighbors.fromJSON(r),
  Normalizer: (r) => Normalizer.fromJSON(r),
  StandardScaler: (r) => StandardScaler.fromJSON(r),
} satisfies Record<Exclude<EstimatorName, "metrics">, (r: JsonReader) => LoadedEstimator>;

/** The kinds of saved estimators. */
export const ESTIMATOR_KINDS = Object.keys(LOADERS) as (keyof typeof LOADERS)[];

/** The estimator `r` holds, whatever its kind (messages carry `r`'s place in the larger input). */
export function loadEstimator(r: JsonReader): LoadedEstimator {
  return LOADERS[readKind(r, ESTIMATOR_KINDS)](r);
}
