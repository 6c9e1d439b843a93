/**
 * KMeans on the fast path: the samples are copied into kernel memory once per call, and each Lloyd assignment
 * pass (nearest center plus the partial sums of the update) runs as one parallel kernel task. The loop itself is
 * the pure-TypeScript one ({@link lloydSteps}), so both paths share every rule (relocation, convergence, rounding).
 *
 * Range: exact re-assignments and sums are float64 on the rows as given (float32 rows cannot overflow or underflow
 * there; the hooks bring float64 data into range with a power of two first), while the approximate distances of
 * float32 data are computed on rows and centers times the power of two of {@link filterShift}, with an absolute slack
 * for products below float32's normal range, so that the filter never decides where it cannot be sure.
 */
import type { Matrix } from "@plugml/core";
import { lloydSteps, sumChunkRows, type ClusterSums, type LloydArgs, type LloydResult } from "../kernels/lloyd.js";
import { FLAVORS, LLOYD_PARAMS, LLOYD_PREPARE_PARAMS, LLOYD_REDUCE_PARAMS, kernelArgs, kernelName, lloydBlock } from "../wasm/kernels.js";
import { magnitudes } from "../kernels/range.js";
import { EXACT_LABELLED_PARAMS, exactKernelName } from "../wasm/exact-kernels.js";
import { commonDtype, filterShift, packPanels, panelCount, rowBlocksLength, squaredNorms } from "./layout.js";
import type { Arena, KernelRuntime, RunKernel } from "./runtime.js";

/** Unit roundoff of each dtype. */
export const UNIT_ROUNDOFF = { float32: 2 ** -24, float64: 2 ** -53 } as const;

/**
 * Relative margins by which the kernel's inputs to the per-row threshold are rounded up: the rows' norms and the
 * threshold's coefficients are stored in the flavor's precision and the kernel computes `thrA * ||x|| + thrB` and
 * the gap between the two smallest distances in that precision, each rounding by at most the unit roundoff (2^-24
 * at most); these margins cover those roundings, so the kernel's test is never laxer than the exact one.
 */
const NORM_MARGIN = 1 + 2 ** -20;
const BOUND_MARGIN = 1 + 2 ** -18;

/** Multiply-adds per kernel chunk of an assignment-only pass (predict): a few milliseconds of one thread. */
const ASSIGN_CHUNK_WORK = 1 << 25;

/** The samples of one KMeans call in kernel memory, and one assignment pass over them per {@link pass} call. */
class LloydSession {
  private readonly flavor;
  private readonly at;
  private readonly nPanels: number;
  /** Centers per panel. */
  private readonly width: number;
  /** Kernel chunks of a pass; with weights, each has its own partial sums (see {@link sumChunkRows}). */
  private readonly chunks: number;

  /**
   * The filter's power of two (see {@link filterShift}): 1 in float64, whose data the hooks bring in range; for
   * float32, set by {@link prepare} from the data's largest magnitude.
   */
  private filter = 1;

  /**
   * @param sampleWeight the rows' weights; without them the session can only assign (`pass` without `accumulate`).
   * @param centerMagnitude the largest magnitude of any center the session will be given.
   */
  constructor(
    private readonly arena: Arena,
    private readonly run: RunKernel,
    private readonly X: Matrix,
    sampleWeight: Float64Array | undefined,
    private readonly k: number,
    private readonly centerMagnitude: number,
  ) {
    const { rows: n, cols: d, data } = X;
    const fl = (this.flavor = FLAVORS[X.dtype]);
    const block = lloydBlock(fl);
    this.width = block.centers;
    this.nPanels = panelCount(k, this.width);
    // With sums, the chunks are those of the pure-TypeScript path, so that both add in the same order; without,
    // small enough that an abort waits for little work.
    const chunkRows = sampleWeight ? sumChunkRows(n, k, d) : 256 * Math.max(1, Math.floor(ASSIGN_CHUNK_WORK / (256 * k * d)));
    this.chunks = Math.ceil(n / chunkRows);
    const partials = sampleWeight ? this.chunks : 0;
    const packedLength = rowBlocksLength(n, d, block.rows);
    // Rows padded to whole blocks: the kernel reads norms and writes labels a block at a time.
    const paddedRows = rowBlocksLength(n, 1, block.rows);
    const at = {
      xPacked: arena.alloc(packedLength * fl.bytes),
      xRows: arena.alloc(n * d * fl.bytes),
      xNorms: arena.alloc(paddedRows * fl.bytes),
      weights: arena.alloc(sampleWeight ? n * 8 : 0),
      labels: arena.alloc(paddedRows * 4),
      cPanels: arena.alloc(this.nPanels * this.width * d * fl.bytes),
      cNorms: arena.alloc(this.nPanels * this.width * fl.bytes),
      cRows: arena.alloc(k * d * fl.bytes),
      sums: arena.alloc(partials * k * d * 8),
      wsums: arena.alloc(partials * k * 8),
      maxAbs: arena.alloc(this.chunks * 8),
    };
    this.at = { ...at, n, d, nPanels: this.nPanels, k, chunkRows };
    arena.floats(data, at.xRows, n * d).set(data);
    // Padding of the last row block: zero values and norms (the kernel of {@link prepare} writes only real rows).
    const lastBlock = n - (n % block.rows);
    arena.floats(data, at.xPacked + lastBlock * d * fl.bytes, packedLength - lastBlock * d).fill(0);
    arena.floats(data, at.xNorms, paddedRows).fill(0);
    if (sampleWeight) arena.f64(at.weights, n).set(sampleWeight);
  }

  /**
   * Writes the samples' row blocks (the layout of `packRowBlocks`) and norms, in parallel; once, before any pass.
   * The same kernel finds the data's largest magnitude (no pass over X here), which sets the float32 filter's power
   * of two: in the rare case that it is not 1 (magnitudes beyond 2^±40), the layout is written again in its units.
   */
  async prepare(): Promise<void> {
    const layout = (scale: number) =>
      this.run(kernelName.lloydPrepare(this.flavor), this.chunks, kernelArgs(LLOYD_PREPARE_PARAMS, { ...this.at, margin: NORM_MARGIN, scale }));
    await layout(1);
    if (this.flavor.bytes !== 4) return;
    const largest = this.arena.f64(this.at.maxAbs, this.chunks).reduce((m, v) => Math.max(m, v), this.centerMagnitude);
    this.filter = 2 ** filterShift(largest);
    if (this.filter !== 1) await layout(this.filter);
  }

  /**
   * One assignment pass: `labels` filled; with `accumulate`, the clusters' weighted sums, added up chunk by chunk in
   * chunk order, as {@link assignAndSum} does, whatever thread filled each chunk's partial.
   */
  async pass(centers: Matrix, labels: Int32Array, accumulate: boolean): Promise<ClusterSums | undefined> {
    const { arena, at, k, X, chunks } = this;
    const d = X.cols;
    const fl = this.flavor;
    const width = this.width;
    const filter = this.filter;
    arena.floats(X.data, at.cRows, k * d).set(centers.data);
    // Centers as -2 c in the filter's units: exact, and the kernel's accumulators then hold -2 x.c.
    const panels = arena.floats(X.data, at.cPanels, this.nPanels * width * d);
    packPanels(centers.data, k, d, width, 0, panels, -2 * filter);
    const norms = squaredNorms(centers.data, k, d);
    const normsOut = arena.floats(X.data, at.cNorms, this.nPanels * width).fill(Infinity);
    for (let c = 0; c < k; c++) normsOut[c] = norms[c] * filter * filter;
    // Error bound of one approximate distance ||c||^2 - 2 x.c, per row: boundA * ||x|| + boundB (see the kernel),
    // in the filter's units.
    const u = UNIT_ROUNDOFF[X.dtype];
    const maxC = Math.sqrt(norms.reduce((m, v) => Math.max(m, v), 0)) * filter;
    const boundA = 2 * (2 * d + 4) * u * maxC;
    const boundB = 8 * u * maxC * maxC;
    // A row is re-assigned exactly when its two smallest distances are within twice its bound, plus an absolute
    // slack for products that fall below the flavor's normal range (the bound above is relative).
    const thrA = 2 * boundA * BOUND_MARGIN;
    const thrB = 2 * boundB * BOUND_MARGIN + (fl.bytes === 4 ? 1e-30 : 1e-300);
    const args = kernelArgs(LLOYD_PARAMS, { ...at, thrA, thrB, update: Number(accumulate) });
    await this.run(kernelName.lloyd(fl), chunks, args);
    labels.set(arena.i32(at.labels, X.rows));
    if (!accumulate) return undefined;
    // The chunks' partials, added up in chunk order into the first one's, on this thread.
    await this.run(kernelName.lloydReduce, 1, kernelArgs(LLOYD_REDUCE_PARAMS, { ...at, chunks }));
    return { sums: arena.f64(at.sums, k * d).slice(), weights: arena.f64(at.wsums, k).slice() };
  }

  /**
   * Every row's squared distance to the center the last {@link pass} labelled it with: float64 direct differences
   * summed in column order, as the pure-TypeScript `inertiaSteps` computes them.
   */
  async labelledDistances(): Promise<Float64Array> {
    const { arena, X } = this;
    return arena.f64(await this.labelled(), X.rows).slice();
  }

  /**
   * The inertia of the last pass's labels against `centers` (the centers Lloyd ended with): the weighted sum, in row
   * order, of {@link labelledDistances} to them, which is the pure-TypeScript `inertia` bit for bit.
   */
  async inertia(centers: Matrix, sampleWeight: Float64Array): Promise<number> {
    const { arena, at, X } = this;
    arena.floats(X.data, at.cRows, this.k * X.cols).set(centers.data);
    const distances = arena.f64(await this.labelled(), X.rows);
    let total = 0;
    for (let i = 0; i < X.rows; i++) total += distances[i] * sampleWeight[i];
    return total;
  }

  /** Runs the labelled-distances kernel; returns the address of its n float64 results. */
  private async labelled(): Promise<number> {
    const { arena, at, X } = this;
    const out = arena.alloc(X.rows * 8);
    const args = kernelArgs(EXACT_LABELLED_PARAMS, { xRows: at.xRows, n: X.rows, d: X.cols, cRows: at.cRows, labels: at.labels, out, chunkRows: at.chunkRows });
    await this.run(exactKernelName.labelled(X.dtype), this.chunks, args);
    return out;
  }
}

/**
 * Lloyd's algorithm (see {@link lloydSteps}) from each of `inits`, on the fast path; keeps the lowest inertia.
 * Aborting `signal` stops it between kernel chunks, rejecting with core's `AbortError`.
 */
export function fastLloyd(runtime: KernelRuntime, args: Omit<LloydArgs, "initCenters">, inits: readonly Matrix[], signal?: AbortSignal): Promise<LloydResult> {
  return runtime.exclusive(async (arena, run) => {
    let best: LloydResult | undefined;
    // Centers stay within the data's hull (means of rows, or rows), so the initial ones bound them all.
    const session = new LloydSession(arena, run, args.X, args.sampleWeight, inits[0].rows, magnitudes(...inits.map((c) => c.data)).max);
    await session.prepare();
    for (const initCenters of inits) {
      const steps = lloydSteps({ ...args, initCenters });
      let step = steps.next();
      while (!step.done) step = steps.next(await session.pass(step.value.centers, step.value.labels, step.value.accumulate));
      const run = { ...step.value, inertia: await session.inertia(step.value.centers, args.sampleWeight) };
      // Strictly lower, as scikit-learn: on ties the earlier initialisation is kept.
      if (!best || run.inertia < best.inertia) best = run;
    }
    return best!;
  }, signal);
}

/**
 * Index of the nearest center of every row of `X` (ties to the lowest index), on the fast path, as
 * {@link nearestCenters}; mixed dtypes are computed in float64 (see {@link commonDtype}).
 */
export function fastNearestCenters(runtime: KernelRuntime, X: Matrix, centers: Matrix, signal?: AbortSignal): Promise<Int32Array> {
  const dtype = commonDtype(X, centers);
  return runtime.exclusive(async (arena, run) => {
    const labels = new Int32Array(X.rows);
    const session = new LloydSession(arena, run, X.astype(dtype), undefined, centers.rows, magnitudes(centers.data).max);
    await session.prepare();
    await session.pass(centers.astype(dtype), labels, false);
    return labels;
  }, signal);
}

/**
 * Each row's squared distance to its nearest center (ties to the lowest index), on the fast path: the labels of
 * {@link fastNearestCenters}, then the exact distances to them, so that their weighted sum in row order is the
 * pure-TypeScript inertia bit for bit. Mixed dtypes are computed in float64 (see {@link commonDtype}).
 */
export function fastNearestDistances(runtime: KernelRuntime, X: Matrix, centers: Matrix, signal?: AbortSignal): Promise<Float64Array> {
  const dtype = commonDtype(X, centers);
  return runtime.exclusive(async (arena, run) => {
    const session = new LloydSession(arena, run, X.astype(dtype), undefined, centers.rows, magnitudes(centers.data).max);
    await session.prepare();
    await session.pass(centers.astype(dtype), new Int32Array(X.rows), false);
    return session.labelledDistances();
  }, signal);
}
