/**
 * KMeans hooks of the WebGPU engine: Lloyd's loop on the device, one run per initialisation, reading back per
 * iteration only the status the convergence test and `onIteration` need, and the winning run's result at the end.
 */
import { Matrix, type DataMatrix, type KMeansHooks, type KMeansModel, type TraceRecorder } from "@plugml/core";
import { requireDevice, type Gpu } from "./device.js";
import { encodeCenterDistances } from "./kernels/center-distances.js";
import { columnMeanVar } from "./kernels/columns.js";
import { lloyd, LloydKernels, nearestInertia, nearestLabels, type FixedCenters, type LloydInput, type LloydRun } from "./kernels/lloyd.js";
import { Paced } from "./kernels/pacing.js";
import { featuresFit, gate, worthRunning, type EngineSettings } from "./options.js";
import { columnMaxAbs, kmeansRange, largest, requireFinite, weightRange } from "./range.js";
import { deliver, deviceInput, hostMatrix, toFloat32, uploadArray, type WebGPUMatrix } from "./resident.js";

/** The KMeans hooks for one engine configuration. */
export function kmeansHooks(settings: EngineSettings): KMeansHooks {
  /**
   * Runs `body` with X and the model's centers on the device, freeing what this call uploaded. X, the centers and
   * the weights are checked against the device's range first (see range.ts), declining before any upload.
   */
  async function withCenters<T>(
    ctx: { X: DataMatrix; model: Readonly<KMeansModel>; record: TraceRecorder; toHost(X: DataMatrix): Promise<Matrix>; signal?: AbortSignal },
    sampleWeight: Float64Array | undefined,
    body: (gpu: Gpu, a: FixedCenters, maxAbs: number) => Promise<T>,
  ): Promise<T> {
    const gpu = await requireDevice();
    const C = ctx.model.clusterCenters;
    const centerMax = columnMaxAbs(C.data, C.rows, C.cols);
    const weights = sampleWeight && weightRange(sampleWeight);
    const input = await deviceInput(gpu, ctx, ctx.X, (X) => kmeansRange(largest(X.maxAbs, centerMax), X.rows, X.cols, weights, false));
    const centers = uploadArray(gpu, toFloat32(C.data, "clusterCenters", ctx.record), ctx.record, "clusterCenters");
    const weightBuffer = weights && uploadArray(gpu, toFloat32(sampleWeight!, "sampleWeight", ctx.record), ctx.record, "sampleWeight");
    try {
      const a: FixedCenters = { X: input.matrix, centers, k: C.rows, weights: weightBuffer, maxBindingBytes: settings.maxBindingBytes, record: ctx.record, signal: ctx.signal };
      return await body(gpu, a, largest(input.matrix.maxAbs, centerMax));
    } finally {
      gpu.pool.release(centers);
      if (weightBuffer) gpu.pool.release(weightBuffer);
      input.release();
    }
  }

  return {
    accepts: (ctx) => gate(ctx, featuresFit),
    shouldRun: (ctx) => worthRunning(settings, ctx),

    async fit(ctx): Promise<KMeansModel> {
      const gpu = await requireDevice();
      const { sampleWeight, initialCenters, iterations } = ctx.extra;
      const initMax = largest(...initialCenters.map((C) => columnMaxAbs(C.data, C.rows, C.cols)));
      const weightsRange = weightRange(sampleWeight);
      const input = await deviceInput(gpu, ctx, ctx.X, (X) => kmeansRange(largest(X.maxAbs, [initMax]), X.rows, X.cols, weightsRange, ctx.params.tol > 0));
      const weights = weightsRange && uploadArray(gpu, toFloat32(sampleWeight, "sampleWeight", ctx.record), ctx.record, "sampleWeight");
      let best: LloydRun | undefined;
      try {
        const X = input.matrix;
        const tolAbs = ctx.params.tol > 0 ? ctx.params.tol * (await meanFeatureVariance(gpu, X, settings.maxBindingBytes, ctx.record, ctx.signal)) : 0;
        const k = ctx.params.nClusters;
        // Compiled and planned once for every initialisation: they share X and k.
        const kernels = await LloydKernels.create(gpu, X.rows, X.cols, k, settings.maxBindingBytes);
        const run: LloydInput = {
          X,
          weights,
          sampleWeight,
          maxIter: ctx.params.maxIter,
          tolAbs,
          record: ctx.record,
          report: (info) => iterations.reportIteration(info),
          signal: ctx.signal,
        };
        for (const init of initialCenters) {
          const result = await lloyd(gpu, kernels, run, toFloat32(init.data, "initial centers", ctx.record));
          // Strictly lower, as scikit-learn: on ties the earlier initialisation is kept.
          if (!best || result.inertia < best.inertia) {
            best?.release();
            best = result;
          } else {
            result.release();
          }
        }
        const [centers, labels] = await new Paced(gpu, "lloyd", ctx.signal).finish([
          { buffer: best!.centers, offset: 0, bytes: k * X.cols * 4 },
          { buffer: best!.labels, offset: 0, bytes: X.rows * 4 },
        ]);
        ctx.record.bytesFromDevice(centers.byteLength + labels.byteLength);
        const centers32 = new Float32Array(centers);
        requireFinite(centers32, "the cluster centers");
        return {
          clusterCenters: hostMatrix(centers32, k, X.cols, ctx.dtype, ctx.record),
          labels: new Int32Array(labels),
          inertia: best!.inertia,
          nIter: best!.nIter,
        };
      } finally {
        best?.release();
        if (weights) gpu.pool.release(weights);
        input.release();
      }
    },

    predict: (ctx) => withCenters(ctx, undefined, nearestLabels),

    async score(ctx) {
      const inertia = await withCenters(ctx, ctx.sampleWeight, nearestInertia);
      requireFinite([inertia], "the inertia");
      return -inertia;
    },

    transform: (ctx) =>
      withCenters(ctx, undefined, (gpu, a, maxAbs) => {
        // A distance between rows of magnitude at most maxAbs is at most 2 maxAbs sqrt(d).
        const bound = new Float64Array(a.k).fill(2 * maxAbs * Math.sqrt(a.X.cols));
        return deliver(gpu, a.X.rows, a.k, bound, ctx, "distances", (paced, out) => encodeCenterDistances(gpu, paced, a.X, a.centers, out, settings.maxBindingBytes));
      }),
  };
}

/** KMeans' tolerance scale: the mean over features of the population variance of X (numpy's `var(X, 0).mean()`). */
async function meanFeatureVariance(gpu: Gpu, X: WebGPUMatrix, maxBindingBytes: number, record: TraceRecorder, signal: AbortSignal | undefined): Promise<number> {
  const { variance } = await columnMeanVar(gpu, X, maxBindingBytes, record, signal);
  requireFinite(variance, "the variances of the tolerance");
  return variance.reduce((a, b) => a + b, 0) / variance.length;
}
