/**
 * Brute-force k-nearest search, as scikit-learn's `kneighbors(algorithm="brute")` and engine-cpu's
 * kernels/neighbors.ts: one invocation per query keeps its running top-k in private memory while tiles of
 * training rows stream through workgroup memory, so no query x train distance matrix ever exists. The same kernel
 * can finish with the vote of a classifier or the average of a regressor, so predictions read back one value
 * (or one row of probabilities) per query instead of k neighbours.
 */
import type { DType, NeighborsMetric } from "@plugml/core";
import type { Gpu } from "../device.js";
import { tileFloats } from "../options.js";
import type { DistanceKind } from "../range.js";
import type { WebGPUMatrix } from "../resident.js";
import { chunkGranule, range, rowRange, STORAGE_USAGE, WGSL_GROUP_INDEX, type RowChunk } from "./dispatch.js";
import type { Paced } from "./pacing.js";

const WORKGROUP = 64;
/** Most training rows per tile (the cosine kernel keeps one norm per tile row). */
const TILE_ROWS = 256;

/** The metric actually computed, as scikit-learn's `effective_metric_`: minkowski with p = 1, 2, inf has exact formulas. */
const METRIC_CODES = { euclidean: 0, manhattan: 1, chebyshev: 2, minkowski: 3, cosine: 4 } as const;

export function effectiveMetric(metric: NeighborsMetric, p: number): DistanceKind {
  if (metric !== "minkowski") return metric;
  return p === 1 ? "manhattan" : p === 2 ? "euclidean" : p === Infinity ? "chebyshev" : "minkowski";
}

/** What the search produces per query. */
export type SearchOutput =
  /** distances and indices of the k nearest, nearest first (ties to the lower training index). */
  | { kind: "neighbors" }
  /** class probabilities (nClasses floats) and the first most probable class. */
  | { kind: "classes"; y: GPUBuffer; nClasses: number; distanceWeights: boolean }
  /** the (weighted) mean of the neighbours' targets. */
  | { kind: "regression"; y: GPUBuffer; distanceWeights: boolean };

const MODES = { neighbors: 0, classes: 1, regression: 2 } as const;

const source = (K: number, mode: number, metric: number, tile: number) => /* wgsl */ `
struct Params { qRows: u32, tRows: u32, cols: u32, qOffset: u32, tOffset: u32, first: u32, last: u32, skipSelf: u32,
  k: u32, nClasses: u32, distanceWeights: u32, groups: u32, p: f32, invP: f32, qZero: f32, tZero: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> t: array<f32>;
// Running top-k of each query between training chunks: K (distance bits, index) pairs. Stored as u32: an index
// bitcast to f32 is a subnormal (or, for -1, a NaN), which WGSL lets implementations flush or canonicalise.
@group(0) @binding(3) var<storage, read_write> state: array<u32>;
@group(0) @binding(4) var<storage, read_write> outF: array<f32>;
@group(0) @binding(5) var<storage, read_write> outI: array<i32>;
@group(0) @binding(6) var<storage, read> y: array<f32>;
${WGSL_GROUP_INDEX}
const K = ${K}u;
const MODE = ${mode}u;
const METRIC = ${metric}u;
const WG = ${WORKGROUP}u;
var<workgroup> tile: array<f32, ${tile}>;
var<workgroup> tscale: array<f32, ${TILE_ROWS}>;

// The norm a row is divided by for cosine; rows whose norm is below zero (ten epsilons of the dtype the data came
// in) are left as they are, as scikit-learn's normalize.
fn cosine_scale(norm2: f32, zero: f32) -> f32 {
  let n = sqrt(norm2);
  return select(n, 1.0, n < zero);
}

// Reduced distance -> distance (the root is taken once per neighbour, not per candidate).
fn true_distance(d: f32) -> f32 {
  if (METRIC == 0u) { return sqrt(d); }
  if (METRIC == 3u) { return select(pow(d, p.invP), 0.0, d == 0.0); }
  return d;
}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let g = group_index(wid, nwg);
  if (g >= p.groups) { return; }
  let qi = g * WG + lid.x;
  let valid = qi < p.qRows;
  let self_index = i32(p.qOffset + qi);
  var bd: array<f32, K>;
  var bi: array<i32, K>;
  for (var s = 0u; s < K; s++) {
    bd[s] = 3.4028234e38;
    bi[s] = -1;
    if (valid && p.first == 0u) {
      bd[s] = bitcast<f32>(state[(qi * K + s) * 2u]);
      bi[s] = bitcast<i32>(state[(qi * K + s) * 2u + 1u]);
    }
  }
  var qs = 1.0;
  if (METRIC == 4u && valid) {
    var s2 = 0.0;
    for (var f = 0u; f < p.cols; f++) { let v = q[qi * p.cols + f]; s2 += v * v; }
    qs = cosine_scale(s2, p.qZero);
  }
  let tileRows = min(${TILE_ROWS}u, ${tile}u / p.cols);
  for (var t0 = 0u; t0 < p.tRows; t0 += tileRows) {
    let n = min(tileRows, p.tRows - t0);
    workgroupBarrier();
    for (var e = lid.x; e < n * p.cols; e += WG) { tile[e] = t[t0 * p.cols + e]; }
    if (METRIC == 4u) {
      workgroupBarrier();
      for (var r = lid.x; r < n; r += WG) {
        var s2 = 0.0;
        for (var f = 0u; f < p.cols; f++) { let v = tile[r * p.cols + f]; s2 += v * v; }
        tscale[r] = cosine_scale(s2, p.tZero);
      }
    }
    workgroupBarrier();
    if (valid) {
      for (var r = 0u; r < n; r++) {
        var d = 0.0;
        for (var f = 0u; f < p.cols; f++) {
          let a = q[qi * p.cols + f];
          let b = tile[r * p.cols + f];
          if (METRIC == 0u) { let v = a - b; d += v * v; }
          else if (METRIC == 1u) { d += abs(a - b); }
          else if (METRIC == 2u) { d = max(d, abs(a - b)); }
          else if (METRIC == 3u) { let v = abs(a - b); if (v > 0.0) { d += pow(v, p.p); } }
          else { d += (a / qs) * (b / tscale[r]); }
        }
        if (METRIC == 4u) { d = clamp(1.0 - d, 0.0, 2.0); }
        let index = i32(p.tOffset + t0 + r);
        // As scikit-learn, a sample is at distance exactly 0 from itself.
        if (p.skipSelf == 1u && index == self_index) { d = 0.0; }
        // Candidates arrive by increasing index: a tie with the worst kept is refused, and an insertion goes after
        // equal distances, so ties keep the lower index first.
        if (d < bd[K - 1u]) {
          var j = K - 1u;
          while (j > 0u && bd[j - 1u] > d) {
            bd[j] = bd[j - 1u];
            bi[j] = bi[j - 1u];
            j--;
          }
          bd[j] = d;
          bi[j] = index;
        }
      }
    }
  }
  if (!valid) { return; }
  if (p.last == 0u) {
    for (var s = 0u; s < K; s++) {
      state[(qi * K + s) * 2u] = bitcast<u32>(bd[s]);
      state[(qi * K + s) * 2u + 1u] = bitcast<u32>(bi[s]);
    }
    return;
  }
  // kneighbors() without X searched k + 1: drop the sample itself, or the first when duplicates crowd it out.
  var dropped = K;
  if (p.skipSelf == 1u) {
    dropped = 0u;
    for (var s = 0u; s < K; s++) { if (bi[s] == self_index) { dropped = s; break; } }
  }
  var anyZero = false;
  for (var s = 0u; s < K; s++) { if (s != dropped && bd[s] == 0.0) { anyZero = true; } }
  if (MODE == 0u) {
    var o = qi * p.k;
    for (var s = 0u; s < K; s++) {
      if (s == dropped) { continue; }
      outF[o] = true_distance(bd[s]);
      outI[o] = bi[s];
      o++;
    }
    return;
  }
  // Weights as scikit-learn's _get_weights: 1/d, or, when some neighbour is at distance 0, 1 for those and 0 else.
  var total = 0.0;
  var value = 0.0;
  let base = qi * p.nClasses;
  if (MODE == 1u) { for (var c = 0u; c < p.nClasses; c++) { outF[base + c] = 0.0; } }
  for (var s = 0u; s < K; s++) {
    if (s == dropped) { continue; }
    var w = 1.0;
    if (p.distanceWeights == 1u) {
      if (anyZero) { w = select(0.0, 1.0, bd[s] == 0.0); } else { w = 1.0 / true_distance(bd[s]); }
    }
    let yv = y[bi[s]];
    if (MODE == 1u) { outF[base + u32(yv)] += w; } else { value += w * yv; }
    total += w;
  }
  if (MODE == 2u) {
    outF[qi] = value / total;
    return;
  }
  var best = 0u;
  for (var c = 0u; c < p.nClasses; c++) {
    if (total != 0.0) { outF[base + c] = outF[base + c] / total; }
    if (outF[base + c] > outF[base + best]) { best = c; }
  }
  outI[qi] = i32(best);
}
`;

/** A search of `queries` among `train`. */
export interface SearchSpec {
  queries: WebGPUMatrix;
  train: WebGPUMatrix;
  metric: NeighborsMetric;
  p: number;
  /** Neighbours per query in the result. */
  k: number;
  /** Queries are the training rows themselves, each left out of its own neighbours. */
  skipSelf: boolean;
  /**
   * Precision the queries and the training set came in: cosine leaves rows whose norm is below ten of its
   * epsilons unnormalised, as scikit-learn and the CPU engine do per input dtype.
   */
  dtypes: { queries: DType; train: DType };
  output: SearchOutput;
  maxBindingBytes: number;
}

/** Bytes per query of the float and int outputs of a search. */
export function outputWidths(spec: Pick<SearchSpec, "k" | "output">): { floats: number; ints: number } {
  const o = spec.output;
  if (o.kind === "neighbors") return { floats: spec.k, ints: spec.k };
  if (o.kind === "classes") return { floats: o.nClasses, ints: 1 };
  return { floats: 1, ints: 0 };
}

/** Fewest queries of a slice: a few workgroups, so that a dispatch is never only a sliver of work. */
const MIN_QUERY_SLICE = 4 * WORKGROUP;
/** Fewest training rows of a slice: one full tile, so that the running top-k is not loaded and stored for less. */
const MIN_TRAIN_SLICE = TILE_ROWS;

/**
 * Records the search as steps of `paced`: one dispatch per (query slice, training slice), the running top-k
 * carried between the training slices of a query slice in a state buffer. Slices are sized from the pace's
 * budget when they start (work = queries x training rows x features): a query slice against the whole training
 * set when that fits, otherwise about square blocks, so that every dispatch is about one submission's work or
 * less and an abort takes effect between them. Slices never exceed one storage binding. `outF` and `outI` receive
 * {@link outputWidths} values per query; `outI` is bound (and left alone) even when that width is 0, so it needs at
 * least 4 bytes.
 */
export async function encodeSearch(gpu: Gpu, paced: Paced, spec: SearchSpec, outF: GPUBuffer, outI: GPUBuffer): Promise<void> {
  const { queries, train, output } = spec;
  const cols = queries.cols;
  const searched = spec.skipSelf ? spec.k + 1 : spec.k;
  const metric = effectiveMetric(spec.metric, spec.p);
  const pipeline = await gpu.pipeline(source(searched, MODES[output.kind], METRIC_CODES[metric], tileFloats(gpu)));
  const widths = outputWidths(spec);
  const stateRow = searched * 8;
  const limit = Math.min(spec.maxBindingBytes, gpu.limits.maxStorageBufferBindingSize);
  const queryRowBytes = [cols * 4, stateRow, widths.floats * 4, widths.ints * 4];
  const queryRule = sliceRule(gpu, queryRowBytes, limit);
  const trainRule = sliceRule(gpu, [cols * 4], limit);
  let state: GPUBuffer | undefined;
  try {
    for (let qStart = 0; qStart < queries.rows; ) {
      const budget = paced.budget;
      const wanted = Math.max(budget / (cols * train.rows), Math.sqrt(budget / cols), MIN_QUERY_SLICE);
      const qc: RowChunk = { start: qStart, count: queryRule.rows(wanted, queries.rows - qStart) };
      qStart += qc.count;
      const groups = Math.ceil(qc.count / WORKGROUP);
      const stateBytes = Math.max(stateRow * qc.count, 4);
      if (!state || state.size < stateBytes) {
        const old = state;
        // Recorded dispatches may still use the old one: it goes back to the pool after their submission.
        if (old) await paced.step(0, (batch) => batch.adopt(old));
        state = gpu.pool.acquire(stateBytes, STORAGE_USAGE);
      }
      const stateRange = range(state, stateBytes);
      for (let tStart = 0; tStart < train.rows; ) {
        const tc: RowChunk = { start: tStart, count: trainRule.rows(Math.max(paced.budget / (cols * qc.count), MIN_TRAIN_SLICE), train.rows - tStart) };
        tStart += tc.count;
        const uniforms = [
          qc.count,
          tc.count,
          cols,
          qc.start,
          tc.start,
          tc.start === 0 ? 1 : 0,
          tStart === train.rows ? 1 : 0,
          spec.skipSelf ? 1 : 0,
          spec.k,
          output.kind === "classes" ? output.nClasses : 0,
          output.kind !== "neighbors" && output.distanceWeights ? 1 : 0,
          groups,
          { f32: spec.p },
          { f32: 1 / spec.p },
          { f32: zeroNorm(spec.dtypes.queries) },
          { f32: zeroNorm(spec.dtypes.train) },
        ];
        const bindings = [
          rowRange(queries.buffer, qc, cols * 4),
          rowRange(train.buffer, tc, cols * 4),
          stateRange,
          rowRange(outF, qc, widths.floats * 4),
          widths.ints > 0 ? rowRange(outI, qc, widths.ints * 4) : range(outI, 4),
          // kneighbors reads no targets; this slice's training rows stand in (read-only aliasing is allowed). Not
          // the whole training set: that can exceed one binding, which is why it is sliced.
          output.kind === "neighbors" ? rowRange(train.buffer, tc, cols * 4) : range(output.y, train.rows * 4),
        ];
        await paced.step(qc.count * tc.count * cols, (batch) => batch.dispatch(pipeline, uniforms, bindings, groups));
      }
    }
  } catch (e) {
    // Nothing recorded is pending after a failure (an abort discards the batch being recorded).
    if (state) gpu.pool.release(state);
    throw e;
  }
  const last = state;
  if (last) await paced.step(0, (batch) => batch.adopt(last));
}

/** Ten machine epsilons of a dtype: scikit-learn's threshold below which a norm counts as zero. */
function zeroNorm(dtype: DType): number {
  return 10 * (dtype === "float32" ? 2 ** -23 : Number.EPSILON);
}

/** How many rows a slice over buffers of `rowBytes` bytes per row may have: a multiple of the alignment granule, within one binding. */
function sliceRule(gpu: Gpu, rowBytes: readonly number[], limitBytes: number) {
  const granule = chunkGranule(gpu, rowBytes);
  const widest = Math.max(4, ...rowBytes);
  if (granule * widest > gpu.limits.maxStorageBufferBindingSize) {
    throw new Error(`WebGPU: ${granule} rows of ${widest} bytes exceed one storage binding (${gpu.limits.maxStorageBufferBindingSize} bytes).`);
  }
  const most = Math.max(granule, Math.floor(limitBytes / widest / granule) * granule);
  return {
    /** About `wanted` rows (rounded down to the granule, at least one granule), at most `left` and the binding's worth. */
    rows: (wanted: number, left: number) => Math.min(left, most, Math.max(granule, Math.floor(wanted / granule) * granule)),
  };
}
