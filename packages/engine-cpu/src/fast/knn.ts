/**
 * k-nearest search on the fast path, for the metrics with a SIMD kernel (euclidean, manhattan): the training rows
 * are copied into kernel memory once per call, queries in batches bounded by the working memory, and each batch
 * runs as one parallel kernel task whose chunks fill per-query heaps. Results equal the pure-TypeScript
 * {@link kNearest}: the kernel keeps exact distances and only uses the approximate ones to skip rows that cannot
 * enter a heap.
 *
 * Range: the exact distances are float64 direct differences, which float32 data can neither overflow nor underflow;
 * float64 data is scaled by the power of two `rangeScale` picks, as the pure-TypeScript kernels do, and data no
 * single scaling fits goes to their full-range path. The approximate filter works in the flavor's precision on the
 * data times another power of two, chosen so that its norms and dot products stay far from overflow and underflow
 * in float32 too (the threshold is translated between the two scales). A query whose heap the kernel did not fill
 * (which the error bounds rule out) is searched again by the pure-TypeScript kernels rather than read.
 */
import type { Matrix } from "@plugml/core";
import { drive } from "../cancel.js";
import { reducedToDistance, type MetricSpec } from "../kernels/metrics.js";
import { emptyResult, kNearestSteps, searchedNeighbors, writeNeighbors, type KNearestResult } from "../kernels/neighbors.js";
import { magnitudes, rangeScale, scaledMatrix } from "../kernels/range.js";
import { BLOCK_ROWS, FLAVORS, KNN_PARAMS, kernelArgs, kernelName, type KernelMetric } from "../wasm/kernels.js";
import { UNIT_ROUNDOFF } from "./lloyd.js";
import { commonDtype, filterShift, packPanels, packRowBlocks, panelCount, rowBlocksLength, squaredNorms } from "./layout.js";
import type { KernelRuntime } from "./runtime.js";

/** Bytes of training panels a query block sweeps while they stay in the core's L2 cache. */
const PANEL_BLOCK_BYTES = 256 * 1024;
/** Most queries per kernel chunk (fewer when needed to give every thread several chunks). */
const MAX_CHUNK_QUERIES = 128;

/** Whether the fast path computes this metric. */
export function fastMetric(spec: MetricSpec): spec is MetricSpec & { metric: KernelMetric } {
  return spec.metric === "euclidean" || spec.metric === "manhattan";
}

/**
 * The `k` nearest rows of `train` to each row of `queries`, as {@link kNearest} (same order, ties, `skipSelf`, range
 * handling); queries and training rows of different dtypes are compared in float64 (see {@link commonDtype}).
 *
 * @param workingMemory bytes allowed for per-query buffers (queries, heaps); queries are processed in batches that
 *   fit, so memory beyond the inputs and the result stays bounded whatever the number of queries.
 * @param signal aborting it stops the search between kernel chunks and rejects with core's `AbortError`.
 */
export async function fastKNearest(
  runtime: KernelRuntime,
  queries: Matrix,
  train: Matrix,
  k: number,
  spec: MetricSpec & { metric: KernelMetric },
  options: { skipSelf: boolean; workingMemory: number; signal?: AbortSignal },
): Promise<KNearestResult> {
  const { skipSelf, signal } = options;
  const kk = searchedNeighbors(queries, train, k, skipSelf);
  const out = emptyResult(queries, k);
  const dtype = commonDtype(queries, train);
  const same = queries === train;
  queries = queries.astype(dtype);
  train = same ? queries : train.astype(dtype);
  const range = same ? magnitudes(queries.data) : magnitudes(queries.data, train.data);
  const scale = rangeScale(range, spec.p, train.cols);
  const search = (only?: number[]) => drive(kNearestSteps(queries, train, k, spec, { skipSelf, only, into: out }), signal);
  if (scale === undefined) return search();

  // Exact units: the data times 2^scale (float64 then); filter units: times 2^shift more (float32 only).
  const Q = scaledMatrix(queries, scale);
  const T = same ? Q : scaledMatrix(train, scale);
  const fl = FLAVORS[T.dtype];
  const fs = 2 ** (fl.bytes === 4 ? filterShift(range.max) : 0);
  const unscale = 2 ** -scale;
  const { rows: nt, cols: d } = T;
  const metric = spec.metric;
  const u = UNIT_ROUNDOFF[T.dtype];
  const tiny = fl.bytes === 4 ? 1e-30 : 1e-300;

  const lost: number[] = [];
  await runtime.exclusive(async (arena, run) => {
    const nPanels = panelCount(nt, fl.panelWidth);
    const tRows = arena.alloc(nt * d * fl.bytes);
    const tPanels = arena.alloc(nPanels * fl.panelWidth * d * fl.bytes);
    const tNorms = arena.alloc(nPanels * fl.panelWidth * fl.bytes);
    arena.floats(T.data, tRows, nt * d).set(T.data);
    // Padding rows must never pass a threshold: infinite norms (euclidean) or infinite values (manhattan).
    packPanels(T.data, nt, d, fl.panelWidth, metric === "manhattan" ? Infinity : 0, arena.floats(T.data, tPanels, nPanels * fl.panelWidth * d), fs);
    // Only the euclidean kernel reads norms (||t||^2 - 2 q.t); manhattan needs neither them nor their bound.
    let maxT = 0;
    if (metric === "euclidean") {
      const trainNorms = squaredNorms(T.data, nt, d);
      const norms = arena.floats(T.data, tNorms, nPanels * fl.panelWidth).fill(Infinity);
      for (let t = 0; t < nt; t++) norms[t] = trainNorms[t] * fs * fs;
      maxT = Math.sqrt(trainNorms.reduce((m, v) => Math.max(m, v), 0)) * fs;
    }

    const perQuery = 2 * d * fl.bytes + kk * 12 + 4 + fl.bytes + 16;
    const batch = Math.max(BLOCK_ROWS, Math.floor(options.workingMemory / perQuery / BLOCK_ROWS) * BLOCK_ROWS);
    const panelsPerBlock = Math.max(1, Math.floor(PANEL_BLOCK_BYTES / (d * fl.panelWidth * fl.bytes)));
    const mark = arena.mark();
    const order = new Int32Array(kk);
    const dist = new Float64Array(kk);
    const index = new Int32Array(kk);
    const distanceOf = (s: number) => reducedToDistance(spec, dist[s]) * unscale;
    for (let first = 0; first < Q.rows; first += batch) {
      arena.release(mark);
      const mq = Math.min(batch, Q.rows - first);
      const padded = Math.ceil(mq / BLOCK_ROWS) * BLOCK_ROWS;
      const rowsView = Q.data.subarray(first * d, (first + mq) * d);
      const at = {
        qPacked: arena.alloc(rowBlocksLength(mq, d, BLOCK_ROWS) * fl.bytes),
        qRows: arena.alloc(mq * d * fl.bytes),
        heapD: arena.alloc(mq * kk * 8),
        heapI: arena.alloc(mq * kk * 4),
        heapN: arena.alloc(mq * 4),
        thr: arena.alloc(padded * fl.bytes),
        qOffset: arena.alloc(mq * 8),
        qBound: arena.alloc(mq * 8),
      };
      packRowBlocks(rowsView, mq, d, BLOCK_ROWS, arena.floats(T.data, at.qPacked, rowBlocksLength(mq, d, BLOCK_ROWS)), fs);
      arena.floats(T.data, at.qRows, mq * d).set(rowsView);
      arena.i32(at.heapN, mq).fill(0);
      // Padding queries get a threshold nothing passes.
      arena.floats(T.data, at.thr, padded).fill(-Infinity).fill(Infinity, 0, mq);
      const offset = arena.f64(at.qOffset, mq);
      const bound = arena.f64(at.qBound, mq);
      // The kernel's threshold is (heap max - qOffset) * rel + qBound: heap distances are in exact units, the
      // filter's values in filter units, fs times larger (squared for euclidean).
      let rel: number;
      if (metric === "euclidean") {
        // A row can enter the heap only if ||t||^2 - 2 q.t <= max - ||q||^2 exactly; the approximate value is off
        // by at most (2d + 2) u ||q|| ||t|| + 2 u ||t||^2, doubled here, plus the rounding of the threshold itself.
        offset.set(squaredNorms(rowsView, mq, d));
        for (let q = 0; q < mq; q++) {
          const normQ = Math.sqrt(offset[q]) * fs;
          bound[q] = 2 * ((2 * d + 4) * u * normQ * maxT + 4 * u * (maxT * maxT + normQ * normQ)) + tiny;
        }
        rel = fs * fs;
      } else {
        // A sum of d absolute differences in the flavor's precision is within (d + 1) u of the exact one.
        offset.fill(0);
        bound.fill(tiny);
        rel = (1 + 2 * (2 * d + 4) * u) * fs;
      }
      const chunkQueries = Math.max(BLOCK_ROWS, Math.min(MAX_CHUNK_QUERIES, Math.ceil(mq / (4 * runtime.slots) / BLOCK_ROWS) * BLOCK_ROWS));
      const args = kernelArgs(KNN_PARAMS, { ...at, mq, tPanels, tRows, tNorms, nt, nPanels, d, kk, rel, chunkQueries, panelsPerBlock });
      await run(kernelName.knn(fl, metric), Math.ceil(mq / chunkQueries), args);

      const heapD = arena.f64(at.heapD, mq * kk);
      const heapI = arena.i32(at.heapI, mq * kk);
      const heapN = arena.i32(at.heapN, mq);
      for (let q = 0; q < mq; q++) {
        const base = q * kk;
        if (!filled(heapN[q], kk, heapI, base, nt)) {
          lost.push(first + q);
          continue;
        }
        for (let s = 0; s < kk; s++) order[s] = s;
        order.sort((a, b) => compare(heapD[base + a], heapD[base + b]) || heapI[base + a] - heapI[base + b]);
        for (let s = 0; s < kk; s++) {
          dist[s] = heapD[base + order[s]];
          index[s] = heapI[base + order[s]];
        }
        writeNeighbors(out, first + q, k, index, 0, skipSelf, distanceOf);
      }
    }
  }, signal);
  if (lost.length > 0) await search(lost);
  return out;
}

/** -1, 0 or 1 as a < b, a = b, a > b: a comparator that stays consistent for infinite values. */
function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a query's heap holds `kk` entries, every one a training row: only then is it read. */
function filled(size: number, kk: number, heapI: Int32Array, base: number, nt: number): boolean {
  if (size !== kk) return false;
  for (let s = 0; s < kk; s++) if (!(heapI[base + s] >= 0 && heapI[base + s] < nt)) return false;
  return true;
}
