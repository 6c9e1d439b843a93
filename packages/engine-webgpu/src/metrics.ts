/**
 * The metric hooks of the WebGPU engine: `clusterDistanceSums` for the silhouette (euclidean, manhattan, cosine on
 * rows normalised by Normalizer's kernel), in float32 on the device; only the n x nClusters sums are read back.
 */
import type { MetricsHooks } from "@plugml/core";
import { requireDevice } from "./device.js";
import { encodeClusterSums } from "./kernels/cluster-sums.js";
import { encodeRowNormalize } from "./kernels/row-norms.js";
import { Paced } from "./kernels/pacing.js";
import { gate, worthRunning, type EngineSettings } from "./options.js";
import { clusterSumsRange, largest, normalizerRange, requireFinite } from "./range.js";
import { EPS } from "./normalizer.js";
import { allocateMatrix, deviceInput, uploadArray } from "./resident.js";

/** The metric hooks for one engine configuration. */
export function metricsHooks(settings: EngineSettings): MetricsHooks {
  return {
    accepts: (ctx) =>
      gate(ctx, (gpu) => {
        // Every row meets every other, so X is bound whole, and so are the sums.
        const limit = Math.min(settings.maxBindingBytes, gpu.limits.maxStorageBufferBindingSize);
        const bytes = Math.max(ctx.X.rows * ctx.X.cols, ctx.X.rows * ctx.nClusters) * 4;
        return bytes <= limit ? true : `X (or its sums) of ${bytes} bytes exceeds one storage binding (${limit} bytes), and every row is compared with all of X`;
      }),
    shouldRun: (ctx) => worthRunning(settings, ctx),

    async clusterDistanceSums(ctx) {
      const gpu = await requireDevice();
      const { metric } = ctx.params;
      const { nClusters: k, labels } = ctx;
      const n = ctx.X.rows;
      const check = (X: { cols: number; maxAbs: Float64Array }) =>
        metric === "cosine" ? normalizerRange("l2", X.cols, largest(X.maxAbs)) : clusterSumsRange(metric, X.cols, n, largest(X.maxAbs));
      const input = await deviceInput(gpu, ctx, ctx.X, check);
      // Rows by cluster (a counting sort): cluster c's rows are order[offsets[c] .. offsets[c + 1]).
      const offsets = new Uint32Array(k + 1);
      for (let i = 0; i < n; i++) offsets[labels[i] + 1]++;
      for (let c = 0; c < k; c++) offsets[c + 1] += offsets[c];
      const order = new Uint32Array(n);
      const next = offsets.slice(0, k);
      for (let i = 0; i < n; i++) order[next[labels[i]]++] = i;
      const orderBuffer = uploadArray(gpu, order, ctx.record, "row order");
      const offsetsBuffer = uploadArray(gpu, offsets, ctx.record, "cluster offsets");
      const sums = allocateMatrix(gpu, n, k, new Float64Array(k));
      // Cosine compares the rows normalised as scikit-learn's cosine_distances does (rows of norm < 10 eps stay).
      const unit = metric === "cosine" ? allocateMatrix(gpu, n, input.matrix.cols, new Float64Array(input.matrix.cols).fill(1)) : undefined;
      try {
        const paced = new Paced(gpu, "distances", ctx.signal);
        if (unit) await encodeRowNormalize(gpu, paced, input.matrix, unit, "l2", 10 * EPS[ctx.X.dtype], settings.maxBindingBytes);
        await encodeClusterSums(gpu, paced, unit ?? input.matrix, { order: orderBuffer, offsets: offsetsBuffer, sums: sums.buffer }, k, metric);
        const [values] = await paced.finish([{ buffer: sums.buffer, offset: 0, bytes: n * k * 4 }]);
        ctx.record.bytesFromDevice(n * k * 4);
        const result = Float64Array.from(new Float32Array(values, 0, n * k));
        requireFinite(result, "the cluster distance sums");
        return result;
      } finally {
        sums.dispose();
        unit?.dispose();
        gpu.pool.release(orderBuffer);
        gpu.pool.release(offsetsBuffer);
        input.release();
      }
    },
  };
}
