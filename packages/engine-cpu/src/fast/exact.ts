/**
 * Exact distances on the fast path: the rows of one call packed once into kernel memory as float64 row blocks (see
 * `exact-kernels.ts`), and the kernels that compare them with a few centers at a time. Every distance equals the
 * pure-TypeScript kernels' (float64 direct differences summed in column order), so these serve where the reference
 * itself must be matched: k-means++'s candidates and KMeans' transform.
 */
import { Matrix, type DType, type FloatArray } from "@plugml/core";
import { EXACT_BLOCK_ROWS, EXACT_PARAMS, exactKernelName } from "../wasm/exact-kernels.js";
import { kernelArgs } from "../wasm/kernels.js";
import type { Arena, KernelRuntime, RunKernel } from "./runtime.js";

/** Distance terms ((x - c)^2) per kernel chunk: a few milliseconds of one thread, so an abort waits for little. */
const CHUNK_WORK = 1 << 23;
/** Chunks per thread a call is cut into at least, so threads finish together on a noisy machine. */
const CHUNKS_PER_THREAD = 4;

/** The rows of one matrix in kernel memory, times a power of two, and the exact-distance kernels over them. */
export class PackedRows {
  /** Rows rounded up to whole row blocks; padded rows are zero. */
  readonly padded: number;
  /** Address of the packed rows. */
  private readonly at: number;

  /**
   * Packs `data` (`n` x `d`, row-major) times `factor` as float64 (the product is the one the reference forms, so
   * the packed values are its values).
   */
  constructor(
    arena: Arena,
    private readonly run: RunKernel,
    private readonly slots: number,
    data: FloatArray,
    readonly n: number,
    readonly d: number,
    factor: number,
  ) {
    const R = EXACT_BLOCK_ROWS;
    this.padded = Math.ceil(n / R) * R;
    this.at = arena.alloc(this.padded * d * 8);
    const packed = arena.f64(this.at, this.padded * d);
    // The last block's padded rows are zero (arena memory is not cleared between calls).
    packed.fill(0, (this.padded - R) * d);
    for (let i = 0; i < n; i++) {
      const out = (i - (i % R)) * d + (i % R);
      const src = i * d;
      for (let j = 0; j < d; j++) packed[out + j * R] = data[src + j] * factor;
    }
  }

  /** Rows per chunk against `m` centers: multiples of a row block, at most {@link CHUNK_WORK} terms. */
  chunkRows(m: number): number {
    const R = EXACT_BLOCK_ROWS;
    const balanced = Math.ceil(this.n / (R * this.slots * CHUNKS_PER_THREAD));
    return R * Math.max(1, Math.min(balanced, Math.floor(CHUNK_WORK / (R * m * this.d))));
  }

  /** Chunks of a call against `m` centers. */
  chunks(m: number): number {
    return Math.ceil(this.n / this.chunkRows(m));
  }

  /**
   * k-means++'s trial step: the `m` float64 candidate rows at `centers` against every row, each distance capped by
   * `closest[i]` (padded rows' caps must be 0); candidate c's capped distances go to `out + c * padded * 8` and its
   * potential, per chunk in row order, to `pots[chunk * m + c]` (see {@link chunks}).
   */
  trials(at: { centers: number; closest: number; out: number; pots: number }, m: number): Promise<void> {
    const chunkRows = this.chunkRows(m);
    const args = kernelArgs(EXACT_PARAMS, { ...at, xPacked: this.at, n: this.n, d: this.d, m, chunkRows, outStride: this.padded, unscale: 1 });
    return this.run(exactKernelName.trials, Math.ceil(this.n / chunkRows), args);
  }

  /** The euclidean distance of every row to each of the `m` float64 centers at `centers`, times `unscale`, as n x m rows of `dtype` at `out`. */
  distances(centers: number, m: number, out: number, dtype: DType, unscale: number): Promise<void> {
    const chunkRows = this.chunkRows(m);
    const args = kernelArgs(EXACT_PARAMS, { closest: 0, pots: 0, xPacked: this.at, n: this.n, d: this.d, centers, m, chunkRows, out, outStride: m, unscale });
    return this.run(exactKernelName.transform(dtype), Math.ceil(this.n / chunkRows), args);
  }
}

/**
 * KMeans' transform on the fast path: the euclidean distance of every row of `X` to every center, times `unscale`,
 * in `dtype`, equal to the pure-TypeScript `centerDistancesSteps` (same float64 sums, one square root, one
 * product, one rounding). Aborting `signal` stops it between kernel chunks, rejecting with core's `AbortError`.
 */
export function fastCenterDistances(runtime: KernelRuntime, X: Matrix, centers: Matrix, unscale: number, dtype: DType, signal?: AbortSignal): Promise<Matrix> {
  return runtime.exclusive(async (arena, run) => {
    const { rows: n, cols: d } = X;
    const k = centers.rows;
    const rows = new PackedRows(arena, run, runtime.slots, X.data, n, d, 1);
    const at = arena.alloc(k * d * 8);
    const out = arena.alloc(n * k * (dtype === "float32" ? 4 : 8));
    arena.f64(at, k * d).set(centers.data);
    await rows.distances(at, k, out, dtype, unscale);
    const result = Matrix.zeros(n, k, dtype);
    result.data.set(dtype === "float32" ? arena.f32(out, n * k) : arena.f64(out, n * k));
    return result;
  }, signal);
}
