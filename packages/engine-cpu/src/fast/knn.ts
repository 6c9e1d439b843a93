/**
 * k-nearest search on the fast path, for the metrics with a SIMD kernel (euclidean, manhattan, chebyshev, cosine):
 * the training rows are copied into kernel memory once per call, queries in batches bounded by the working memory,
 * and each batch runs as one parallel kernel task whose chunks fill per-query heaps. Results equal the
 * pure-TypeScript {@link kNearestSteps}: the kernel keeps exact distances (float64, the reference's formulas in its
 * order) and only uses approximate ones, computed in float32 whatever the data's dtype, to skip rows that provably
 * cannot enter a heap.
 *
 * Range: the exact distances are float64 on the data scaled by the power of two `rangeScale` picks, as the
 * pure-TypeScript kernels do, and data no single scaling fits goes to their full-range path. The float32 filter works
 * on those rows times another power of two (`filterShift`), so that its values stay far from float32's overflow and
 * underflow; rounding the rows to float32 and underflow are covered by each metric's bound (see {@link filterBounds}).
 * Cosine compares the reference's normalised rows, which are always in range. A query whose heap the kernel did not
 * fill (which the bounds rule out) is searched again by the pure-TypeScript kernels rather than read.
 */
import { Matrix, type FloatArray } from "@plugml/core";
import { drive } from "../cancel.js";
import { normalizeRowsInto, reducedToDistance, type MetricSpec } from "../kernels/metrics.js";
import { emptyResult, kNearestSteps, searchedNeighbors, writeNeighbors, type KNearestResult } from "../kernels/neighbors.js";
import { ldexp, magnitudes, rangeScale, scaledMatrix } from "../kernels/range.js";
import { BLOCK_ROWS, FLAVORS, KNN_PARAMS, kernelArgs, kernelName, type Flavor, type KernelMetric } from "../wasm/kernels.js";
import { filterBounds, rowStats, type FilterUnits, type RowStats } from "./knn-bounds.js";
import { commonDtype, filterShift, packPanels, packRowBlocks, panelCount, rowBlocksLength } from "./layout.js";
import type { Arena, KernelRuntime } from "./runtime.js";

/** Bytes of training panels a query block sweeps while they stay in the core's L2 cache. */
const PANEL_BLOCK_BYTES = 256 * 1024;
/** Most queries per kernel chunk (fewer when needed to give every thread several chunks). */
const MAX_CHUNK_QUERIES = 128;
/** The filter's flavor, for every dtype of data. */
const FILTER = FLAVORS.float32;

/** Whether the fast path computes this metric (minkowski with p other than 1, 2, Infinity does not). */
export function fastMetric(spec: MetricSpec): spec is MetricSpec & { metric: KernelMetric } {
  return spec.metric === "euclidean" || spec.metric === "manhattan" || spec.metric === "chebyshev" || spec.metric === "cosine";
}

/** The rows the exact re-check reads, in exact units, and how the filter's units relate to them. */
export interface ExactRows {
  /** Queries and training rows (the same matrix when searching a set against itself). */
  Q: Matrix;
  T: Matrix;
  ex: Flavor;
  /** Exact distances times `unscale` are the true ones. */
  unscale: number;
  units: FilterUnits;
}

/**
 * The exact units of a search: the data in the common dtype scaled by `rangeScale`'s power of two, and the filter's
 * further power of two; undefined when no single scaling fits (the full-range path). Cosine is not set up here: its
 * rows are normalised straight into kernel memory.
 */
function exactUnits(spec: MetricSpec, queries: Matrix, train: Matrix): ExactRows | undefined {
  const dtype = commonDtype(queries, train);
  const same = queries === train;
  const q = queries.astype(dtype);
  const t = same ? q : train.astype(dtype);
  const range = same ? magnitudes(q.data) : magnitudes(q.data, t.data);
  const scale = rangeScale(range, spec.p, train.cols);
  if (scale === undefined) return undefined;
  const Q = scaledMatrix(q, scale);
  const T = same ? Q : scaledMatrix(t, scale);
  // Clamped so that 2^shift is a finite float64; data below 2^-981 (subnormal) then lands in float32's range anyway.
  const shift = Math.max(-1000, Math.min(1000, filterShift(ldexp(range.max, scale))));
  return { Q, T, ex: FLAVORS[T.dtype], unscale: 2 ** -scale, units: { fs: 2 ** shift } };
}

/**
 * The exact units of a search (see {@link exactUnits}); cosine's are the inputs as given, whose rows
 * {@link packTraining} and the callers normalise straight into kernel memory.
 */
export function searchUnits(spec: MetricSpec & { metric: KernelMetric }, queries: Matrix, train: Matrix): ExactRows | undefined {
  if (spec.metric === "cosine") return { Q: queries, T: train, ex: FLAVORS.float64, unscale: 1, units: { fs: 1 } };
  return exactUnits(spec, queries, train);
}

/** A search's training rows in kernel memory: exact rows, float32 filter panels, their norms and per-row stats. */
export interface PackedTraining {
  nt: number;
  d: number;
  nPanels: number;
  /** Addresses of the exact rows, the filter's panels and their norms. */
  tRows: number;
  tPanels: number;
  tNorms: number;
  /** The exact rows (a view of kernel memory at `tRows`). */
  exactT: FloatArray;
  trainStats: RowStats;
  /** Panels a query block sweeps while they stay in L2. */
  panelsPerBlock: number;
}

/**
 * Copies the training rows of `rows` into kernel memory for the k-nearest kernel: the exact rows (cosine's
 * normalised as the reference does), the float32 filter panels in the filter's units and, for the dot-product
 * filters, the panels' norms. Shared by every search on that kernel (k-nearest and radius).
 */
export function packTraining(arena: Arena, metric: KernelMetric, rows: ExactRows): PackedTraining {
  const { T, ex, units } = rows;
  const { rows: nt, cols: d } = T;
  const fl = FILTER;
  const cosine = metric === "cosine";
  const nPanels = panelCount(nt, fl.panelWidth);
  const tRows = arena.alloc(nt * d * ex.bytes);
  const tPanels = arena.alloc(nPanels * fl.panelWidth * d * fl.bytes);
  const tNorms = arena.alloc(nPanels * fl.panelWidth * fl.bytes);
  // Cosine's exact rows are the reference's normalised rows, written straight into kernel memory.
  const exactT: FloatArray = cosine ? normalizeRowsInto(T, arena.f64(tRows, nt * d)) : arena.floats(T.data, tRows, nt * d);
  if (!cosine) exactT.set(T.data);
  // Padding rows must never pass a threshold: infinite norms (dot-product filters) or infinite values.
  const dotFilter = metric === "euclidean" || cosine;
  packPanels(exactT, nt, d, fl.panelWidth, dotFilter ? 0 : Infinity, arena.f32(tPanels, nPanels * fl.panelWidth * d), units.fs);
  const trainStats = rowStats(metric, exactT, nt, d);
  if (dotFilter) {
    const norms = arena.f32(tNorms, nPanels * fl.panelWidth).fill(Infinity);
    // The cosine filter ranks by -2 q.t alone (its norms are 0): the bound then needs no norm rounding.
    for (let t = 0; t < nt; t++) norms[t] = cosine ? 0 : trainStats.sq[t] * units.fs * units.fs;
  }
  const panelsPerBlock = Math.max(1, Math.floor(PANEL_BLOCK_BYTES / (d * fl.panelWidth * fl.bytes)));
  return { nt, d, nPanels, tRows, tPanels, tNorms, exactT, trainStats, panelsPerBlock };
}

/**
 * The `k` nearest rows of `train` to each row of `queries`, as {@link kNearestSteps} (same order, ties, `skipSelf`,
 * range handling); queries and training rows of different dtypes are compared in float64 (see {@link commonDtype}).
 *
 * @param workingMemory bytes allowed for per-query buffers (queries, heaps); queries are processed in batches that
 *   fit, so memory beyond the inputs, one kernel copy of the training rows and the result stays bounded whatever
 *   the number of queries.
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
  const same = queries === train;
  const metric = spec.metric;
  const cosine = metric === "cosine";
  // The reference, on the inputs as given: cosine's normalisation depends on each input's own dtype.
  const search = (only?: number[]) => drive(kNearestSteps(queries, train, k, spec, { skipSelf, only, into: out }), signal);
  // The reference's self distance 0 (skipSelf on distinct matrices) is only reproduced for a set against itself.
  if (cosine && skipSelf && !same) return search();
  const rows = searchUnits(spec, queries, train);
  if (rows === undefined) return search();
  const { Q, ex, unscale, units } = rows;
  const fl = FILTER;

  const lost: number[] = [];
  await runtime.exclusive(async (arena, run) => {
    const { tRows, tPanels, tNorms, nPanels, nt, d, exactT, trainStats, panelsPerBlock } = packTraining(arena, metric, rows);

    const perQuery = d * fl.bytes + (same ? 0 : d * ex.bytes) + kk * 12 + 4 + fl.bytes + 16;
    const batch = Math.max(BLOCK_ROWS, Math.floor(options.workingMemory / perQuery / BLOCK_ROWS) * BLOCK_ROWS);
    const mark = arena.mark();
    const order = new Int32Array(kk);
    const dist = new Float64Array(kk);
    const index = new Int32Array(kk);
    const distanceOf = (s: number) => reducedToDistance(spec, dist[s]) * unscale;
    for (let first = 0; first < Q.rows; first += batch) {
      arena.release(mark);
      const mq = Math.min(batch, Q.rows - first);
      const padded = Math.ceil(mq / BLOCK_ROWS) * BLOCK_ROWS;
      const at = {
        qPacked: arena.alloc(rowBlocksLength(mq, d, BLOCK_ROWS) * fl.bytes),
        // A set searched against itself reads its queries from the training rows: the same addresses, which is how
        // the cosine kernel recognises a row against itself.
        qRows: same ? tRows + first * d * ex.bytes : arena.alloc(mq * d * ex.bytes),
        heapD: arena.alloc(mq * kk * 8),
        heapI: arena.alloc(mq * kk * 4),
        heapN: arena.alloc(mq * 4),
        thr: arena.alloc(padded * fl.bytes),
        qOffset: arena.alloc(mq * 8),
        qBound: arena.alloc(mq * 8),
      };
      let exactQ: FloatArray;
      if (same) exactQ = exactT.subarray(first * d, (first + mq) * d);
      else if (cosine) exactQ = normalizeRowsInto(rowsOf(Q, first, mq), arena.f64(at.qRows, mq * d));
      else (exactQ = arena.floats(Q.data, at.qRows, mq * d)).set(Q.data.subarray(first * d, (first + mq) * d));
      packRowBlocks(exactQ, mq, d, BLOCK_ROWS, arena.f32(at.qPacked, rowBlocksLength(mq, d, BLOCK_ROWS)), units.fs);
      arena.i32(at.heapN, mq).fill(0);
      // Padding queries get a threshold nothing passes.
      arena.f32(at.thr, padded).fill(-Infinity).fill(Infinity, 0, mq);
      const rel = filterBounds(metric, d, units, trainStats, rowStats(metric, exactQ, mq, d), arena.f64(at.qOffset, mq), arena.f64(at.qBound, mq));
      const chunkQueries = Math.max(BLOCK_ROWS, Math.min(MAX_CHUNK_QUERIES, Math.ceil(mq / (4 * runtime.slots) / BLOCK_ROWS) * BLOCK_ROWS));
      const args = kernelArgs(KNN_PARAMS, { ...at, mq, tPanels, tRows, tNorms, nt, nPanels, d, kk, rel, chunkQueries, panelsPerBlock });
      await run(kernelName.knn(fl, ex, metric), Math.ceil(mq / chunkQueries), args);

      const heapD = arena.f64(at.heapD, mq * kk);
      const heapI = arena.i32(at.heapI, mq * kk);
      const heapN = arena.i32(at.heapN, mq);
      for (let q = 0; q < mq; q++) {
        const base = q * kk;
        // A row too small to normalise (the reference leaves it as is) is at distance 0 from itself by the
        // reference's rule, while its filter value says about 1: the bound does not cover that, so such a row,
        // searched against its own set, goes to the reference.
        const unnormalisedSelf = cosine && same && trainStats.size[first + q] < 0.5;
        if (unnormalisedSelf || !filled(heapN[q], kk, heapI, base, nt)) {
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

/** Rows `[first, first + count)` of `X` as a matrix sharing its data (and dtype). */
export function rowsOf(X: Matrix, first: number, count: number): Matrix {
  return Matrix.from(X.data.subarray(first * X.cols, (first + count) * X.cols), count, X.cols);
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
