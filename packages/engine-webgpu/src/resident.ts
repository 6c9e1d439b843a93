/**
 * Matrices that live on the device: {@link WebGPUMatrix}, the engine's `ResidentMatrix`, and the transfers that
 * create and read them, each recorded in the calling hook's trace.
 */
import { contentFingerprint, Matrix, type DataMatrix, type DType, type HookContext, type ResidentMatrix, type TraceRecorder } from "@plugml/core";
import type { Gpu } from "./device.js";
import { Batch, STORAGE_USAGE, writeArray } from "./kernels/dispatch.js";
import { Paced, writeInSteps, type PaceKind } from "./kernels/pacing.js";
import { columnMaxAbs, requireFinite, requireInRange } from "./range.js";

/** Name under which the engine registers and which its resident matrices carry. */
export const ENGINE_NAME = "webgpu";

// A resident matrix the user drops without dispose() gives its buffer back to the pool when collected.
const collected = new FinalizationRegistry<{ gpu: Gpu; buffer: GPUBuffer }>(({ gpu, buffer }) => {
  if (!gpu.disposed) gpu.pool.release(buffer);
});

/**
 * A float32 row-major matrix in a GPU storage buffer: what `transform` returns inside a Pipeline, and what
 * neighbour models keep as `fitX`. The next webgpu hook binds the buffer directly; anything else reads it back
 * once through {@link WebGPUMatrix.read} (core counts those bytes).
 */
export class WebGPUMatrix implements ResidentMatrix {
  readonly kind = "resident";
  readonly engine = ENGINE_NAME;
  readonly dtype = "float32";
  private released = false;

  constructor(
    /** The device holding the buffer. */
    readonly gpu: Gpu,
    /** Storage buffer of at least rows * cols * 4 bytes (pooled buffers can be larger). */
    readonly buffer: GPUBuffer,
    readonly rows: number,
    readonly cols: number,
    /**
     * Per column, an upper bound of |value|: what the range checks of the next hook use, since scanning the data
     * would need a readback. Uploads record the scanned maxima; kernels' outputs derive a bound from their inputs'.
     */
    readonly maxAbs: Float64Array,
  ) {
    collected.register(this, { gpu, buffer }, this);
  }

  /** Bytes of data (not of the possibly larger buffer). */
  get bytes(): number {
    return this.rows * this.cols * 4;
  }

  /** Throws unless the data is still on a live device: `DeviceLostError` when the device failed. */
  checkUsable(): void {
    if (this.released) throw new Error("This WebGPU resident matrix was disposed.");
    if (this.gpu.released) throw new Error("This WebGPU resident matrix belongs to a device that was disposed or lost.");
    this.gpu.throwIfLost();
  }

  /** Copies the values to a host float32 {@link Matrix} (one mapAsync readback). */
  async read(): Promise<Matrix<Float32Array>> {
    this.checkUsable();
    const data = new Float32Array(await readBytes(this.gpu, this.buffer, 0, this.bytes));
    return new Matrix(data, this.rows, this.cols);
  }

  /** Gives the buffer back to the engine's pool now rather than at garbage collection. */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    collected.unregister(this);
    if (!this.gpu.disposed) this.gpu.pool.release(this.buffer);
  }
}

/**
 * True when `X` is a matrix resident on this engine's device. By class, not by the `engine` name: a matrix from
 * another copy of this package holds a buffer of another device, which this one cannot bind.
 */
export function isWebGPUMatrix(X: unknown): X is WebGPUMatrix {
  return X instanceof WebGPUMatrix;
}

/**
 * A fresh resident matrix of the given shape whose values will be at most `maxAbs` per column in magnitude; its
 * contents are undefined until a kernel writes them.
 */
export function allocateMatrix(gpu: Gpu, rows: number, cols: number, maxAbs: Float64Array): WebGPUMatrix {
  return new WebGPUMatrix(gpu, gpu.pool.acquire(rows * cols * 4, STORAGE_USAGE), rows, cols, maxAbs);
}

/**
 * Copies a typed array into a new pooled storage buffer and records the bytes, and the copy a view of shared
 * memory needs first (`what` names the data in that record).
 */
export function uploadArray(gpu: Gpu, data: Float32Array | Int32Array | Uint32Array, record: TraceRecorder, what: string): GPUBuffer {
  const buffer = gpu.pool.acquire(data.byteLength, STORAGE_USAGE);
  writeArray(gpu, buffer, 0, data, () => record.conversion(`${what} SharedArrayBuffer -> copy`));
  record.bytesToDevice(data.byteLength);
  return buffer;
}

/** Float32 values of a host array, recording the conversion when it is float64 (WGSL has no f64). */
export function toFloat32(data: Float32Array | Float64Array, what: string, record: TraceRecorder): Float32Array {
  if (data instanceof Float32Array) return data;
  record.conversion(`${what} float64 -> float32`);
  return Float32Array.from(data);
}

/** Copies `bytes` bytes at `offset` of a storage buffer to the host through a mapped staging buffer. */
export async function readBytes(gpu: Gpu, buffer: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
  if (bytes === 0) return new ArrayBuffer(0);
  const batch = new Batch(gpu);
  batch.read(buffer, offset, bytes);
  const [data] = await batch.submit();
  return data;
}

/**
 * Computes a hook's matrix result: allocates `out` (rows x cols, values bounded by `maxAbs` per column), lets
 * `encode` record the kernels that fill it as steps of a computation paced as `kind` (so the call's signal is
 * honoured between submissions), and hands `out` over as it is when the caller asked for `output: "engine"`, or
 * reads it back (recording the bytes, refusing non-finite values) and frees it otherwise. `out` is freed too when
 * encoding or a submission fails.
 */
export async function deliver(
  gpu: Gpu,
  rows: number,
  cols: number,
  maxAbs: Float64Array,
  ctx: { output: "host" | "engine"; record: TraceRecorder; X: DataMatrix; signal?: AbortSignal },
  kind: PaceKind,
  encode: (paced: Paced, out: WebGPUMatrix) => Promise<void>,
): Promise<DataMatrix> {
  const out = allocateMatrix(gpu, rows, cols, maxAbs);
  const paced = new Paced(gpu, kind, ctx.signal);
  let values: ArrayBuffer[];
  try {
    await encode(paced, out);
    values = await paced.finish(ctx.output === "engine" ? [] : [{ buffer: out.buffer, offset: 0, bytes: out.bytes }]);
  } catch (e) {
    out.dispose();
    throw e;
  }
  if (ctx.output === "engine") return out;
  out.dispose();
  ctx.record.bytesFromDevice(out.bytes);
  const result = new Float32Array(values[0]);
  requireFinite(result, "the result");
  return hostMatrix(result, out.rows, out.cols, ctx.X.dtype, ctx.record);
}

/**
 * A host result in the caller's precision: every engine returns float64 results for float64 input, so values
 * computed in float32 are widened (float32-accurate, and the widening is recorded).
 */
export function hostMatrix(values: Float32Array, rows: number, cols: number, dtype: DType, record: TraceRecorder): Matrix {
  if (dtype === "float32") return new Matrix(values, rows, cols);
  record.conversion("result float32 -> float64");
  return new Matrix(Float64Array.from(values), rows, cols);
}

/**
 * An upload a fit keeps for the next hook on the same host matrix, so that `fitTransform` (fit, then transform
 * of the same X) moves X to the device once. It is handed over once, and only if the matrix is the same object
 * with the same contents (a fingerprint taken at fit); otherwise it is freed and the hook uploads afresh.
 */
export class KeptUpload {
  private matrix?: WebGPUMatrix;
  private readonly print: string;

  constructor(
    private readonly source: Matrix,
    matrix: WebGPUMatrix,
  ) {
    this.matrix = matrix;
    this.print = contentFingerprint(source.data);
  }

  /** The kept device copy when `X` is the matrix it was made from, unchanged; at most once. */
  take(X: DataMatrix): WebGPUMatrix | undefined {
    const kept = this.matrix;
    if (!kept) return undefined;
    this.matrix = undefined;
    if (X === this.source && contentFingerprint(this.source.data) === this.print && !kept.gpu.disposed) return kept;
    kept.dispose();
    return undefined;
  }
}

/**
 * A hook's input on this device: the caller's own resident matrix (bound as is, nothing moved), or a host
 * matrix uploaded as float32 for this call. `release` frees what this call uploaded and leaves the rest alone.
 */
export interface DeviceInput {
  matrix: WebGPUMatrix;
  /** Frees the upload; a no-op for a resident input, which belongs to its producer. */
  release(): void;
  /** Whether the data was uploaded by this call (so `release` would free it). */
  uploaded: boolean;
}

/**
 * A hook's input before it goes to the device: its shape and per-column magnitudes (a resident matrix's bound, or
 * a scan of the host data), so that the hook's range check can decline before anything is uploaded.
 */
export interface StagedInput {
  rows: number;
  cols: number;
  maxAbs: Float64Array;
  /** Puts the data on the device (at most once); a large upload goes in steps that honour the call's signal. */
  place(): Promise<DeviceInput>;
  /** Frees what staging took when the data will not be placed (a kept upload). */
  drop(): void;
}

/**
 * Prepares `X` for a hook: a webgpu resident matrix (or this hook's kept upload of it) is used in place; another
 * engine's resident matrix is read to the host through `ctx.toHost` (core counts those bytes); host data is
 * scanned for its magnitudes and, when placed, converted to float32 if needed and uploaded, the bytes and any
 * conversion recorded.
 */
export async function stageInput(
  gpu: Gpu,
  ctx: Pick<HookContext, "record" | "toHost" | "signal">,
  X: DataMatrix,
  what = "X",
  kept?: KeptUpload,
): Promise<StagedInput> {
  const reused = kept?.take(X);
  if (reused) {
    const release = () => reused.dispose();
    return { ...shape(reused), place: async () => ({ matrix: reused, release, uploaded: true }), drop: release };
  }
  if (isWebGPUMatrix(X)) {
    X.checkUsable();
    return { ...shape(X), place: async () => ({ matrix: X, release: () => undefined, uploaded: false }), drop: () => undefined };
  }
  const host = await ctx.toHost(X);
  const maxAbs = columnMaxAbs(host.data, host.rows, host.cols);
  return {
    rows: host.rows,
    cols: host.cols,
    maxAbs,
    place: async () => {
      const data = toFloat32(host.data, what, ctx.record);
      const buffer = gpu.pool.acquire(data.byteLength, STORAGE_USAGE);
      try {
        await writeInSteps(gpu, buffer, data, ctx.signal, () => ctx.record.conversion(`${what} SharedArrayBuffer -> copy`));
      } catch (e) {
        gpu.pool.release(buffer);
        throw e;
      }
      ctx.record.bytesToDevice(data.byteLength);
      const matrix = new WebGPUMatrix(gpu, buffer, host.rows, host.cols, maxAbs);
      return { matrix, release: () => matrix.dispose(), uploaded: true };
    },
    drop: () => undefined,
  };
}

function shape(X: WebGPUMatrix): Pick<StagedInput, "rows" | "cols" | "maxAbs"> {
  return { rows: X.rows, cols: X.cols, maxAbs: X.maxAbs };
}

/**
 * Puts `X` on the device for a hook ({@link stageInput}), after `check` (a range check on its magnitudes)
 * agreed; a refusal declines the call with `NotSupportedByEngineError` before anything is uploaded.
 */
export async function deviceInput(
  gpu: Gpu,
  ctx: Pick<HookContext, "record" | "toHost" | "signal">,
  X: DataMatrix,
  check: (staged: StagedInput) => true | string,
  what = "X",
  kept?: KeptUpload,
): Promise<DeviceInput> {
  const staged = await stageInput(gpu, ctx, X, what, kept);
  const verdict = check(staged);
  if (verdict !== true) staged.drop();
  requireInRange(verdict);
  return staged.place();
}
