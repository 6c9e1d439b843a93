/**
 * Radius search on the fast path (euclidean, manhattan, chebyshev, cosine), equal to the exact
 * {@link radiusNeighborsSteps}: the k-nearest kernels' float32 filter with a fixed threshold per query, the radius
 * in filter units widened by the metric's error bound (`filterBounds`), so that every row whose exact distance is
 * within the radius passes it. The kernel re-checks each passing row exactly (float64, the reference's formula and
 * order on the same scaled rows) against the radius widened a little further (`exactLimit`), and the host makes the
 * final comparison on the reported distance, `distance <= radius`, exactly as the reference does: the filter and
 * the widened limit only ever let extra candidates through, never drop a neighbour.
 *
 * Memory: queries run in batches bounded by the working memory, each with `INITIAL_ROOM` candidate slots. The
 * kernel counts every candidate, so a query with more is run again, alone with the others that overflowed, with
 * exactly the room its count says: memory beyond the inputs and one kernel copy of the training rows follows the
 * size of the output.
 */
import { Matrix } from "@plugml/core";
import { drive } from "../cancel.js";
import { normalizeRowsInto, reducedToDistance, type MetricSpec } from "../kernels/metrics.js";
import { MatchBuffer, checkRadiusArgs, radiusNeighborsSteps, type RadiusResult } from "../kernels/radius.js";
import { BLOCK_ROWS, FLAVORS, KNN_PARAMS, kernelArgs, kernelName, type KernelMetric } from "../wasm/kernels.js";
import { packTraining, rowsOf, searchUnits } from "./knn.js";
import { filterBounds, rowStats } from "./knn-bounds.js";
import { packRowBlocks, rowBlocksLength } from "./layout.js";
import type { KernelRuntime } from "./runtime.js";

/** Candidate slots per query in the first pass. */
const INITIAL_ROOM = 256;
/** Most queries per kernel chunk. */
const MAX_CHUNK_QUERIES = 128;
const FILTER = FLAVORS.float32;

/**
 * The largest reduced distance (exact units) whose reported distance can be <= `radius`, rounded up: the reported
 * distance is `reducedToDistance(r) * unscale`, with correctly rounded roots and an exact power-of-two `unscale`
 * (up to underflow, at most 2^-1074 absolute). A relative 2^-40 and an absolute 2^-1070 in reported units cover
 * the roundings with room to spare; the host's final comparison removes what the widening lets in.
 */
function exactLimit(spec: MetricSpec, radius: number, unscale: number): number {
  const rho = (radius * (1 + 2 ** -40) + 2 ** -1070) / unscale;
  return spec.metric === "euclidean" ? rho * rho * (1 + 2 ** -40) : rho;
}

/**
 * The rows within `radius` of each query, as {@link radiusNeighborsSteps} (same sets, distances bit for bit, same
 * order). Falls back to it where the fast path cannot reproduce the reference: data no single scaling fits, and
 * cosine on distinct matrices whose self distances the reference sets to 0.
 */
export async function fastRadiusNeighbors(
  runtime: KernelRuntime,
  queries: Matrix,
  train: Matrix,
  radius: number,
  spec: MetricSpec & { metric: KernelMetric },
  options: { skipSelf: boolean; sortResults: boolean; workingMemory: number; signal?: AbortSignal },
): Promise<RadiusResult> {
  const { skipSelf, sortResults, signal } = options;
  checkRadiusArgs(queries, train, options);
  const same = queries === train;
  const cosine = spec.metric === "cosine";
  const reference = () => drive(radiusNeighborsSteps(queries, train, radius, spec, { skipSelf, sortResults }), signal);
  // The reference's self distance 0 is only reproduced for a set searched against itself with its own row left out.
  if (same !== skipSelf) return reference();
  const rows = searchUnits(spec, queries, train);
  if (rows === undefined) return reference();
  const { Q, ex, unscale, units } = rows;
  const fl = FILTER;
  const limit = exactLimit(spec, radius, unscale);
  const float32 = queries.dtype === "float32";
  const result: RadiusResult = { distances: new Array(queries.rows), indices: new Array(queries.rows) };
  const buffer = new MatchBuffer();

  await runtime.exclusive(async (arena, run) => {
    const { tRows, tPanels, tNorms, nPanels, nt, d, exactT, trainStats, panelsPerBlock } = packTraining(arena, spec.metric, rows);
    const mark = arena.mark();

    /**
     * Searches the queries `ids` (rows of Q, or of T itself when `fromTrain`) with `room` slots each; returns the
     * queries that had more candidates, with their counts.
     */
    const pass = async (ids: Int32Array, room: number, fromTrain: boolean): Promise<{ id: number; count: number }[]> => {
      const overflow: { id: number; count: number }[] = [];
      const perQuery = d * fl.bytes + (fromTrain ? 0 : d * ex.bytes) + room * 12 + 4 + fl.bytes + 24;
      const batch = Math.max(BLOCK_ROWS, Math.floor(options.workingMemory / perQuery / BLOCK_ROWS) * BLOCK_ROWS);
      for (let first = 0; first < ids.length; first += batch) {
        arena.release(mark);
        const mq = Math.min(batch, ids.length - first);
        const padded = Math.ceil(mq / BLOCK_ROWS) * BLOCK_ROWS;
        const at = {
          qPacked: arena.alloc(rowBlocksLength(mq, d, BLOCK_ROWS) * fl.bytes),
          qRows: fromTrain ? tRows + ids[first] * d * ex.bytes : arena.alloc(mq * d * ex.bytes),
          heapD: arena.alloc(mq * room * 8),
          heapI: arena.alloc(mq * room * 4),
          heapN: arena.alloc(mq * 4),
          thr: arena.alloc(padded * fl.bytes),
          qOffset: arena.alloc(mq * 8),
          qBound: arena.alloc(mq * 8),
          qLimit: arena.alloc(mq * 8),
        };
        let exactQ;
        if (fromTrain) exactQ = exactT.subarray(ids[first] * d, (ids[first] + mq) * d);
        else {
          const picked = gather(Q, ids.subarray(first, first + mq));
          exactQ = cosine ? normalizeRowsInto(picked, arena.f64(at.qRows, mq * d)) : arena.floats(picked.data, at.qRows, mq * d);
          if (!cosine) exactQ.set(picked.data);
        }
        packRowBlocks(exactQ, mq, d, BLOCK_ROWS, arena.f32(at.qPacked, rowBlocksLength(mq, d, BLOCK_ROWS)), units.fs);
        arena.i32(at.heapN, mq).fill(0);
        const offset = arena.f64(at.qOffset, mq);
        const bound = arena.f64(at.qBound, mq);
        const rel = filterBounds(spec.metric, d, units, trainStats, rowStats(spec.metric, exactQ, mq, d), offset, bound);
        // The k-nearest kernel's threshold for a full heap whose worst is the limit: every row within it passes.
        const thr = arena.f32(at.thr, padded).fill(-Infinity);
        for (let q = 0; q < mq; q++) thr[q] = (limit - offset[q]) * rel + bound[q];
        arena.f64(at.qLimit, mq).fill(limit);
        const chunkQueries = Math.max(BLOCK_ROWS, Math.min(MAX_CHUNK_QUERIES, Math.ceil(mq / (4 * runtime.slots) / BLOCK_ROWS) * BLOCK_ROWS));
        const args = kernelArgs(KNN_PARAMS, { ...at, qBound: at.qLimit, mq, tPanels, tRows, tNorms, nt, nPanels, d, kk: room, rel, chunkQueries, panelsPerBlock });
        await run(kernelName.radius(fl, ex, spec.metric), Math.ceil(mq / chunkQueries), args);

        const heapD = arena.f64(at.heapD, mq * room);
        const heapI = arena.i32(at.heapI, mq * room);
        const heapN = arena.i32(at.heapN, mq);
        for (let q = 0; q < mq; q++) {
          const id = ids[first + q];
          if (heapN[q] > room) {
            overflow.push({ id, count: heapN[q] });
            continue;
          }
          // Candidates come by ascending index; the reported distance decides, as in the reference.
          for (let s = q * room; s < q * room + heapN[q]; s++) {
            const t = heapI[s];
            if (skipSelf && t === id) continue;
            const distance = reducedToDistance(spec, heapD[s]) * unscale;
            if (distance <= radius) buffer.push(distance, t);
          }
          const found = buffer.take(float32, sortResults);
          result.distances[id] = found.distances;
          result.indices[id] = found.indices;
        }
      }
      return overflow;
    };

    const all = Int32Array.from({ length: Q.rows }, (_, q) => q);
    const overflow = await pass(all, Math.min(nt, INITIAL_ROOM), same);
    if (overflow.length > 0) {
      const room = overflow.reduce((most, o) => Math.max(most, o.count), 0);
      // Room for the largest count: nothing overflows this time (the counts are deterministic).
      await pass(Int32Array.from(overflow, (o) => o.id), room, false);
    }
  }, signal);
  return result;
}

/** The rows `ids` of `X` as a matrix of its dtype: a view when they are consecutive, else a copy. */
function gather(X: Matrix, ids: Int32Array): Matrix {
  if (ids.length > 0 && ids[ids.length - 1] - ids[0] === ids.length - 1) return rowsOf(X, ids[0], ids.length);
  const data = X.dtype === "float32" ? new Float32Array(ids.length * X.cols) : new Float64Array(ids.length * X.cols);
  ids.forEach((id, i) => data.set(X.data.subarray(id * X.cols, (id + 1) * X.cols), i * X.cols));
  return new Matrix(data, ids.length, X.cols);
}
