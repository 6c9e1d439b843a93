/**
 * The `radiusNeighbors` hook of the three neighbour estimators on the WebGPU engine. The device only proposes
 * candidates: every pair whose float32 reduced distance is within the radius widened by a rigorous bound of
 * float32's error (`radiusThreshold`), so that no true neighbour is missed. The host then computes each
 * candidate's distance with the float64 formula engine-cpu uses and keeps those <= radius, so the answer is the
 * exact one, bit for bit engine-cpu's (same neighbours, same distances, same order, same dtype).
 *
 * Filters: euclidean, manhattan and chebyshev (minkowski with p = 1, 2, inf) on their own reduced distance;
 * minkowski with another p on the chebyshev distance (never above it, so a superset); cosine has no float32 bound
 * yet, so every pair is a candidate (correct, but every training row then comes back). The re-check replicates
 * engine-cpu's formulas (the p-th power sum and root, scikit-learn's normalisation for cosine) on unscaled data;
 * data engine-cpu would rescale by a power of two first (`cpuUnscaled` false: euclidean or minkowski with nonzero
 * values too small for the p-th powers) is declined. A training set fitted from float64 data is searched as the
 * device holds it, in float32, as engine-cpu did when it was handed such a call (and as kneighbors does).
 */
import {
  NotSupportedByEngineError,
  type DataMatrix,
  type Matrix,
  type RadiusNeighborsContext,
  type RadiusNeighborsResult,
} from "@plugml/core";
import { requireDevice } from "./device.js";
import { effectiveMetric } from "./kernels/neighbors.js";
import { gatherRows, radiusCandidates, type RadiusMetric } from "./kernels/radius.js";
import type { EngineSettings } from "./options.js";
import { distanceRange, largest, requireInRange } from "./range.js";
import { isWebGPUMatrix, stageInput, type DeviceInput, type WebGPUMatrix } from "./resident.js";

/** float32's unit roundoff. */
const U = 2 ** -24;
/** Absolute error per coordinate of a value GPUs may flush (below 2^-126), generously. */
const FLUSH = 2 ** -123;
/** Absolute error of flushed products and sums, generously. */
const FLUSH_SUM = 2 ** -120;

/**
 * The float32 threshold on the device's reduced distance (squared euclidean, manhattan sum, chebyshev maximum)
 * that every pair at true distance <= `radius` passes, for data of largest magnitude `a` over `cols` features.
 * Rounding the data to float32 moves each coordinate difference by at most 2ua (u = 2^-24), a flushed subnormal
 * by at most 2^-125, so the distance of the device's values is at most R = r + 2ua(1 + 2u) sqrt(n) + sqrt(n) 2^-123
 * (euclidean; n and 1 in place of sqrt(n) for manhattan and chebyshev). The device's float32 sum of n terms
 * (each one rounding of the difference and one of the square, correctly rounded as WGSL requires; a fused
 * multiply-add only rounds less) is at most (1 + gamma_{n+2}) times the exact one, gamma_k <= 2ku, plus the
 * flushed partial results: so T = R^2 (1 + 4(n + 4)u) + (2n + 2) 2^-120 (R for manhattan, R (1 + 4u) + 2^-120 for
 * chebyshev), rounded up to float32 (Infinity when beyond it: every pair is then a candidate).
 */
export function radiusThreshold(metric: RadiusMetric, radius: number, cols: number, a: number): number {
  const n = Math.max(cols, 1);
  let t: number;
  if (metric === "euclidean") {
    const R = radius + 2 * U * a * (1 + 2 * U) * Math.sqrt(n) + Math.sqrt(n) * FLUSH;
    t = R * R * (1 + 4 * (n + 4) * U) + (2 * n + 2) * FLUSH_SUM;
  } else if (metric === "manhattan") {
    const R = radius + 2 * U * a * (1 + 2 * U) * n + n * FLUSH;
    t = R * (1 + 4 * (n + 4) * U) + (2 * n + 2) * FLUSH_SUM;
  } else {
    const R = radius + 2 * U * a * (1 + 2 * U) + FLUSH;
    t = R * (1 + 4 * U) + FLUSH_SUM;
  }
  // Headroom for the float64 rounding of the lines above, then up to the next float32.
  return float32Above(t * (1 + 2 ** -40));
}

/** The smallest float32 >= x (Infinity beyond float32's range). */
export function float32Above(x: number): number {
  const f = Math.fround(x);
  if (f >= x) return f;
  const bits = new Float32Array([f]);
  const view = new Uint32Array(bits.buffer);
  view[0] += f >= 0 ? 1 : -1;
  return bits[0];
}

/** Smallest nonzero |value| of host data (Infinity when none). */
function minNonzero(data: ArrayLike<number>): number {
  let min = Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = Math.abs(data[i]);
    if (v > 0 && v < min) min = v;
  }
  return min;
}

/** engine-cpu's float64 distance between row `qo` of `a` and row `to` of `b` (offsets in elements), unscaled. */
function exactDistance(metric: RadiusMetric, a: ArrayLike<number>, qo: number, b: ArrayLike<number>, to: number, cols: number): number {
  if (metric === "euclidean") {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const d = a[qo + j] - b[to + j];
      s += d * d;
    }
    return Math.sqrt(s);
  }
  if (metric === "manhattan") {
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.abs(a[qo + j] - b[to + j]);
    return s;
  }
  let m = 0;
  for (let j = 0; j < cols; j++) m = Math.max(m, Math.abs(a[qo + j] - b[to + j]));
  return m;
}

/** engine-cpu's `exponentOf`: the binary exponent of |x| (x > 0), subnormals included. */
function exponentOf(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const biased = (view.getUint16(0) & 0x7ff0) >> 4;
  return biased > 0 ? biased - 1023 : exponentOf(x * 2 ** 64) - 64;
}

/**
 * Whether engine-cpu's `rangeScale` picks no scaling (0) for sums of `terms` p-th powers of data with largest |x|
 * at most `max` and smallest nonzero |x| at least `minNonzero` (its window [low, high] holds 0; both bounds here
 * are on the safe side, so true means it computes these distances unscaled).
 */
export function cpuUnscaled(p: number, terms: number, max: number, minNonzero: number): boolean {
  if (max === 0 || !(minNonzero < Infinity)) return true;
  const top = exponentOf(max) + 1;
  const bottom = exponentOf(minNonzero);
  const high = Math.min(Math.floor((1000 - Math.log2(terms)) / p) - top - 1, 1000);
  const low = Math.max(Math.ceil(-1000 / p) + 53 - bottom, -1000);
  return low <= 0 && 0 <= high;
}

/** engine-cpu's float64 minkowski distance (unscaled): the sum of |a_j - b_j| ** p, to the power 1/p. */
function minkowskiDistance(a: ArrayLike<number>, qo: number, b: ArrayLike<number>, to: number, cols: number, p: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.abs(a[qo + j] - b[to + j]) ** p;
  return s ** (1 / p);
}

/**
 * A row scaled as engine-cpu's `normalizedRows` (scikit-learn's `normalize`): by the power of two of its largest
 * value, then divided by its L2 norm, unless that norm is below ten epsilons of the row's dtype (then unchanged).
 */
function normalizedRow(data: ArrayLike<number>, offset: number, cols: number, float32: boolean): Float64Array {
  let factor = 1;
  let divisor = 1;
  let max = 0;
  for (let j = 0; j < cols; j++) max = Math.max(max, Math.abs(data[offset + j]));
  if (max >= 2 ** -1000) {
    const e = exponentOf(max);
    const f = 2 ** -e;
    let s = 0;
    for (let j = 0; j < cols; j++) s += (data[offset + j] * f) ** 2;
    const eps = float32 ? 2 ** -23 : Number.EPSILON;
    if (!(Math.sqrt(s) * 2 ** e < 10 * eps)) {
      factor = f;
      divisor = Math.sqrt(s);
    }
  }
  const out = new Float64Array(cols);
  for (let j = 0; j < cols; j++) out[j] = (data[offset + j] * factor) / divisor;
  return out;
}

/** engine-cpu's cosine distance of two normalised rows: 1 minus their dot product, clipped to [0, 2]. */
function cosineDistance(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  for (let j = 0; j < a.length; j++) dot += a[j] * b[j];
  return Math.min(Math.max(1 - dot, 0), 2);
}

/** The radiusNeighbors hook for one engine configuration. */
export function radiusNeighborsHook(settings: EngineSettings) {
  return async (ctx: RadiusNeighborsContext): Promise<RadiusNeighborsResult> => {
    const metric = effectiveMetric(ctx.params.metric, ctx.params.p);
    const p = ctx.params.p;
    // What the device filters on: the metric itself, or for minkowski with another p the chebyshev distance (never
    // above it, so within the radius whenever the minkowski distance is); cosine has no filter yet: every pair.
    const filter: RadiusMetric = metric === "minkowski" || metric === "cosine" ? "chebyshev" : metric;
    const fitX = ctx.model.fitX;
    const trainDtype = (ctx.fitState as { dtype?: DataMatrix["dtype"] } | undefined)?.dtype ?? fitX.dtype;
    const onDevice = isWebGPUMatrix(fitX);
    const gpu = await requireDevice();
    const trainHost: Matrix | undefined = onDevice ? undefined : await ctx.toHost(fitX);
    // Queries resident on this device stay there: only the rows of those with candidates come back (a gather).
    const queryResident = ctx.X !== undefined && isWebGPUMatrix(ctx.X);
    const queryHost: Matrix | undefined = ctx.X === undefined ? trainHost : queryResident ? undefined : await ctx.toHost(ctx.X!);
    const cols = fitX.cols;
    const released: DeviceInput[] = [];
    try {
      const trainStaged = await stageInput(gpu, ctx, trainHost ?? fitX, "fitX");
      const queryStaged = ctx.X === undefined ? undefined : await stageInput(gpu, ctx, queryHost ?? ctx.X!);
      const a = largest(trainStaged.maxAbs, queryStaged?.maxAbs ?? []);
      requireInRange(distanceRange(filter, Infinity, cols, a));
      // engine-cpu scales data whose p-th powers would leave float64's range by a power of two: the re-check covers
      // the data it computes unscaled (resident data is float32: its nonzero values are >= 2^-149).
      if (metric === "euclidean" || metric === "minkowski") {
        const power = metric === "euclidean" ? 2 : p;
        const tiny = Math.min(queryHost ? minNonzero(queryHost.data) : 2 ** -149, trainHost ? minNonzero(trainHost.data) : 2 ** -149);
        if (!cpuUnscaled(power, cols, a, tiny)) {
          throw new NotSupportedByEngineError(`values from ${tiny} to ${a} make engine-cpu rescale ${metric} distances (p = ${power}): the exact re-check covers the data it computes unscaled`);
        }
      }
      const train = await trainStaged.place();
      released.push(train);
      let queries = train;
      if (queryStaged) {
        queries = await queryStaged.place();
        released.push(queries);
      }
      const rows = queries.matrix.rows;
      const float32 = (ctx.X?.dtype ?? trainDtype) === "float32";
      const result: RadiusNeighborsResult = { distances: new Array(rows), indices: new Array(rows) };
      // engine-cpu's float64 minkowski distance may round below the true one by a few units in the last place: the
      // filter's radius is widened by far more (2^-30 relative).
      const threshold = metric === "cosine" ? Infinity : radiusThreshold(filter, metric === "minkowski" ? ctx.radius * (1 + 2 ** -30) : ctx.radius, cols, a);
      await radiusCandidates(
        gpu,
        { queries: queries.matrix, train: train.matrix, metric: filter, threshold, skipSelf: ctx.X === undefined, maxBindingBytes: settings.maxBindingBytes, signal: ctx.signal, record: ctx.record },
        async (chunk) => {
          // Host rows: the training candidates' (and, without X, those of the chunk's queries that have some,
          // training rows too), and those of resident queries with candidates, gathered on the device.
          const withCandidates: number[] = [];
          for (let i = 0; i < chunk.count; i++) if (chunk.offsets[i + 1] > chunk.offsets[i]) withCandidates.push(chunk.start + i);
          const gathered = async (X: WebGPUMatrix, wanted: Set<number>) => {
            const list = Uint32Array.from(wanted).sort();
            const slot = new Map<number, number>();
            list.forEach((t, i) => slot.set(t, i));
            const data = await gatherRows(gpu, X, list, ctx.signal, ctx.record);
            return { data: data as ArrayLike<number>, row: (t: number) => slot.get(t)! };
          };
          let train: { data: ArrayLike<number>; row: (t: number) => number };
          if (trainHost) train = { data: trainHost.data, row: (t) => t };
          else {
            const wanted = new Set<number>(chunk.indices);
            if (ctx.X === undefined) for (const q of withCandidates) wanted.add(q);
            train = await gathered(fitX as WebGPUMatrix, wanted);
          }
          let query = train;
          if (ctx.X !== undefined) {
            query = queryHost ? { data: queryHost.data, row: (q) => q } : await gathered(ctx.X as WebGPUMatrix, new Set(withCandidates));
          }
          // Cosine: rows normalised as engine-cpu does, once each (the float32 threshold of a zero norm for float32 rows).
          const unit = (source: { data: ArrayLike<number>; row: (t: number) => number }, float32Rows: boolean) => {
            const cache = new Map<number, Float64Array>();
            return (t: number) => {
              let u = cache.get(t);
              if (!u) cache.set(t, (u = normalizedRow(source.data, source.row(t) * cols, cols, float32Rows)));
              return u;
            };
          };
          const trainFloat32 = !trainHost || trainHost.data instanceof Float32Array;
          const unitTrain = unit(train, trainFloat32);
          const unitQuery = ctx.X === undefined ? unitTrain : unit(query, !queryHost || queryHost.data instanceof Float32Array);
          for (let i = 0; i < chunk.count; i++) {
            const q = chunk.start + i;
            const dist: number[] = [];
            const index: number[] = [];
            const candidates = Array.from(chunk.indices.subarray(chunk.offsets[i], chunk.offsets[i + 1])).sort((x, y) => x - y);
            for (const t of candidates) {
              const d =
                metric === "cosine"
                  ? cosineDistance(unitQuery(q), unitTrain(t))
                  : metric === "minkowski"
                    ? minkowskiDistance(query.data, query.row(q) * cols, train.data, train.row(t) * cols, cols, p)
                    : exactDistance(metric, query.data, query.row(q) * cols, train.data, train.row(t) * cols, cols);
              if (d <= ctx.radius) {
                dist.push(d);
                index.push(t);
              }
            }
            let order = index.map((_, s) => s);
            if (ctx.sortResults) order = order.sort((x, y) => dist[x] - dist[y] || index[x] - index[y]);
            const d64 = Float64Array.from(order, (s) => dist[s]);
            result.distances[q] = float32 ? Float32Array.from(d64) : d64;
            result.indices[q] = Int32Array.from(order, (s) => index[s]);
          }
        },
      );
      return result;
    } finally {
      for (const input of released) input.release();
    }
  };
}
