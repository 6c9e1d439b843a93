/**
 * The metric hooks of the CPU engine: `clusterDistanceSums`, every row's summed distances to each cluster (the
 * silhouette's pairwise part), in float64 with direct differences, a chunk of rows at a time.
 */
import { Matrix, NotSupportedByEngineError, type ClusterDistanceSumsContext, type MetricsHooks } from "@plugml/core";
import { drive } from "./cancel.js";
import { PackedRows } from "./fast/exact.js";
import { runtimeFor, type FastPath, type KernelRuntime } from "./fast/runtime.js";
import { normalizedRows } from "./kernels/metrics.js";
import { ldexp, magnitudes, rangeScale, scaledMatrix } from "./kernels/range.js";
import { STEP_WORK, type Steps } from "./kernels/steps.js";

/** Rows per chunk of the fast path: the n x chunk float64 distances of one chunk fit `workingMemory` bytes. */
export function chunkRowsFor(n: number, workingMemory: number): number {
  return Math.max(1, Math.min(n, Math.floor(workingMemory / (8 * n))));
}

/** The metric hooks for one engine configuration. */
export function metricsHooks(fast: FastPath): MetricsHooks {
  return {
    async clusterDistanceSums(ctx) {
      const X = await ctx.toHost(ctx.X);
      const { metric } = ctx.params;
      if (metric === "cosine") {
        // Normalised once, as scikit-learn's cosine_distances; the quotients do not overflow, so no scaling.
        ctx.record.threads(1, "pure-TypeScript kernels on the calling thread: the fast path computes euclidean sums only");
        return drive(sumsSteps(ctx, Matrix.from(normalizedRows(X), X.rows, X.cols), metric), ctx.signal);
      }
      // Distances of the data scaled by 2^k (exact) are 2^k times the distances: the sums are unscaled at the end.
      const k = X.dtype === "float32" ? 0 : rangeScale(magnitudes(X.data), metric === "euclidean" ? 2 : 1, X.cols);
      if (k === undefined) {
        throw new NotSupportedByEngineError(`the float64 data spans more magnitudes than one scaling of ${metric} distances holds`);
      }
      const Xs = scaledMatrix(X, k);
      const runtime =
        metric === "euclidean"
          ? runtimeFor(fast, X.rows * X.rows * X.cols, ctx.record)
          : (ctx.record.threads(1, "pure-TypeScript kernels on the calling thread: the fast path computes euclidean sums only"), undefined);
      const sums = runtime ? await fastEuclideanSums(runtime, Xs, ctx, chunkRowsFor(X.rows, fast.workingMemory)) : await drive(sumsSteps(ctx, Xs, metric), ctx.signal);
      return k === 0 ? sums : sums.map((s) => ldexp(s, -k));
    },
  };
}

/**
 * The sums on the pure-TypeScript kernels: per row, its distance to every row in row order, added to the sum of
 * that row's cluster (memory: the n x nClusters sums only). Row i's distance to itself is 0, as scikit-learn sets
 * the diagonal of pairwise distances of X with itself (which matters for cosine, where a zero row is at 1).
 */
function* sumsSteps(ctx: ClusterDistanceSumsContext, X: Matrix, metric: "euclidean" | "manhattan" | "cosine"): Steps<Float64Array> {
  const { rows: n, cols: d, data } = X;
  const { labels, nClusters: k } = ctx;
  const sums = new Float64Array(n * k);
  const mode = metric === "euclidean" ? 0 : metric === "manhattan" ? 1 : 2;
  const stride = Math.max(1, Math.floor(STEP_WORK / Math.max(1, n * d)));
  for (let i = 0; i < n; i++) {
    const row = i * k;
    const a = i * d;
    // The formulas of kernels/metrics.ts (euclidean, manhattan, cosineNormalized), inlined: a call per pair costs more than the pair.
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const b = j * d;
      let s = 0;
      if (mode === 0) {
        for (let f = 0; f < d; f++) {
          const diff = data[a + f] - data[b + f];
          s += diff * diff;
        }
        s = Math.sqrt(s);
      } else if (mode === 1) {
        for (let f = 0; f < d; f++) s += Math.abs(data[a + f] - data[b + f]);
      } else {
        for (let f = 0; f < d; f++) s += data[a + f] * data[b + f];
        s = Math.min(Math.max(1 - s, 0), 2);
      }
      sums[row + labels[j]] += s;
    }
    if (i % stride === stride - 1) yield;
  }
  return sums;
}

/**
 * The euclidean sums on the WebAssembly SIMD kernels: X packed once with its rows sorted by cluster (stably), then
 * per chunk of `chunkRows` rows the exact distances of every row to the chunk's rows (KMeans' transform kernel with
 * the chunk as centers: n x chunk float64, equal to the pure-TypeScript distances). Each cluster's distances are
 * then one run of consecutive rows, added in row order as the TypeScript path adds them, so both paths give the
 * same sums. The chunk buffer is the only n-sized allocation besides X: at most `workingMemory` bytes.
 */
function fastEuclideanSums(runtime: KernelRuntime, X: Matrix, ctx: ClusterDistanceSumsContext, chunkRows: number): Promise<Float64Array> {
  const { rows: n, cols: d, data } = X;
  const { labels, nClusters: k } = ctx;
  // Cluster c's rows are sorted[ends[c - 1] .. ends[c]), in row order.
  const ends = new Int32Array(k);
  for (let i = 0; i < n; i++) ends[labels[i]]++;
  for (let c = 1; c < k; c++) ends[c] += ends[c - 1];
  const next = Int32Array.from(ends, (_, c) => (c === 0 ? 0 : ends[c - 1]));
  const sorted = new Float64Array(n * d);
  for (let i = 0; i < n; i++) sorted.set(data.subarray(i * d, (i + 1) * d), next[labels[i]]++ * d);
  return runtime.exclusive(async (arena, run) => {
    const packed = new PackedRows(arena, run, runtime.slots, sorted, n, d, 1);
    const centers = arena.alloc(chunkRows * d * 8);
    const out = arena.alloc(n * chunkRows * 8);
    const sums = new Float64Array(n * k);
    const acc = new Float64Array(chunkRows);
    for (let start = 0; start < n; start += chunkRows) {
      const m = Math.min(chunkRows, n - start);
      arena.f64(centers, m * d).set(data.subarray(start * d, (start + m) * d));
      await packed.distances(centers, m, out, "float64", 1);
      const D = arena.f64(out, n * m);
      for (let c = 0, j = 0; c < k; c++) {
        acc.fill(0);
        for (; j < ends[c]; j++) for (let r = 0; r < m; r++) acc[r] += D[j * m + r];
        for (let r = 0; r < m; r++) sums[(start + r) * k + c] = acc[r];
      }
    }
    return sums;
  }, ctx.signal);
}
