/**
 * Lloyd's algorithm on the device, as scikit-learn 1.2.1's `_kmeans_single_lloyd` (and engine-cpu's
 * kernels/lloyd.ts): a fused kernel assigns rows to their nearest center and accumulates per-workgroup weighted
 * sums, a column reduction adds them up, and a one-workgroup kernel computes the new centers, their squared
 * shift and the number of empty clusters. Per iteration the host reads 16 bytes of status; only an empty cluster
 * (rare) brings more back, since relocating it needs a sort of all distances.
 */
import type { IterationInfo, TraceRecorder } from "@plugml/core";
import type { Gpu } from "../device.js";
import { tileFloats } from "../options.js";
import type { WebGPUMatrix } from "../resident.js";
import { requireFinite } from "../range.js";
import { ColumnReducer } from "./columns.js";
import { Batch, chunkGranule, lcm, range, rowRange, STORAGE_USAGE, stepChunks, WGSL_GROUP_INDEX, writeArray, type RowChunk } from "./dispatch.js";
import { Paced } from "./pacing.js";

const WORKGROUP = 256;
/** Upper bound on the per-workgroup partial sums of one pass, so that huge k x d cannot exhaust the device. */
const PARTIALS_BYTES = 32 * 1024 * 1024;

const assignSource = (tile: number) => /* wgsl */ `
struct Params { rows: u32, cols: u32, k: u32, rowsPerGroup: u32, groupOffset: u32, groups: u32, weighted: u32, sumEntries: u32, fixed: u32, first: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> centers: array<f32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> labels: array<i32>;
@group(0) @binding(5) var<storage, read_write> sqdist: array<f32>;
@group(0) @binding(6) var<storage, read_write> partials: array<f32>;
${WGSL_GROUP_INDEX}
const WG = ${WORKGROUP}u;
var<workgroup> tile: array<f32, ${tile}>;
var<workgroup> lbl: array<i32, ${WORKGROUP}>;
var<workgroup> wt: array<f32, ${WORKGROUP}>;
var<workgroup> chg: array<f32, ${WORKGROUP}>;
var<workgroup> ine: array<f32, ${WORKGROUP}>;

fn sq_to_center(row: u32, c: u32) -> f32 {
  var d = 0.0;
  for (var f = 0u; f < p.cols; f++) { let v = x[row * p.cols + f] - centers[c * p.cols + f]; d += v * v; }
  return d;
}

// Each workgroup owns one row of partials: per (cluster, feature) weighted sums, per cluster the weight (feature
// index cols), then the number of changed labels and the weighted inertia. Rows arrive in sub-blocks of WG, one per
// invocation; the centers stream through workgroup memory in tiles.
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let g = group_index(wid, nwg);
  if (g >= p.groups) { return; }
  let entries = p.sumEntries + 2u;
  let base = (p.groupOffset + g) * entries;
  for (var e = lid.x; e < entries; e += WG) { partials[base + e] = 0.0; }
  let tileRows = ${tile}u / p.cols;
  let r0 = g * p.rowsPerGroup;
  for (var sb = 0u; sb < p.rowsPerGroup; sb += WG) {
    let row = r0 + sb + lid.x;
    let valid = row < p.rows;
    var best = 0.0;
    var label = 0;
    if (p.fixed == 1u) {
      if (valid) { label = labels[row]; best = sq_to_center(row, u32(label)); }
    } else {
      best = 3.4028234e38;
      for (var c0 = 0u; c0 < p.k; c0 += tileRows) {
        let n = min(tileRows, p.k - c0);
        workgroupBarrier();
        for (var t = lid.x; t < n * p.cols; t += WG) { tile[t] = centers[c0 * p.cols + t]; }
        workgroupBarrier();
        if (valid) {
          for (var c = 0u; c < n; c++) {
            var d = 0.0;
            for (var f = 0u; f < p.cols; f++) { let v = x[row * p.cols + f] - tile[c * p.cols + f]; d += v * v; }
            // Strictly smaller: ties go to the lowest center index, as numpy's argmin.
            if (d < best) { best = d; label = i32(c0 + c); }
          }
        }
      }
    }
    var changed = 0.0;
    var w = 0.0;
    if (valid) {
      if (p.fixed == 0u) {
        if (p.first == 1u || labels[row] != label) { changed = 1.0; }
        labels[row] = label;
      }
      sqdist[row] = best;
      w = 1.0;
      if (p.weighted == 1u) { w = weights[row]; }
    }
    lbl[lid.x] = select(-1, label, valid);
    wt[lid.x] = w;
    chg[lid.x] = changed;
    ine[lid.x] = w * best;
    workgroupBarrier();
    let span = min(WG, p.rows - min(p.rows, r0 + sb));
    for (var e = lid.x; e < entries; e += WG) {
      var acc = 0.0;
      if (e < p.sumEntries) {
        let c = i32(e / (p.cols + 1u));
        let f = e % (p.cols + 1u);
        for (var r = 0u; r < span; r++) {
          if (lbl[r] == c) {
            if (f < p.cols) { acc += wt[r] * x[(r0 + sb + r) * p.cols + f]; } else { acc += wt[r]; }
          }
        }
      } else if (e == p.sumEntries) {
        for (var r = 0u; r < span; r++) { acc += chg[r]; }
      } else {
        for (var r = 0u; r < span; r++) { acc += ine[r]; }
      }
      partials[base + e] += acc;
    }
    workgroupBarrier();
  }
}
`;

const UPDATE_SOURCE = /* wgsl */ `
struct Params { k: u32, cols: u32, sumEntries: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> totals: array<f32>;
@group(0) @binding(2) var<storage, read> old: array<f32>;
@group(0) @binding(3) var<storage, read_write> next: array<f32>;
// changed labels, inertia against the old centers, total squared shift, empty clusters
@group(0) @binding(4) var<storage, read_write> status: array<f32, 4>;
var<workgroup> sh: array<f32, 256>;
var<workgroup> em: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3u) {
  var shift = 0.0;
  var empty = 0.0;
  for (var c = lid.x; c < p.k; c += 256u) {
    let w = totals[c * (p.cols + 1u) + p.cols];
    var s = 0.0;
    for (var f = 0u; f < p.cols; f++) {
      // An empty cluster keeps its raw sum, as scikit-learn's _average_centers; the host relocates it anyway.
      var v = totals[c * (p.cols + 1u) + f];
      if (w > 0.0) { v = v / w; }
      next[c * p.cols + f] = v;
      let d = v - old[c * p.cols + f];
      s += d * d;
    }
    shift += s;
    if (w == 0.0) { empty += 1.0; }
  }
  sh[lid.x] = shift;
  em[lid.x] = empty;
  for (var stride = 128u; stride > 0u; stride = stride / 2u) {
    workgroupBarrier();
    if (lid.x < stride) { sh[lid.x] += sh[lid.x + stride]; em[lid.x] += em[lid.x + stride]; }
  }
  if (lid.x == 0u) {
    status[0] = totals[p.sumEntries];
    status[1] = totals[p.sumEntries + 1u];
    status[2] = sh[0];
    status[3] = em[0];
  }
}
`;

/** Where the rows of `X` go: chunks that fit one binding, and per chunk the workgroups and rows per workgroup. */
interface AssignPlan {
  chunks: { chunk: RowChunk; groups: number; rowsPerGroup: number; groupOffset: number }[];
  totalGroups: number;
}

function planAssign(gpu: Gpu, rows: number, cols: number, k: number, maxBindingBytes: number): AssignPlan {
  const rowBytes = [cols * 4, 4];
  const entryBytes = (k * (cols + 1) + 2) * 4;
  const budget = Math.min(PARTIALS_BYTES, gpu.limits.maxStorageBufferBindingSize);
  const maxGroups = Math.max(1, Math.floor(budget / entryBytes));
  const blocks = Math.ceil(rows / WORKGROUP);
  // Rows per workgroup follow from the shape alone (within one binding), never from the pace: each workgroup's
  // partial sums, and so the result, are the same however the chunks below split the rows.
  const unit = lcm(WORKGROUP, chunkGranule(gpu, rowBytes));
  const bindingRows = Math.floor(Math.min(maxBindingBytes, gpu.limits.maxStorageBufferBindingSize) / (cols * 4));
  const rowsPerGroup = Math.min(WORKGROUP * Math.ceil(blocks / Math.min(blocks, maxGroups)), Math.max(unit, Math.floor(bindingRows / unit) * unit));
  // A chunk is one dispatch, a step a paced submission can end after: at most about one submission's work.
  const chunks = stepChunks(gpu, rows, rowBytes, maxBindingBytes, gpu.pace("lloyd").budget / (k * cols), rowsPerGroup);
  let groupOffset = 0;
  const planned = chunks.map((chunk) => {
    const groups = Math.ceil(chunk.count / rowsPerGroup);
    const entry = { chunk, groups, rowsPerGroup, groupOffset };
    groupOffset += groups;
    return entry;
  });
  return { chunks: planned, totalGroups: groupOffset };
}

/** Device buffers of a KMeans computation on one X. */
interface AssignBuffers {
  X: WebGPUMatrix;
  /** Sample weights (float32, one per row), or undefined when all are 1. */
  weights?: GPUBuffer;
  labels: GPUBuffer;
  sqdist: GPUBuffer;
  /** Per-workgroup partial sums of a pass ({@link LloydKernels.partialsBytes}); a pass spans submissions. */
  partials: GPUBuffer;
}

/** The compiled KMeans kernels for one device, with the plan for one X and k. */
export class LloydKernels {
  private constructor(
    private readonly assign: GPUComputePipeline,
    private readonly update: GPUComputePipeline,
    private readonly reducer: ColumnReducer,
    private readonly plan: AssignPlan,
    private readonly cols: number,
    private readonly k: number,
  ) {}

  /**
   * Compiles the kernels (cached per device) and plans the passes over `rows` x `cols` with `k` centers.
   * Centers stream through workgroup memory, so a row must fit one tile (checked by `accepts`).
   */
  static async create(gpu: Gpu, rows: number, cols: number, k: number, maxBindingBytes: number): Promise<LloydKernels> {
    const [assign, update, reducer] = await Promise.all([gpu.pipeline(assignSource(tileFloats(gpu))), gpu.pipeline(UPDATE_SOURCE), ColumnReducer.create(gpu)]);
    return new LloydKernels(assign, update, reducer, planAssign(gpu, rows, cols, k, maxBindingBytes), cols, k);
  }

  /** Floats of partial sums one workgroup writes (and of the totals they reduce to). */
  private entries(withSums: boolean): number {
    return (withSums ? this.k * (this.cols + 1) : 0) + 2;
  }

  /** Bytes of the `totals` of a pass with sums. */
  get totalsBytes(): number {
    return this.entries(true) * 4;
  }

  /** Bytes of the partial sums of a pass with sums (the largest a pass writes). */
  get partialsBytes(): number {
    return this.plan.totalGroups * this.entries(true) * 4;
  }

  /**
   * Records one assignment pass over every chunk, one step each, and the reduction of its partials into `totals`:
   * `k * (cols + 1)` sums (cluster feature sums, then the cluster weight) when `withSums`, then the number of
   * changed labels and the weighted inertia. `fixed` keeps the labels and measures the distance to them.
   */
  async assignPass(paced: Paced, b: AssignBuffers, centers: GPUBuffer, totals: GPUBuffer, mode: { withSums: boolean; fixed: boolean; first: boolean }): Promise<void> {
    const { cols, k } = this;
    const entries = this.entries(mode.withSums);
    const partials = range(b.partials, this.plan.totalGroups * entries * 4);
    const centerBytes = k * cols * 4;
    for (const { chunk, groups, rowsPerGroup, groupOffset } of this.plan.chunks) {
      const uniforms = [chunk.count, cols, k, rowsPerGroup, groupOffset, groups, b.weights ? 1 : 0, entries - 2, mode.fixed ? 1 : 0, mode.first ? 1 : 0];
      await paced.step(chunk.count * k * cols, (batch) =>
        batch.dispatch(
          this.assign,
          uniforms,
          [
            rowRange(b.X.buffer, chunk, cols * 4),
            range(centers, centerBytes),
            // Unweighted passes never read binding 3; X stands in (read-only aliasing is allowed, read-write is not).
            b.weights ? rowRange(b.weights, chunk, 4) : rowRange(b.X.buffer, chunk, cols * 4),
            rowRange(b.labels, chunk, 4),
            rowRange(b.sqdist, chunk, 4),
            partials,
          ],
          groups,
        ),
      );
    }
    await paced.step(this.plan.totalGroups * entries, (batch) => this.reducer.reduce(batch, b.partials, this.plan.totalGroups, entries, totals));
  }

  /** Encodes the center update from reduced `totals`, writing the new centers to `next` and 4 floats to `status`. */
  encodeUpdate(batch: Batch, totals: GPUBuffer, old: GPUBuffer, next: GPUBuffer, status: GPUBuffer): void {
    const { cols, k } = this;
    const bytes = k * cols * 4;
    batch.dispatch(this.update, [k, cols, this.entries(true) - 2], [range(totals, this.totalsBytes), range(old, bytes), range(next, bytes), range(status, 16)], 1);
  }
}

/** Outcome of one Lloyd run; its buffers stay on the device until `release`. */
export interface LloydRun {
  centers: GPUBuffer;
  labels: GPUBuffer;
  inertia: number;
  nIter: number;
  release(): void;
}

/** Inputs of {@link lloyd} shared by every initialisation. */
export interface LloydInput {
  X: WebGPUMatrix;
  weights?: GPUBuffer;
  /** Host copy of the sample weights, needed only to relocate empty clusters. */
  sampleWeight: Float64Array;
  maxIter: number;
  tolAbs: number;
  record: TraceRecorder;
  report(info: IterationInfo): "continue" | "stop";
  /** Cancellation, checked between the submissions within an iteration (core checks it between iterations). */
  signal?: AbortSignal;
}

/**
 * Lloyd's algorithm from `init` (k x cols float32 centers), with `kernels` planned for `input.X` and k: stops when the labels repeat (strict convergence),
 * when the total squared center shift is at most `tolAbs`, after `maxIter` iterations, or when `report` returns
 * "stop". Unless the labels converged strictly, they are reassigned to the final centers; the inertia is that of
 * the final labels against the final centers.
 */
export async function lloyd(gpu: Gpu, kernels: LloydKernels, input: LloydInput, init: Float32Array): Promise<LloydRun> {
  const { X, record } = input;
  const { rows, cols } = X;
  const k = init.length / cols;
  const { pool } = gpu;
  const centerBytes = k * cols * 4;
  let current = pool.acquire(centerBytes, STORAGE_USAGE);
  writeArray(gpu, current, 0, init, () => record.conversion("initial centers SharedArrayBuffer -> copy"));
  record.bytesToDevice(centerBytes);
  let next = pool.acquire(centerBytes, STORAGE_USAGE);
  const labels = pool.acquire(rows * 4, STORAGE_USAGE);
  const sqdist = pool.acquire(rows * 4, STORAGE_USAGE);
  const totals = pool.acquire(kernels.totalsBytes, STORAGE_USAGE);
  const status = pool.acquire(16, STORAGE_USAGE);
  const partials = pool.acquire(kernels.partialsBytes, STORAGE_USAGE);
  const buffers: AssignBuffers = { X, weights: input.weights, labels, sqdist, partials };
  const scratch = () => [next, sqdist, totals, status, partials].forEach((b) => pool.release(b));
  const paced = new Paced(gpu, "lloyd", input.signal);
  try {
    let strict = false;
    let nIter = 0;
    while (nIter < input.maxIter) {
      await kernels.assignPass(paced, buffers, current, totals, { withSums: true, fixed: false, first: nIter === 0 });
      await paced.step(k * cols, (batch) => kernels.encodeUpdate(batch, totals, current, next, status));
      const values = new Float32Array((await paced.finish([{ buffer: status, offset: 0, bytes: 16 }]))[0]);
      record.bytesFromDevice(16);
      requireFinite(values, "KMeans' inertia and center shift");
      const [changed, , gpuShift, empty] = values;
      const shift = empty > 0 ? await relocateEmptyClusters(gpu, input, buffers, totals, current, next, k) : gpuShift;
      [current, next] = [next, current];
      nIter++;
      strict = changed === 0;
      const converged = strict || shift <= input.tolAbs;
      const action = input.report({ iteration: nIter, centerShift: shift, converged });
      if (converged || action === "stop") break;
    }
    // Strict convergence leaves labels that match the final centers already; otherwise reassign (scikit-learn).
    await kernels.assignPass(paced, buffers, current, totals, { withSums: false, fixed: strict, first: false });
    const inertia = new Float32Array((await paced.finish([{ buffer: totals, offset: 4, bytes: 4 }]))[0])[0];
    record.bytesFromDevice(4);
    requireFinite([inertia], "KMeans' inertia");
    const centers = current;
    return { centers, labels, inertia, nIter, release: () => [centers, labels].forEach((b) => pool.release(b)) };
  } catch (e) {
    pool.release(current);
    pool.release(labels);
    throw e;
  } finally {
    scratch();
  }
}

/**
 * scikit-learn 1.2.1's `_relocate_empty_clusters_dense`, on the host: reads the sums, labels and distances of
 * this iteration, moves the farthest points (farthest first, ties to the lower row) into the empty clusters,
 * writes the resulting centers to `next` and returns the total squared shift from `old`. Rare: it only runs when
 * a cluster lost all its (weighted) points, so it may read back O(rows) values.
 */
async function relocateEmptyClusters(gpu: Gpu, input: LloydInput, b: AssignBuffers, totals: GPUBuffer, old: GPUBuffer, next: GPUBuffer, k: number): Promise<number> {
  const { X, record, sampleWeight } = input;
  const { rows, cols } = X;
  const width = cols + 1;
  let batch = new Batch(gpu);
  batch.read(totals, 0, k * width * 4);
  batch.read(b.labels, 0, rows * 4);
  batch.read(b.sqdist, 0, rows * 4);
  batch.read(old, 0, k * cols * 4);
  const [t, l, d, o] = await batch.submit();
  record.bytesFromDevice((k * width + 2 * rows + k * cols) * 4);
  const sums = Float64Array.from(new Float32Array(t));
  const labels = new Int32Array(l);
  const sqdist = new Float32Array(d);
  const oldCenters = new Float32Array(o);

  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (sums[c * width + cols] === 0) empty.push(c);
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  order.sort((a, z) => sqdist[z] - sqdist[a] || a - z);
  const moved = empty.slice(0, rows).map((target, e) => ({ target, far: order[e] }));
  batch = new Batch(gpu);
  for (const { far } of moved) batch.read(X.buffer, far * cols * 4, cols * 4);
  const farRows = (await batch.submit()).map((r) => new Float32Array(r));
  record.bytesFromDevice(moved.length * cols * 4);
  moved.forEach(({ target, far }, e) => {
    const w = sampleWeight[far];
    const source = labels[far];
    for (let f = 0; f < cols; f++) {
      const value = farRows[e][f] * w;
      sums[source * width + f] -= value;
      sums[target * width + f] = value;
    }
    sums[target * width + cols] = w;
    sums[source * width + cols] -= w;
  });

  const centers = new Float32Array(k * cols);
  let shift = 0;
  for (let c = 0; c < k; c++) {
    const w = sums[c * width + cols];
    const alpha = w > 0 ? 1 / w : 1;
    let s = 0;
    for (let f = 0; f < cols; f++) {
      centers[c * cols + f] = sums[c * width + f] * alpha;
      const diff = centers[c * cols + f] - oldCenters[c * cols + f];
      s += diff * diff;
    }
    shift += Math.sqrt(s) ** 2;
  }
  writeArray(gpu, next, 0, centers);
  record.bytesToDevice(k * cols * 4);
  return shift;
}

/** Centers and data of a pass against fixed centers (predict, score). */
export interface FixedCenters {
  X: WebGPUMatrix;
  /** k x cols float32 centers on the device. */
  centers: GPUBuffer;
  k: number;
  weights?: GPUBuffer;
  maxBindingBytes: number;
  record: TraceRecorder;
  signal?: AbortSignal;
}

/** Index of the nearest center of every row of `X` (ties to the lowest index), read back. */
export async function nearestLabels(gpu: Gpu, a: FixedCenters): Promise<Int32Array> {
  return new Int32Array(await assignPass(gpu, a, "labels"));
}

/** Weighted sum of squared distances of the rows of `X` to their nearest centers, read back. */
export async function nearestInertia(gpu: Gpu, a: FixedCenters): Promise<number> {
  return new Float32Array(await assignPass(gpu, a, "inertia"))[0];
}

async function assignPass(gpu: Gpu, a: FixedCenters, want: "labels" | "inertia"): Promise<ArrayBuffer> {
  const { X, k } = a;
  const kernels = await LloydKernels.create(gpu, X.rows, X.cols, k, a.maxBindingBytes);
  const { pool } = gpu;
  const buffers = [X.rows * 4, X.rows * 4, 8, kernels.partialsBytes].map((bytes) => pool.acquire(bytes, STORAGE_USAGE));
  const [labels, sqdist, totals, partials] = buffers;
  try {
    const paced = new Paced(gpu, "lloyd", a.signal);
    await kernels.assignPass(paced, { X, weights: a.weights, labels, sqdist, partials }, a.centers, totals, { withSums: false, fixed: false, first: true });
    const [values] = await paced.finish([want === "labels" ? { buffer: labels, offset: 0, bytes: X.rows * 4 } : { buffer: totals, offset: 4, bytes: 4 }]);
    a.record.bytesFromDevice(values.byteLength);
    return values;
  } finally {
    for (const b of buffers) pool.release(b);
  }
}
