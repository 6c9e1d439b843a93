/** The CPU engine factory: one engine object per configuration of the fast path. */
import type { Engine } from "@plugml/core";
import { KernelRuntime, type FastPath } from "./fast/runtime.js";
import { kmeansHooks } from "./kmeans.js";
import { cpuManifest } from "./manifest.js";
import { neighborsHooks } from "./neighbors.js";
import { metricsHooks } from "./metrics.js";
import { normalizerHooks } from "./normalizer.js";
import { standardScalerHooks } from "./standard-scaler.js";

/** Options of {@link createCpuEngine}. */
export interface CpuEngineOptions {
  /** Name users activate the engine by (default `"cpu"`). */
  name?: string;
  /**
   * Use the WebAssembly SIMD kernels (default true). Without them, or where WebAssembly SIMD is unavailable, every
   * hook runs on the pure-TypeScript kernels.
   */
  wasm?: boolean;
  /**
   * Worker threads for the WebAssembly kernels (default `"auto"`: one per core). 0 runs them on the calling thread,
   * as does any value where shared memory is unavailable (a browser page that is not cross-origin isolated).
   */
  threads?: number | "auto";
  /**
   * Bytes the chunk buffers of one call may take (default 64 MiB), as scikit-learn's `working_memory`: queries
   * are processed in batches that fit, so memory does not grow with queries x training rows.
   */
  workingMemory?: number;
  /** Milliseconds without calls after which workers and kernel memory are released (default 1000). */
  idleMs?: number;
  /**
   * Multiply-adds (rows x centers or queries x training rows, times features) below which a call stays on the
   * pure-TypeScript kernels, which beat copying into kernel memory on tiny inputs (default 65,536; 0 sends every
   * call down the fast path, as the tests do).
   */
  fastPathMinWork?: number;
}

/** Default of {@link CpuEngineOptions.workingMemory}. */
export const DEFAULT_WORKING_MEMORY = 64 * 1024 * 1024;

/**
 * Creates a CPU engine. The default one (`cpuEngine`) runs WebAssembly SIMD kernels on a worker pool; e.g.
 * `createCpuEngine({ name: "cpu-portable", wasm: false })` gives the pure-TypeScript path under another name.
 */
export function createCpuEngine(options: CpuEngineOptions = {}): Engine {
  const runtime = options.wasm === false ? undefined : KernelRuntime.create({ threads: options.threads ?? "auto", idleMs: options.idleMs ?? 1000 });
  const fast: FastPath = {
    runtime,
    noRuntimeReason: options.wasm === false ? "the engine was created with wasm: false" : "WebAssembly SIMD is unavailable here",
    minWork: options.fastPathMinWork ?? 65536,
    workingMemory: options.workingMemory ?? DEFAULT_WORKING_MEMORY,
  };
  return {
    name: options.name ?? "cpu",
    version: "0.1.0",
    coreApi: "^1.4.0",
    manifest: cpuManifest,
    estimators: {
      KMeans: kmeansHooks(fast),
      ...neighborsHooks(fast),
      Normalizer: normalizerHooks,
      StandardScaler: standardScalerHooks,
      metrics: metricsHooks(fast),
    },
    dispose: () => fast.runtime?.dispose(),
  };
}
