/**
 * Greedy k-means++ on the device, drawing from the generator as core's reference (`kmeansPlusPlusIndices`) does.
 * X never leaves the device: per center the host reads back only the rows the draws landed on and the candidates'
 * potentials (8 bytes per candidate), and at the end the chosen rows of a resident X (k x d floats).
 *
 * Per center after the first, three kernels:
 * - **search** (one workgroup per draw): finds the first row whose cumulative closest distance reaches the draw,
 *   numpy's `searchsorted` on the running sum. Each invocation sums a contiguous segment of rows, one invocation
 *   adds the segment sums up in order, and the invocation whose segment holds the draw scans it row by row.
 * - **measure** (one invocation per row, 256 rows per workgroup): the candidates' squared distances to every row,
 *   capped by the closest distance so far, summed per workgroup per candidate; **reduce** adds the workgroup sums
 *   up into one potential per candidate, which the host compares (strictly lower wins, as in the reference).
 * - **keep**: the measure kernel again for the winning candidate alone, writing its capped distances as the new
 *   closest ones (recomputed, not stored per candidate: memory stays O(n) whatever the number of trials).
 *
 * The device computes in float32 where the reference computes in float64, so a draw within rounding of a boundary
 * between two rows, or two candidates whose potentials agree to rounding, can come out the other way: the same
 * `randomState` gives the same rows as the reference except at such floating-point ties.
 */
import { NotSupportedByEngineError, kmeansPlusPlusTrials, type RandomState, type TraceRecorder } from "@plugml/core";
import type { Gpu } from "../device.js";
import { tileFloats } from "../options.js";
import type { WebGPUMatrix } from "../resident.js";
import { requireFinite } from "../range.js";
import { range, rowRange, STORAGE_USAGE, stepChunks, WGSL_GROUP_INDEX, writeArray } from "./dispatch.js";
import { Paced } from "./pacing.js";

const WORKGROUP = 256;
/** Most candidates per center: each invocation keeps their distances in private memory, sized at compile time. */
export const MAX_TRIALS = 16;

const measureSource = (tile: number) => /* wgsl */ `
struct Params { rows: u32, cols: u32, trials: u32, blockOffset: u32, groups: u32, capped: u32, keep: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> cand: array<f32>;
@group(0) @binding(3) var<storage, read_write> closest: array<f32>;
@group(0) @binding(4) var<storage, read_write> blockPot: array<f32>;
${WGSL_GROUP_INDEX}
const WG = ${WORKGROUP}u;
var<workgroup> tile: array<f32, ${tile}>;
var<workgroup> red: array<f32, ${WORKGROUP}>;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let g = group_index(wid, nwg);
  if (g >= p.groups) { return; }
  let row = g * WG + lid.x;
  let valid = row < p.rows;
  var dist: array<f32, ${MAX_TRIALS}>;
  let tileRows = ${tile}u / p.cols;
  for (var c0 = 0u; c0 < p.trials; c0 += tileRows) {
    let n = min(tileRows, p.trials - c0);
    workgroupBarrier();
    for (var t = lid.x; t < n * p.cols; t += WG) { tile[t] = cand[c0 * p.cols + t]; }
    workgroupBarrier();
    if (valid) {
      for (var c = 0u; c < n; c++) {
        // Direct differences, as the reference: no |x|^2 - 2 x.c + |c|^2 cancellation.
        var d = 0.0;
        for (var f = 0u; f < p.cols; f++) { let v = x[row * p.cols + f] - tile[c * p.cols + f]; d += v * v; }
        if (p.capped == 1u) { d = min(d, closest[row]); }
        dist[c0 + c] = d;
      }
    }
  }
  if (valid && p.keep == 1u) { closest[row] = dist[0]; }
  for (var t = 0u; t < p.trials; t++) {
    workgroupBarrier();
    red[lid.x] = select(0.0, dist[t], valid);
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
      workgroupBarrier();
      if (lid.x < stride) { red[lid.x] += red[lid.x + stride]; }
    }
    if (lid.x == 0u) { blockPot[(p.blockOffset + g) * p.trials + t] = red[0]; }
  }
}
`;

const REDUCE_SOURCE = /* wgsl */ `
struct Params { blocks: u32, trials: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> blockPot: array<f32>;
@group(0) @binding(2) var<storage, read_write> pots: array<f32>;
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3u) {
  for (var t = 0u; t < p.trials; t++) {
    var s = 0.0;
    for (var b = lid.x; b < p.blocks; b += 256u) { s += blockPot[b * p.trials + t]; }
    workgroupBarrier();
    red[lid.x] = s;
    for (var stride = 128u; stride > 0u; stride = stride / 2u) {
      workgroupBarrier();
      if (lid.x < stride) { red[lid.x] += red[lid.x + stride]; }
    }
    if (lid.x == 0u) { pots[t] = red[0]; }
  }
}
`;

const SEARCH_SOURCE = /* wgsl */ `
struct Params { rows: u32, trials: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> closest: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read_write> ids: array<i32>;
const NONE = 0xffffffffu;
var<workgroup> pre: array<f32, 256>;
var<workgroup> first: atomic<u32>;
var<workgroup> lastPositive: atomic<i32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = wid.x;
  if (t >= p.trials) { return; }
  let goal = targets[t];
  let per = (p.rows + 255u) / 256u;
  let start = min(lid.x * per, p.rows);
  let end = min(start + per, p.rows);
  if (lid.x == 0u) { atomicStore(&first, NONE); atomicStore(&lastPositive, -1); }
  var s = 0.0;
  var positive = -1;
  for (var i = start; i < end; i++) { s += closest[i]; if (closest[i] > 0.0) { positive = i32(i); } }
  pre[lid.x] = s;
  workgroupBarrier();
  // In order, by one invocation, so the prefix sums never decrease (a tree scan rounds differently per prefix).
  if (lid.x == 0u) { for (var j = 1u; j < 256u; j++) { pre[j] = pre[j - 1u] + pre[j]; } }
  atomicMax(&lastPositive, positive);
  workgroupBarrier();
  if (pre[lid.x] >= goal) { atomicMin(&first, lid.x); }
  workgroupBarrier();
  let owner = atomicLoad(&first);
  if (owner == NONE) {
    // The draw is above the total, by rounding (the host drew below its own sum of the same distances): the
    // last row that can be drawn at all.
    if (lid.x == 0u) { ids[t] = max(atomicLoad(&lastPositive), 0); }
    return;
  }
  if (lid.x != owner) { return; }
  var acc = 0.0;
  if (owner > 0u) { acc = pre[owner - 1u]; }
  var last = -1;
  for (var i = start; i < end; i++) {
    acc += closest[i];
    if (closest[i] > 0.0) { last = i32(i); }
    if (acc >= goal) { ids[t] = i32(i); return; }
  }
  // The row-by-row sum fell short of the segment's sum by rounding: the segment's last row that can be drawn.
  ids[t] = max(last, i32(start));
}
`;

/** What one k-means++ computation needs: resident X and where to report. */
export interface PlusPlusInput {
  X: WebGPUMatrix;
  nClusters: number;
  nInit: number;
  random: RandomState;
  maxBindingBytes: number;
  record: TraceRecorder;
  signal?: AbortSignal;
}

/**
 * `nInit` runs of greedy k-means++ on the rows of resident `X`, drawing from `random` as `nInit` calls of core's
 * `kmeansPlusPlusIndices` do; returns each run's row indices in the order chosen. Declines (NotSupportedByEngineError)
 * when a center would need more than {@link MAX_TRIALS} candidates or when one row of distances exceeds a binding.
 */
export async function kmeansPlusPlusOnDevice(gpu: Gpu, a: PlusPlusInput): Promise<Int32Array[]> {
  const { X, nClusters: k, record } = a;
  const { rows: n, cols: d } = X;
  const trials = kmeansPlusPlusTrials(k);
  if (trials > MAX_TRIALS) throw new NotSupportedByEngineError(`k-means++ with nClusters=${k} draws ${trials} candidates per center, more than the ${MAX_TRIALS} the device kernel holds`);
  if (n * 4 > gpu.limits.maxStorageBufferBindingSize) {
    throw new NotSupportedByEngineError(`k-means++ keeps one distance per row in one binding: ${n} rows need ${n * 4} bytes, above the device's ${gpu.limits.maxStorageBufferBindingSize}`);
  }
  const [measure, reduce, search] = await Promise.all([gpu.pipeline(measureSource(tileFloats(gpu))), gpu.pipeline(REDUCE_SOURCE), gpu.pipeline(SEARCH_SOURCE)]);
  const rowBytes = d * 4;
  // Chunk starts are multiples of the workgroup where a binding allows, so that the blocks summed, and so the
  // potentials, do not depend on how the pace splits the rows. Blocks are numbered across chunks.
  const chunks = stepChunks(gpu, n, [rowBytes, 4], a.maxBindingBytes, gpu.pace("lloyd").budget / (trials * d), WORKGROUP).map((chunk) => ({ chunk, groups: Math.ceil(chunk.count / WORKGROUP), firstBlock: 0 }));
  chunks.forEach((c, i) => (c.firstBlock = i === 0 ? 0 : chunks[i - 1].firstBlock + chunks[i - 1].groups));
  const blocks = chunks.at(-1)!.firstBlock + chunks.at(-1)!.groups;
  const { pool } = gpu;
  const closest = pool.acquire(n * 4, STORAGE_USAGE);
  const blockPot = pool.acquire(blocks * trials * 4, STORAGE_USAGE);
  const cand = pool.acquire(trials * rowBytes, STORAGE_USAGE);
  const pots = pool.acquire(trials * 4, STORAGE_USAGE);
  const targets = pool.acquire(trials * 4, STORAGE_USAGE);
  const ids = pool.acquire(trials * 4, STORAGE_USAGE);
  const paced = new Paced(gpu, "lloyd", a.signal);

  /** Queues the distances of `count` candidates (already in `cand`) to every row, and their potentials. */
  const distances = async (count: number, mode: { capped: boolean; keep: boolean }) => {
    for (const { chunk, groups, firstBlock } of chunks) {
      const uniforms = [chunk.count, d, count, firstBlock, groups, mode.capped ? 1 : 0, mode.keep ? 1 : 0];
      await paced.step(chunk.count * count * d, (batch) =>
        batch.dispatch(measure, uniforms, [rowRange(X.buffer, chunk, rowBytes), range(cand, count * rowBytes), rowRange(closest, chunk, 4), range(blockPot, blocks * count * 4)], groups),
      );
    }
  };
  /** Reads back the potentials of `count` candidates measured last. */
  const potentials = async (count: number): Promise<Float32Array> => {
    await paced.step(blocks * count, (batch) => batch.dispatch(reduce, [blocks, count], [range(blockPot, blocks * count * 4), range(pots, count * 4)], 1));
    const values = new Float32Array((await paced.finish([{ buffer: pots, offset: 0, bytes: count * 4 }]))[0]);
    record.bytesFromDevice(count * 4);
    requireFinite(values, "the k-means++ potentials");
    return values;
  };
  /** Queues row `id` of X as candidate `slot`. */
  const setCandidate = (slot: number, id: number) => paced.step(d, (batch) => batch.copy(X.buffer, id * rowBytes, cand, slot * rowBytes, rowBytes));

  try {
    const runs: Int32Array[] = [];
    const draws = new Float32Array(trials);
    for (let run = 0; run < a.nInit; run++) {
      const indices = new Int32Array(k);
      indices[0] = a.random.randInt(n);
      runs.push(indices);
      // One center needs no distance: the reference computes them but draws nothing more.
      if (k === 1) continue;
      await setCandidate(0, indices[0]);
      await distances(1, { capped: false, keep: true });
      let currentPot = (await potentials(1))[0];
      for (let c = 1; c < k; c++) {
        // All draws come first, as in the reference, so the stream consumed per center is fixed.
        for (let t = 0; t < trials; t++) draws[t] = a.random.random() * currentPot;
        writeArray(gpu, targets, 0, draws);
        record.bytesToDevice(trials * 4);
        await paced.step(n * trials, (batch) => batch.dispatch(search, [n, trials], [range(closest, n * 4), range(targets, trials * 4), range(ids, trials * 4)], trials));
        const chosen = new Int32Array((await paced.finish([{ buffer: ids, offset: 0, bytes: trials * 4 }]))[0]);
        record.bytesFromDevice(trials * 4);
        for (let t = 0; t < trials; t++) await setCandidate(t, chosen[t]);
        await distances(trials, { capped: true, keep: false });
        const pot = await potentials(trials);
        let best = 0;
        // Strictly lower: on ties the earlier candidate wins, as in the reference.
        for (let t = 1; t < trials; t++) if (pot[t] < pot[best]) best = t;
        indices[c] = chosen[best];
        currentPot = pot[best];
        if (c + 1 < k) {
          await setCandidate(0, chosen[best]);
          await distances(1, { capped: true, keep: true });
        }
      }
    }
    return runs;
  } finally {
    for (const b of [closest, blockPot, cand, pots, targets, ids]) pool.release(b);
  }
}
