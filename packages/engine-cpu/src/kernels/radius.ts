/**
 * The exact radius search: every training row within a radius of each query, with the distances `kNearest` reports
 * (same scaling, same full-range path), so that `radiusNeighbors` and `kneighbors` agree on every pair. This is the
 * reference the fast path (`fast/radius.ts`) and engine-webgpu must reproduce exactly.
 */
import type { Matrix } from "@plugml/core";
import { reducedDistance, reducedToDistance, type MetricSpec } from "./metrics.js";
import { distanceScale } from "./neighbors.js";
import { scaledMatrix } from "./range.js";
import { assertSameCols } from "./shape.js";
import { STEP_WORK, drain, type Steps } from "./steps.js";
import { wideDistance, wideToDistance } from "./wide.js";

/** Neighbours within the radius, one array per query: distances in the queries' dtype, aligned indices. */
export interface RadiusResult {
  distances: (Float32Array | Float64Array)[];
  indices: Int32Array[];
}

/** Options of {@link radiusNeighbors}. */
export interface RadiusOptions {
  /** The queries are the training rows themselves and each row is left out of its own neighbours. */
  skipSelf?: boolean;
  /** Nearest first, equal distances by index; otherwise by ascending index. */
  sortResults?: boolean;
}

/**
 * A function giving the float64 distance between query row q and train row t exactly as `kNearest` computes it:
 * on data scaled into float64's range by a power of two, or on the per-pair full-range path when no single scale
 * fits. When the queries are the training rows (`selfAligned`) a row's distance to itself is 0, as in `kNearest`.
 */
export function exactDistance(queries: Matrix, train: Matrix, spec: MetricSpec, selfAligned: boolean): (q: number, t: number) => number {
  const scale = distanceScale(spec, queries, train);
  const { cols } = train;
  if (scale === undefined) {
    const keys = new Float64Array(2);
    return (q, t) => {
      if (selfAligned && q === t) return 0;
      wideDistance(spec.p, queries.data, q * cols, train.data, t * cols, cols, keys);
      return wideToDistance(keys[0], keys[1]);
    };
  }
  const scaledQueries = scaledMatrix(queries, scale);
  const reduced = reducedDistance(spec, scaledQueries, queries === train ? scaledQueries : scaledMatrix(train, scale));
  const unscale = 2 ** -scale;
  return (q, t) => (selfAligned && q === t ? 0 : reducedToDistance(spec, reduced(q, t)) * unscale);
}

/** Growable buffers of one query's matches (reused across queries, so memory follows the largest answer). */
export class MatchBuffer {
  dist = new Float64Array(64);
  index = new Int32Array(64);
  size = 0;

  push(d: number, t: number): void {
    if (this.size === this.dist.length) {
      const dist = new Float64Array(this.size * 2);
      dist.set(this.dist);
      const index = new Int32Array(this.size * 2);
      index.set(this.index);
      this.dist = dist;
      this.index = index;
    }
    this.dist[this.size] = d;
    this.index[this.size++] = t;
  }

  /**
   * The matches as the result's arrays, in the queries' dtype, and empties the buffer. They were pushed by
   * ascending index; with `sorted` they are reordered by (distance, index), the float64 distance deciding.
   */
  take(float32: boolean, sorted: boolean): { distances: Float32Array | Float64Array; indices: Int32Array } {
    const n = this.size;
    this.size = 0;
    let indices = this.index.slice(0, n);
    let dist = this.dist.subarray(0, n);
    if (sorted) {
      const order = Array.from({ length: n }, (_, s) => s).sort((a, b) => dist[a] - dist[b] || indices[a] - indices[b]);
      dist = Float64Array.from(order, (s) => dist[s]);
      indices = Int32Array.from(order, (s) => indices[s]);
    }
    return { distances: float32 ? Float32Array.from(dist) : dist.slice(), indices };
  }
}

/**
 * Every row of `train` at distance <= `radius` from each row of `queries` under `spec` (scikit-learn's brute-force
 * `radius_neighbors`, inclusive), with `kNearest`'s distances. With `skipSelf` the queries must be the training
 * rows and row q is left out of query q's neighbours (by index, so its duplicates stay, as scikit-learn).
 *
 * @throws RangeError when the column counts differ or `skipSelf` is given with queries of another length.
 */
export function radiusNeighbors(queries: Matrix, train: Matrix, radius: number, spec: MetricSpec, options: RadiusOptions = {}): RadiusResult {
  return drain(radiusNeighborsSteps(queries, train, radius, spec, options));
}

/** {@link radiusNeighbors} as a step generator (see `Steps`), yielding between queries. */
export function* radiusNeighborsSteps(queries: Matrix, train: Matrix, radius: number, spec: MetricSpec, options: RadiusOptions = {}): Steps<RadiusResult> {
  const skipSelf = checkRadiusArgs(queries, train, options);
  const distance = exactDistance(queries, train, spec, skipSelf || queries === train);
  const buffer = new MatchBuffer();
  const float32 = queries.dtype === "float32";
  const result: RadiusResult = { distances: new Array(queries.rows), indices: new Array(queries.rows) };
  const cost = train.rows * train.cols;
  let work = 0;
  for (let q = 0; q < queries.rows; q++) {
    for (let t = 0; t < train.rows; t++) {
      if (skipSelf && t === q) continue;
      const d = distance(q, t);
      if (d <= radius) buffer.push(d, t);
    }
    const found = buffer.take(float32, options.sortResults === true);
    result.distances[q] = found.distances;
    result.indices[q] = found.indices;
    if ((work += cost) >= STEP_WORK) {
      work = 0;
      yield;
    }
  }
  return result;
}

/** Checks the arguments of a radius search; returns whether the query's own row is skipped. */
export function checkRadiusArgs(queries: Matrix, train: Matrix, options: RadiusOptions): boolean {
  assertSameCols(queries, train, "radiusNeighbors");
  const skipSelf = options.skipSelf === true;
  if (skipSelf && queries.rows !== train.rows) {
    throw new RangeError(`radiusNeighbors: skipSelf needs the training rows as queries, got ${queries.rows} rows for ${train.rows}.`);
  }
  return skipSelf;
}
