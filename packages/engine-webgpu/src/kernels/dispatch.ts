/**
 * Host-side machinery every kernel shares: batching dispatches into one submission, the 2-D workgroup grid,
 * uniform blocks, and planning row chunks that fit one storage binding.
 */
import type { Gpu } from "../device.js";

/** Usage of every data buffer: bound as storage, written by uploads, copied for readbacks and device copies. */
export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x08 /* COPY_DST */ | 0x04; /* COPY_SRC */
const UNIFORM_USAGE = 0x40 /* UNIFORM */ | 0x08; /* COPY_DST */
const MAP_READ_USAGE = 0x01 /* MAP_READ */ | 0x08; /* COPY_DST */

/**
 * WGSL shared by kernels launched with {@link Batch.dispatch}: the linear workgroup index over the 2-D grid it
 * uses when a dispatch needs more than `maxComputeWorkgroupsPerDimension` workgroups.
 */
export const WGSL_GROUP_INDEX = /* wgsl */ `
fn group_index(wid: vec3u, nwg: vec3u) -> u32 { return wid.y * nwg.x + wid.x; }
`;

/** A uniform value: plain numbers are `u32`, `{ f32 }` are floats. Kernels declare their struct in this order. */
export type UniformValue = number | { f32: number };

/** A buffer or a byte range of one, as bound to a kernel. */
export type Binding = GPUBuffer | GPUBufferBinding;

/**
 * Command recording for one submission: kernels, copies and readbacks are queued in order and submitted together,
 * with validation and out-of-memory errors turned into exceptions (WebGPU reports them asynchronously otherwise,
 * and the results would be silently wrong). Temporary buffers live until the submission is done with them.
 *
 * Error scopes are one stack per device, shared by every hook in flight. Hooks await between creating a batch and
 * submitting it (pipeline compilation), so a batch that pushed its scopes at creation could pop another batch's
 * scopes and report that batch's errors as its own, or miss its own. Commands are therefore only recorded here
 * and encoded in {@link Batch.submit}, which pushes, encodes, submits and pops without yielding in between.
 * A batch that is never submitted leaves nothing behind but its scratch buffers, which are garbage-collected.
 */
export class Batch {
  private readonly commands: ((encoder: GPUCommandEncoder) => void)[] = [];
  private readonly temporaries: GPUBuffer[] = [];
  private readonly reads: { staging: GPUBuffer; bytes: number }[] = [];

  constructor(private readonly gpu: Gpu) {}

  /** Queues `groups` workgroups of `pipeline` with bindings 0.. = a uniform block (when given), then `bindings`. */
  dispatch(pipeline: GPUComputePipeline, uniforms: readonly UniformValue[] | undefined, bindings: readonly Binding[], groups: number): void {
    if (groups === 0) return;
    const perDim = this.gpu.limits.maxComputeWorkgroupsPerDimension;
    this.commands.push((encoder) => {
      const resources: Binding[] = uniforms ? [this.uniform(uniforms), ...bindings] : [...bindings];
      const bindGroup = this.gpu.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: resources.map((r, binding) => ({ binding, resource: "buffer" in r ? r : { buffer: r } })),
      });
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(Math.min(groups, perDim), Math.ceil(groups / perDim));
      pass.end();
    });
  }

  /** Queues a buffer-to-buffer copy. */
  copy(source: GPUBuffer, sourceOffset: number, target: GPUBuffer, targetOffset: number, bytes: number): void {
    if (bytes > 0) this.commands.push((encoder) => encoder.copyBufferToBuffer(source, sourceOffset, target, targetOffset, bytes));
  }

  /** A pooled buffer released after the submission (scratch space of this batch). */
  scratch(bytes: number): GPUBuffer {
    const buffer = this.gpu.pool.acquire(bytes, STORAGE_USAGE);
    this.temporaries.push(buffer);
    return buffer;
  }

  /** Takes a pooled buffer over: it goes back to the pool after this batch's submission, as scratch does. */
  adopt(buffer: GPUBuffer): void {
    this.temporaries.push(buffer);
  }

  /**
   * Queues a copy of `bytes` bytes at `offset` of `source` to the host, after everything queued so far; the
   * values come back from {@link Batch.submit}, in the order of the `read` calls. Callers record the bytes.
   */
  read(source: GPUBuffer, offset: number, bytes: number): void {
    this.commands.push((encoder) => {
      const staging = this.gpu.pool.acquire(bytes, MAP_READ_USAGE);
      this.reads.push({ staging, bytes });
      encoder.copyBufferToBuffer(source, offset, staging, 0, bytes);
    });
  }

  /**
   * Submits everything queued, waits until the device has done it, and returns the values of the
   * {@link Batch.read} calls. Throws on any validation or out-of-memory error of the batch, and
   * `DeviceLostError` when the device is lost before or while it runs (a lost device silently skips work, so
   * results are checked for that too).
   */
  async submit(): Promise<ArrayBuffer[]> {
    const { pool } = this.gpu;
    try {
      const [validation, memory] = await this.encodeAndSubmit();
      const error = validation ?? memory;
      if (error) throw new Error(`WebGPU error: ${error.message}`);
      // Without reads nothing else waits for the work; callers time submissions and free buffers after them.
      if (this.reads.length === 0) await this.gpu.device.queue.onSubmittedWorkDone();
      const values = await Promise.all(
        this.reads.map(async ({ staging, bytes }) => {
          await staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes);
          const copy = staging.getMappedRange(0, bytes).slice(0);
          staging.unmap();
          return copy;
        }),
      );
      this.gpu.throwIfLost();
      return values;
    } catch (e) {
      throw await this.gpu.explain(e);
    } finally {
      this.discard();
      for (const { staging } of this.reads) pool.release(staging);
      this.reads.length = 0;
    }
  }

  /** Drops what was recorded and gives this batch's scratch buffers back (a batch that will not be submitted). */
  discard(): void {
    for (const b of this.temporaries) this.gpu.pool.release(b);
    this.commands.length = 0;
    this.temporaries.length = 0;
  }

  /**
   * Encodes the recorded commands and submits them inside this batch's error scopes, and pops the scopes before
   * returning, even when encoding throws: nothing here yields, so no other batch's scopes can interleave.
   */
  private encodeAndSubmit(): Promise<[GPUError | null, GPUError | null]> {
    const { device } = this.gpu;
    device.pushErrorScope("out-of-memory");
    device.pushErrorScope("validation");
    let popped: Promise<[GPUError | null, GPUError | null]>;
    try {
      const encoder = device.createCommandEncoder();
      for (const command of this.commands) command(encoder);
      device.queue.submit([encoder.finish()]);
    } finally {
      popped = Promise.all([device.popErrorScope(), device.popErrorScope()]);
    }
    return popped;
  }

  private uniform(values: readonly UniformValue[]): GPUBuffer {
    const bytes = Math.ceil((values.length * 4) / 16) * 16;
    const data = new ArrayBuffer(bytes);
    const u32 = new Uint32Array(data);
    const f32 = new Float32Array(data);
    values.forEach((v, i) => {
      if (typeof v === "number") u32[i] = v;
      else f32[i] = v.f32;
    });
    const buffer = this.gpu.pool.acquire(bytes, UNIFORM_USAGE);
    // Written now, executed before this batch's commands: each dispatch gets its own buffer, so no overwrite races.
    writeArray(this.gpu, buffer, 0, u32);
    this.temporaries.push(buffer);
    return buffer;
  }
}

/**
 * `queue.writeBuffer` of a typed array at byte `offset` of `buffer`: the one way host data reaches the device.
 * Dawn's binding refuses views of a SharedArrayBuffer (a TypeError, "no overload matched", thrown at the call),
 * so those are copied first; `onCopy` is told, so that the caller can record the copy.
 */
export function writeArray(gpu: Gpu, buffer: GPUBuffer, offset: number, data: Float32Array | Int32Array | Uint32Array, onCopy?: () => void): void {
  if (data.byteLength === 0) return;
  let source = data;
  // By tag, not instanceof: under jest (vm contexts) and in workers ArrayBuffers come from several realms.
  if (Object.prototype.toString.call(data.buffer) === "[object SharedArrayBuffer]") {
    source = data.slice();
    onCopy?.();
  }
  gpu.device.queue.writeBuffer(buffer, offset, source.buffer, source.byteOffset, source.byteLength);
}

/** A run of consecutive rows processed by one dispatch. */
export interface RowChunk {
  start: number;
  count: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Least common multiple of two positive integers. */
export function lcm(a: number, b: number): number {
  return (a * b) / gcd(a, b);
}

/**
 * Splits `rows` into chunks whose every row-indexed binding fits one storage binding of at most `limitBytes`
 * (never above the device's `maxStorageBufferBindingSize`). `rowBytes` lists the bytes per row of each buffer
 * bound by row range; chunk starts are multiples of a granule that keeps every range offset aligned to
 * `minStorageBufferOffsetAlignment`, so one buffer holds the whole matrix and chunks are just offsets into it.
 *
 * @throws Error when a single granule of rows exceeds the device's binding size.
 */
export function rowChunks(gpu: Gpu, rows: number, rowBytes: readonly number[], limitBytes: number): RowChunk[] {
  const deviceLimit = gpu.limits.maxStorageBufferBindingSize;
  const limit = Math.min(limitBytes, deviceLimit);
  const granule = chunkGranule(gpu, rowBytes);
  const widest = Math.max(4, ...rowBytes);
  if (granule * widest > deviceLimit) {
    throw new Error(`WebGPU: ${granule} rows of ${widest} bytes exceed one storage binding (${deviceLimit} bytes).`);
  }
  const perChunk = Math.max(granule, Math.floor(limit / widest / granule) * granule);
  const chunks: RowChunk[] = [];
  for (let start = 0; start < rows; start += perChunk) chunks.push({ start, count: Math.min(perChunk, rows - start) });
  return chunks;
}

/**
 * Row chunks of at most about `rowsPerStep` rows (one dispatch each: a step a paced computation can stop after),
 * within one binding of `limitBytes`. Chunk starts are multiples of `unit` (and of the alignment granule), so that
 * a kernel summing in fixed blocks of `unit` rows gives the same result however a pace splits the rows; when such
 * a multiple exceeds one binding, chunks are as large as a binding allows, whatever the pace.
 */
export function stepChunks(gpu: Gpu, rows: number, rowBytes: readonly number[], limitBytes: number, rowsPerStep: number, unit = 1): RowChunk[] {
  const widest = Math.max(4, ...rowBytes);
  const bindingRows = Math.floor(Math.min(limitBytes, gpu.limits.maxStorageBufferBindingSize) / widest);
  const granule = chunkGranule(gpu, rowBytes);
  const step = lcm(granule, unit);
  if (step > bindingRows) return rowChunks(gpu, rows, rowBytes, limitBytes);
  const perChunk = Math.max(step, Math.floor(Math.min(bindingRows, rowsPerStep) / step) * step);
  const chunks: RowChunk[] = [];
  for (let start = 0; start < rows; start += perChunk) chunks.push({ start, count: Math.min(perChunk, rows - start) });
  return chunks;
}

/**
 * Fewest rows a chunk start must be a multiple of so that the byte offset of every row-indexed binding (`rowBytes`
 * per row) respects `minStorageBufferOffsetAlignment`.
 */
export function chunkGranule(gpu: Gpu, rowBytes: readonly number[]): number {
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  let granule = 1;
  for (const b of rowBytes) {
    if (b <= 0) continue;
    granule = lcm(granule, align / gcd(align, b));
  }
  return granule;
}

/** The byte range of a chunk's rows in a buffer holding `rowBytes` bytes per row. */
export function rowRange(buffer: GPUBuffer, chunk: RowChunk, rowBytes: number): GPUBufferBinding {
  return { buffer, offset: chunk.start * rowBytes, size: Math.max(chunk.count * rowBytes, 4) };
}

/** The whole of a buffer's first `bytes` bytes (buffers from the pool can be larger than asked for). */
export function range(buffer: GPUBuffer, bytes: number): GPUBufferBinding {
  return { buffer, offset: 0, size: Math.max(bytes, 4) };
}
