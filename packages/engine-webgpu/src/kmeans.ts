/**
 * KMeans hooks of the WebGPU engine: k-means++ on the device (X stays there; see kernels/kmeans-plusplus.ts),
 * Lloyd's loop on the device, one run per initialisation, reading back per iteration only the status the
 * convergence test and `onIteration` need, and the winning run's result at the end.
 */
import { Matrix, isResident, randomInitIndices, takeRows, type DataMatrix, type KMeansHooks, type KMeansInitResult, type KMeansModel, type TraceRecorder } from "@plugml/core";
import { requireDevice, type Gpu } from "./device.js";
import { encodeCenterDistances } from "./kernels/center-distances.js";
import { Batch } from "./kernels/dispatch.js";
import { kmeansPlusPlusOnDevice } from "./kernels/kmeans-plusplus.js";
import { columnMeanVar } from "./kernels/columns.js";
import { lloyd, LloydKernels, nearestInertia, nearestLabels, type FixedCenters, type LloydInput, type LloydRun } from "./kernels/lloyd.js";
import { Paced } from "./kernels/pacing.js";
import { featuresFit, gate, worthRunning, type EngineSettings } from "./options.js";
import { columnMaxAbs, kmeansRange, largest, requireFinite, weightRange } from "./range.js";
import { deliver, deviceInput, hostMatrix, isWebGPUMatrix, toFloat32, uploadArray, type WebGPUMatrix } from "./resident.js";

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

    async init(ctx): Promise<KMeansInitResult> {
      const k = ctx.params.nClusters;
      if (ctx.method === "random") {
        // A permutation per run: nothing to compute on the device, and the rows are taken where X is.
        const indices = Array.from({ length: ctx.nInit }, () => randomInitIndices(ctx.nSamples, k, ctx.random));
        return { indices, centers: await rowsOf(isWebGPUMatrix(ctx.X) ? ctx.X : await ctx.toHost(ctx.X), indices, ctx.dtype, ctx.record) };
      }
      const gpu = await requireDevice();
      const input = await deviceInput(gpu, ctx, ctx.X, (X) => kmeansRange(largest(X.maxAbs), X.rows, X.cols, undefined, false));
      try {
        const indices = await kmeansPlusPlusOnDevice(gpu, { X: input.matrix, nClusters: k, nInit: ctx.nInit, random: ctx.random, maxBindingBytes: settings.maxBindingBytes, record: ctx.record, signal: ctx.signal });
        // A host X gives its own rows (float64 ones too); anything resident is read back at the chosen rows only.
        return { indices, centers: await rowsOf(isResident(ctx.X) ? input.matrix : ctx.X, indices, ctx.dtype, ctx.record) };
      } finally {
        input.release();
      }
    },

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

/**
 * The rows of X at each run's `indices`, as host matrices in X's dtype: taken from a host X exactly (the contract
 * checks that they are its rows), or read back from a resident one, k x d floats per run and nothing else.
 */
async function rowsOf(X: Matrix | WebGPUMatrix, indices: Int32Array[], dtype: Matrix["dtype"], record: TraceRecorder): Promise<Matrix[]> {
  if (!isWebGPUMatrix(X)) return indices.map((rows) => takeRows(X, rows));
  const matrix = X;
  const rowBytes = matrix.cols * 4;
  const batch = new Batch(matrix.gpu);
  for (const rows of indices) for (const row of rows) batch.read(matrix.buffer, row * rowBytes, rowBytes);
  const values = await batch.submit();
  record.bytesFromDevice(values.length * rowBytes);
  return indices.map((rows, run) => {
    const centers = new Float32Array(rows.length * matrix.cols);
    rows.forEach((_, c) => centers.set(new Float32Array(values[run * rows.length + c]), c * matrix.cols));
    return hostMatrix(centers, rows.length, matrix.cols, dtype, record);
  });
}

/** KMeans' tolerance scale: the mean over features of the population variance of X (numpy's `var(X, 0).mean()`). */
async function meanFeatureVariance(gpu: Gpu, X: WebGPUMatrix, maxBindingBytes: number, record: TraceRecorder, signal: AbortSignal | undefined): Promise<number> {
  const { variance } = await columnMeanVar(gpu, X, maxBindingBytes, record, signal);
  requireFinite(variance, "the variances of the tolerance");
  return variance.reduce((a, b) => a + b, 0) / variance.length;
}
