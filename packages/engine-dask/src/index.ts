/**
 * @plugml/engine-dask: plugml's estimators on a Dask cluster, for data that outgrows one machine. The engine talks
 * to the cluster through dask.distributed's own Client, in a Python bridge process it starts, reuses and stops;
 * the data lives on the workers as {@link DaskMatrix} partitions.
 *
 * Importing the package does not register it: core imports it by name the first time `"dask"` is needed (the
 * default engine reads the scheduler from `PLUGML_DASK_SCHEDULER`), or call `registerEngine(createDaskEngine({
 * scheduler }))` yourself.
 *
 * @packageDocumentation
 */
import type { Engine } from "@plugml/core";
import { stopBridges } from "./bridge.js";
import { Cluster } from "./cluster.js";
import { kmeansHooks } from "./kmeans.js";
import { daskManifest } from "./manifest.js";
import { kNeighborsClassifierHooks, kNeighborsRegressorHooks, nearestNeighborsHooks } from "./neighbors.js";
import { ENGINE_NAME, type DaskOptions } from "./options.js";
import { standardScalerHooks } from "./standard-scaler.js";

/**
 * Creates a Dask engine for a scheduler. Without a reachable scheduler every call declines, with the reason, so
 * the next engine runs it; nothing waits longer than `connectTimeout`.
 *
 * @example
 * ```ts
 * registerEngine(createDaskEngine({ scheduler: "tcp://10.0.0.5:8786" }));
 * ```
 */
export function createDaskEngine(options: DaskOptions = {}): Engine {
  const cluster = new Cluster(options);
  return {
    name: ENGINE_NAME,
    version: "0.1.0",
    coreApi: "^1.4.0",
    manifest: daskManifest,
    estimators: {
      KMeans: kmeansHooks(cluster),
      KNeighborsClassifier: kNeighborsClassifierHooks(cluster),
      KNeighborsRegressor: kNeighborsRegressorHooks(cluster),
      NearestNeighbors: nearestNeighborsHooks(cluster),
      StandardScaler: standardScalerHooks(cluster),
    },
    describe: () => cluster.describe(),
    dispose: () => stopBridges(),
  };
}

/** The Dask engine for the scheduler in `PLUGML_DASK_SCHEDULER` (what core loads for `"dask"`). */
export const daskEngine: Engine = createDaskEngine();

export { daskEngine as engine };
export default daskEngine;
export { DaskMatrix, type ReadCsvOptions } from "./matrix.js";
export { BridgeError } from "./bridge.js";
export { type DaskOptions } from "./options.js";
