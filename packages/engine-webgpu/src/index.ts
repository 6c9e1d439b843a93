/**
 * @plugml/engine-webgpu: every plugml estimator on WebGPU compute shaders, with data kept on the device between
 * the steps of a Pipeline.
 *
 * Importing the package does not register it: core imports it by name the first time `"webgpu"` is needed, or
 * call `registerEngine(webgpuEngine)` (or an engine from {@link createWebGPUEngine}) yourself.
 *
 * @packageDocumentation
 */
// The GPU* types in this package's declarations come from @webgpu/types (a dependency): `preserve` keeps this
// reference in the emitted index.d.ts, so consumers resolve them without listing the package in `types`.
/// <reference types="@webgpu/types" preserve="true" />
import type { Engine, TraceRecorder } from "@plugml/core";
import { disposeDevice } from "./device.js";
import { kmeansHooks } from "./kmeans.js";
import { webgpuManifest } from "./manifest.js";
import { kNeighborsClassifierHooks, kNeighborsRegressorHooks, nearestNeighborsHooks } from "./neighbors.js";
import { metricsHooks } from "./metrics.js";
import { normalizerHooks } from "./normalizer.js";
import { resolveOptions, type WebGPUEngineOptions } from "./options.js";
import { ENGINE_NAME } from "./resident.js";
import { standardScalerHooks } from "./standard-scaler.js";

/**
 * Creates a WebGPU engine with its own thresholds. Every engine object shares the process's one device; register
 * at most one of them at a time (they all carry the name `"webgpu"`).
 *
 * @example
 * ```ts
 * const eager = createWebGPUEngine({ minElements: 0 }); // run even the smallest inputs on the device
 * ```
 */
export function createWebGPUEngine(options: WebGPUEngineOptions = {}): Engine {
  const settings = resolveOptions(options);
  return {
    name: ENGINE_NAME,
    version: "0.1.0",
    coreApi: "^1.4.0",
    manifest: webgpuManifest,
    estimators: {
      KMeans: reportingThreads(kmeansHooks(settings)),
      KNeighborsClassifier: reportingThreads(kNeighborsClassifierHooks(settings)),
      KNeighborsRegressor: reportingThreads(kNeighborsRegressorHooks(settings)),
      NearestNeighbors: reportingThreads(nearestNeighborsHooks(settings)),
      Normalizer: reportingThreads(normalizerHooks(settings)),
      StandardScaler: reportingThreads(standardScalerHooks(settings)),
      metrics: reportingThreads(metricsHooks(settings)),
    },
    dispose: disposeDevice,
  };
}

/** What every compute hook of this engine reports as its threads (engine API 1.2's `record.threads`). */
const HOST_THREAD = "the calling thread drives the device, which computes in its own compute shaders";

/** `hooks` with every compute hook (not the gates) reporting {@link HOST_THREAD} before it runs. */
function reportingThreads<H extends object>(hooks: H): H {
  const out: Record<string, unknown> = { ...(hooks as Record<string, unknown>) };
  for (const [name, fn] of Object.entries(hooks)) {
    if (typeof fn !== "function" || name === "accepts" || name === "shouldRun") continue;
    out[name] = (ctx: { record: TraceRecorder }) => {
      ctx.record.threads(1, HOST_THREAD);
      return (fn as (ctx: unknown) => unknown).call(hooks, ctx);
    };
  }
  return out as H;
}

/** The WebGPU engine with default options (what core loads for `"webgpu"`). */
export const webgpuEngine: Engine = createWebGPUEngine();

export { webgpuEngine as engine };
export default webgpuEngine;
export { DEFAULT_MIN_ELEMENTS, MAX_NEIGHBORS, type WebGPUEngineOptions } from "./options.js";
export { WebGPUMatrix } from "./resident.js";
export { webgpuAvailable } from "./device.js";
