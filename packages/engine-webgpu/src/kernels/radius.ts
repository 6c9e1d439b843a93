/**
 * Candidates of a radius search: the device computes float32 reduced distances (squared euclidean, manhattan,
 * chebyshev) and keeps every (query, training row) pair whose value is <= a threshold that the caller has widened
 * by a rigorous bound of float32's error (see `radiusThreshold` in ../radius.ts), so that no true neighbour is
 * missed. Two passes: one counts each query's candidates, the host turns the counts into offsets, and a second
 * writes the candidates' training indices (by ascending index) into an output sized by those counts, chunked over
 * queries so that memory follows the output. The host then decides every candidate with the exact float64 formula.
 */
import type { Gpu } from "../device.js";
import { uploadArray } from "../resident.js";
import type { WebGPUMatrix } from "../resident.js";
import type { TraceRecorder } from "@plugml/core";
import { chunkGranule, range, rowRange, stepChunks, STORAGE_USAGE, WGSL_GROUP_INDEX, type RowChunk } from "./dispatch.js";
import { Paced } from "./pacing.js";

const WORKGROUP = 64;
/** Metric codes of the candidate kernel. */
export const RADIUS_METRICS = { euclidean: 0, manhattan: 1, chebyshev: 2 } as const;
export type RadiusMetric = keyof typeof RADIUS_METRICS;
/** Most candidate indices one write chunk holds (64 MiB of output). */
const MAX_CHUNK_PAIRS = 2 ** 24;

const source = (metric: number, write: boolean) => /* wgsl */ `
struct Params { qRows: u32, tRows: u32, cols: u32, qOffset: u32, tOffset: u32, first: u32, skipSelf: u32, groups: u32, threshold: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> t: array<f32>;
// Count pass: each query's candidates so far. Write pass: each query's next position in out.
@group(0) @binding(3) var<storage, read_write> cursor: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<i32>;
${WGSL_GROUP_INDEX}
const METRIC = ${metric}u;
const WRITE = ${write ? 1 : 0}u;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let g = group_index(wid, nwg);
  if (g >= p.groups) { return; }
  let qi = g * ${WORKGROUP}u + lid.x;
  if (qi >= p.qRows) { return; }
  var c = 0u;
  if (WRITE == 1u || p.first == 0u) { c = cursor[qi]; }
  let self_index = p.qOffset + qi;
  for (var r = 0u; r < p.tRows; r++) {
    let index = p.tOffset + r;
    if (p.skipSelf == 1u && index == self_index) { continue; }
    var d = 0.0;
    for (var f = 0u; f < p.cols; f++) {
      let v = q[qi * p.cols + f] - t[r * p.cols + f];
      if (METRIC == 0u) { d += v * v; }
      else if (METRIC == 1u) { d += abs(v); }
      else { d = max(d, abs(v)); }
    }
    if (d <= p.threshold) {
      if (WRITE == 1u) { out[c] = i32(index); }
      c++;
    }
  }
  cursor[qi] = c;
}
`;

/** Copies the listed rows of a matrix into a compact buffer (the candidates' training rows for the exact check). */
const gatherSource = /* wgsl */ `
struct Params { n: u32, cols: u32, groups: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> rows: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
${WGSL_GROUP_INDEX}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let g = group_index(wid, nwg);
  if (g >= p.groups) { return; }
  let e = g * ${WORKGROUP}u + lid.x;
  if (e >= p.n * p.cols) { return; }
  let i = e / p.cols;
  dst[e] = src[rows[i] * p.cols + (e - i * p.cols)];
}
`;

export interface CandidateSpec {
  queries: WebGPUMatrix;
  train: WebGPUMatrix;
  metric: RadiusMetric;
  /** Reduced float32 threshold (already widened by the error bound). */
  threshold: number;
  skipSelf: boolean;
  maxBindingBytes: number;
  signal: AbortSignal | undefined;
  record: TraceRecorder;
}

/** One write chunk's answer: queries [start, start + count), candidates of query q at offsets[q - start] .. offsets[q - start + 1]. */
export interface CandidateChunk {
  start: number;
  count: number;
  offsets: Uint32Array;
  indices: Int32Array;
}

/**
 * Counts and writes the candidate pairs, calling `consume` for each write chunk in query order (so that the
 * caller's exact check of one chunk happens before the next chunk's output is allocated).
 *
 * @throws Error when the candidates of one alignment granule of queries exceed one storage binding.
 */
export async function radiusCandidates(gpu: Gpu, spec: CandidateSpec, consume: (chunk: CandidateChunk) => Promise<void> | void): Promise<void> {
  const { queries, train } = spec;
  const cols = queries.cols;
  const limit = Math.min(spec.maxBindingBytes, gpu.limits.maxStorageBufferBindingSize);
  const counter = await gpu.pipeline(source(RADIUS_METRICS[spec.metric], false));
  const writer = await gpu.pipeline(source(RADIUS_METRICS[spec.metric], true));
  const paced = new Paced(gpu, "neighbors", spec.signal);
  const budget = paced.budget;
  const qChunks = stepChunks(gpu, queries.rows, [cols * 4, 4], limit, Math.max(256, budget / Math.max(1, cols * train.rows)));
  const tChunks = stepChunks(gpu, train.rows, [cols * 4], limit, Math.max(256, budget / Math.max(1, cols * 256)));
  const uniforms = (qc: RowChunk, tc: RowChunk) => [qc.count, tc.count, cols, qc.start, tc.start, tc.start === 0 ? 1 : 0, spec.skipSelf ? 1 : 0, Math.ceil(qc.count / WORKGROUP), { f32: spec.threshold }];
  const dummy = gpu.pool.acquire(4, STORAGE_USAGE);
  const counts = gpu.pool.acquire(Math.max(queries.rows * 4, 4), STORAGE_USAGE);
  try {
    // Count pass.
    for (const qc of qChunks) {
      for (const tc of tChunks) {
        const bindings = [rowRange(queries.buffer, qc, cols * 4), rowRange(train.buffer, tc, cols * 4), rowRange(counts, qc, 4), range(dummy, 4)];
        await paced.step(qc.count * tc.count * cols, (batch) => batch.dispatch(counter, uniforms(qc, tc), bindings, Math.ceil(qc.count / WORKGROUP)));
      }
    }
    const [countBytes] = await paced.finish([{ buffer: counts, offset: 0, bytes: Math.max(queries.rows * 4, 4) }]);
    spec.record.bytesFromDevice(queries.rows * 4);
    const perQuery = new Uint32Array(countBytes, 0, queries.rows);
    // Write chunks: granule-aligned runs of queries whose candidates fit MAX_CHUNK_PAIRS (and one binding).
    const granule = chunkGranule(gpu, [cols * 4, 4]);
    const most = Math.min(MAX_CHUNK_PAIRS, Math.floor(limit / 4));
    const rowsPerChunk = qChunks.length > 0 ? qChunks[0].count : 0;
    for (let start = 0; start < queries.rows; ) {
      let end = start;
      let total = 0;
      while (end < queries.rows) {
        const next = Math.min(end + granule, queries.rows);
        let add = 0;
        for (let i = end; i < next; i++) add += perQuery[i];
        if (end > start && (total + add > most || next - start > rowsPerChunk)) break;
        if (add > Math.floor(limit / 4)) throw new Error(`WebGPU: ${add} radius candidates of ${next - end} queries exceed one storage binding.`);
        total += add;
        end = next;
      }
      const qc: RowChunk = { start, count: end - start };
      const offsets = new Uint32Array(qc.count + 1);
      for (let i = 0; i < qc.count; i++) offsets[i + 1] = offsets[i] + perQuery[start + i];
      let indices = new Int32Array(0);
      if (total > 0) {
        const cursor = uploadArray(gpu, offsets.subarray(0, qc.count), spec.record, "radius offsets");
        const out = gpu.pool.acquire(total * 4, STORAGE_USAGE);
        try {
          for (const tc of tChunks) {
            const bindings = [rowRange(queries.buffer, qc, cols * 4), rowRange(train.buffer, tc, cols * 4), range(cursor, qc.count * 4), range(out, total * 4)];
            await paced.step(qc.count * tc.count * cols, (batch) => batch.dispatch(writer, uniforms(qc, tc), bindings, Math.ceil(qc.count / WORKGROUP)));
          }
          const [bytes] = await paced.finish([{ buffer: out, offset: 0, bytes: total * 4 }]);
          spec.record.bytesFromDevice(total * 4);
          indices = new Int32Array(bytes, 0, total);
        } finally {
          gpu.pool.release(cursor);
          gpu.pool.release(out);
        }
      }
      await consume({ start, count: qc.count, offsets, indices });
      start = end;
    }
  } finally {
    gpu.pool.release(dummy);
    gpu.pool.release(counts);
  }
}

/**
 * The listed rows of `X` (ascending, distinct), read back through a gather: only those rows cross to the host.
 *
 * @throws Error when X exceeds one storage binding.
 */
export async function gatherRows(gpu: Gpu, X: WebGPUMatrix, rows: Uint32Array, signal: AbortSignal | undefined, record: TraceRecorder): Promise<Float32Array> {
  const n = rows.length;
  if (n === 0) return new Float32Array(0);
  const bytes = X.rows * X.cols * 4;
  if (bytes > gpu.limits.maxStorageBufferBindingSize) throw new Error(`WebGPU: the training set (${bytes} bytes) exceeds one storage binding for the gather of candidate rows.`);
  const pipeline = await gpu.pipeline(gatherSource);
  const list = uploadArray(gpu, rows, record, "radius candidate rows");
  const dst = gpu.pool.acquire(n * X.cols * 4, STORAGE_USAGE);
  try {
    const paced = new Paced(gpu, "neighbors", signal);
    const groups = Math.ceil((n * X.cols) / WORKGROUP);
    await paced.step(n * X.cols, (batch) => batch.dispatch(pipeline, [n, X.cols, groups], [range(X.buffer, bytes), range(list, n * 4), range(dst, n * X.cols * 4)], groups));
    const [out] = await paced.finish([{ buffer: dst, offset: 0, bytes: n * X.cols * 4 }]);
    record.bytesFromDevice(n * X.cols * 4);
    return new Float32Array(out, 0, n * X.cols);
  } finally {
    gpu.pool.release(list);
    gpu.pool.release(dst);
  }
}
