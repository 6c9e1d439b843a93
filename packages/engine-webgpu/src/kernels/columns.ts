/**
 * Column reductions: per-column sums of row blocks (optionally of deviations from a mean, with their squares),
 * reduced level by level to one row. StandardScaler's statistics and KMeans' centre sums both end here.
 */
import type { Gpu } from "../device.js";
import type { TraceRecorder } from "@plugml/core";
import type { WebGPUMatrix } from "../resident.js";
import { range, rowRange, STORAGE_USAGE, stepChunks, WGSL_GROUP_INDEX, type Batch, type Binding } from "./dispatch.js";
import { Paced } from "./pacing.js";

/** Rows summed by one invocation before handing over to the next level: a tree of fan-in 256 keeps float32 error small. */
const BLOCK_ROWS = 256;
const WORKGROUP = 64;

const SOURCE = /* wgsl */ `
struct Params { rows: u32, cols: u32, rowsPerBlock: u32, blockOffset: u32, colGroups: u32, blocks: u32, center: u32, divisor: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${WGSL_GROUP_INDEX}
// One invocation per (row block, column): adjacent invocations read adjacent columns of the same row.
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let g = group_index(wid, nwg);
  let block = g / p.colGroups;
  let j = (g % p.colGroups) * ${WORKGROUP}u + lid.x;
  if (block >= p.blocks || j >= p.cols) { return; }
  let r0 = block * p.rowsPerBlock;
  let r1 = min(r0 + p.rowsPerBlock, p.rows);
  var m = 0.0;
  if (p.center == 1u) { m = mean[j]; }
  var s = 0.0;
  var q = 0.0;
  for (var r = r0; r < r1; r++) {
    let v = x[r * p.cols + j] - m;
    s += v;
    q += v * v;
  }
  if (p.center == 1u) {
    let o = (p.blockOffset + block) * 2u * p.cols;
    out[o + j] = s;
    out[o + p.cols + j] = q;
  } else {
    out[(p.blockOffset + block) * p.cols + j] = s / p.divisor;
  }
}
`;

/** Encodes column reductions into a {@link Batch}. */
export class ColumnReducer {
  private constructor(private readonly pipeline: GPUComputePipeline) {}

  /** Compiles (or fetches from the device's cache) the kernel. */
  static async create(gpu: Gpu): Promise<ColumnReducer> {
    return new ColumnReducer(await gpu.pipeline(SOURCE));
  }

  /** Row blocks a chunk of `rows` rows produces in {@link ColumnReducer.partials}. */
  static blocks(rows: number): number {
    return Math.ceil(rows / BLOCK_ROWS);
  }

  /**
   * Per-block column sums of `x` (rows x cols) into rows `blockOffset`.. of `out`: `cols` sums per block, or,
   * with `mean`, `2 * cols` values per block (sums of deviations from the mean, then sums of their squares).
   */
  partials(batch: Batch, x: Binding, rows: number, cols: number, out: GPUBuffer, blockOffset: number, mean?: Binding): void {
    this.encode(batch, x, rows, cols, BLOCK_ROWS, out, blockOffset, 1, mean);
  }

  /** Sums the rows of `partials` (rows x cols) into the first `cols` floats of `target`, divided by `divisor`. */
  reduce(batch: Batch, partials: GPUBuffer, rows: number, cols: number, target: GPUBuffer, divisor = 1): void {
    let source = partials;
    let remaining = rows;
    while (remaining > BLOCK_ROWS) {
      const blocks = ColumnReducer.blocks(remaining);
      const next = batch.scratch(blocks * cols * 4);
      this.encode(batch, range(source, remaining * cols * 4), remaining, cols, BLOCK_ROWS, next, 0, 1);
      source = next;
      remaining = blocks;
    }
    this.encode(batch, range(source, remaining * cols * 4), remaining, cols, Math.max(remaining, 1), target, 0, divisor);
  }

  private encode(batch: Batch, x: Binding, rows: number, cols: number, rowsPerBlock: number, out: GPUBuffer, blockOffset: number, divisor: number, mean?: Binding): void {
    const blocks = Math.max(Math.ceil(rows / rowsPerBlock), 1);
    const colGroups = Math.ceil(cols / WORKGROUP);
    const uniforms = [rows, cols, rowsPerBlock, blockOffset, colGroups, blocks, mean ? 1 : 0, { f32: divisor }];
    // Without a mean the kernel never reads binding 2; x stands in, since every binding must be bound.
    batch.dispatch(this.pipeline, uniforms, [x, mean ?? x, out], colGroups * blocks);
  }
}

/**
 * Column means and population variances of a device matrix, in float64 on the host, by the corrected two-pass
 * algorithm (as engine-cpu and scikit-learn): the device sums columns, divides by n, then sums deviations from
 * that float32 mean and their squares; the host adds the mean of the deviations back and subtracts its square,
 * which cancels the rounding of the float32 mean. One readback of 3 x cols floats; the passes go in paced
 * submissions, so `signal` is honoured between them.
 */
export async function columnMeanVar(
  gpu: Gpu,
  X: WebGPUMatrix,
  maxBindingBytes: number,
  record: TraceRecorder,
  signal: AbortSignal | undefined,
): Promise<{ mean: Float64Array; variance: Float64Array }> {
  const { rows, cols } = X;
  const reducer = await ColumnReducer.create(gpu);
  const paced = new Paced(gpu, "columns", signal);
  // Chunks of whole blocks: the sums then do not depend on how the pace splits the rows.
  const chunks = stepChunks(gpu, rows, [cols * 4], maxBindingBytes, paced.budget / cols, BLOCK_ROWS);
  const totalBlocks = chunks.reduce((n, c) => n + ColumnReducer.blocks(c.count), 0);
  // Shared by the steps of several submissions, so owned here rather than by a batch.
  const { pool } = gpu;
  const partials = pool.acquire(totalBlocks * 2 * cols * 4, STORAGE_USAGE);
  const mean = pool.acquire(cols * 4, STORAGE_USAGE);
  const devTotals = pool.acquire(2 * cols * 4, STORAGE_USAGE);
  // Sums over every row into `totals`: the columns divided by `divisor`, or, given `mean`, the deviations from it
  // and their squares (2 x cols). Each chunk's block partials go after the previous chunk's, then one reduction.
  const columnTotals = async (totals: GPUBuffer, divisor: number, mean?: Binding) => {
    const width = mean ? 2 * cols : cols;
    let offset = 0;
    for (const chunk of chunks) {
      const at = offset;
      await paced.step(chunk.count * cols, (batch) => reducer.partials(batch, rowRange(X.buffer, chunk, cols * 4), chunk.count, cols, partials, at, mean));
      offset += ColumnReducer.blocks(chunk.count);
    }
    await paced.step(totalBlocks * width, (batch) => reducer.reduce(batch, partials, totalBlocks, width, totals, divisor));
  };
  try {
    await columnTotals(mean, rows);
    await columnTotals(devTotals, 1, range(mean, cols * 4));
    const values = await paced.finish([
      { buffer: mean, offset: 0, bytes: cols * 4 },
      { buffer: devTotals, offset: 0, bytes: 2 * cols * 4 },
    ]);
    const [m32, d32] = values.map((b) => new Float32Array(b));
    record.bytesFromDevice(3 * cols * 4);
    const meanOut = new Float64Array(cols);
    const variance = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      const dev = d32[j];
      meanOut[j] = m32[j] + dev / rows;
      variance[j] = (d32[cols + j] - (dev * dev) / rows) / rows;
    }
    return { mean: meanOut, variance };
  } finally {
    for (const b of [partials, mean, devTotals]) pool.release(b);
  }
}
