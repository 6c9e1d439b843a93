/**
 * Long computations as a series of short submissions, so that an `AbortSignal` takes effect within a couple of
 * them: each kind of kernel has a measured speed per device ({@link Pace}), and {@link Paced} groups a
 * computation's steps into submissions of about {@link SUBMISSION_MS} each, keeps one queued ahead, and checks
 * the signal in between.
 */
import { AbortError } from "@plugml/core";
import type { Gpu } from "../device.js";
import { Batch, writeArray } from "./dispatch.js";

/**
 * Target duration of one submission. An abort waits for the submissions in flight (at most two), so this bounds
 * the abort latency; it is long enough that recording and submitting the next one (a few milliseconds on
 * lavapipe, less on a GPU) costs little.
 */
export const SUBMISSION_MS = 60;

/**
 * The kernels whose work is paced, each with its own work unit: `neighbors` queries x training rows x features,
 * `lloyd` rows x centers x features (assignment and sums), `distances` the same for KMeans.transform, `columns`
 * and `affine` matrix elements.
 */
export type PaceKind = "neighbors" | "lloyd" | "distances" | "columns" | "affine";

/**
 * Work units per millisecond assumed before anything was measured on a device: about half of what lavapipe does
 * on two cores, so that the first submissions on the slowest device still end within {@link SUBMISSION_MS}. A
 * real GPU is faster by orders of magnitude; its estimate grows 4x per submission until submissions take their
 * target time.
 */
const INITIAL_RATE: Record<PaceKind, number> = {
  neighbors: 2e5,
  lloyd: 1e5,
  distances: 1e5,
  columns: 5e4,
  affine: 5e4,
};

/** Largest growth of a speed estimate from one submission: one outlier cannot make the next submission huge. */
const MAX_GROWTH = 4;

/**
 * Bytes moved per step of a large upload or readback. Copies run at memory speed, except that lavapipe touches
 * fresh buffer memory for the first time there (about 2 s per GiB on two loaded cores), which would otherwise
 * block the event loop, and the abort with it, for seconds.
 */
const TRANSFER_STEP_BYTES = 64 * 1024 * 1024;

/** A readback: `bytes` bytes at `offset` of `buffer`. */
export interface Readback {
  buffer: GPUBuffer;
  offset: number;
  bytes: number;
}

/** The measured speed of one kind of kernel on one device. */
export class Pace {
  private rate: number;

  constructor(kind: PaceKind) {
    this.rate = INITIAL_RATE[kind];
  }

  /** Work units that one submission should hold. */
  get budget(): number {
    return this.rate * SUBMISSION_MS;
  }

  /**
   * Updates the estimate from a submission of `units` that took `ms`. A submission holding much less than the
   * budget mostly measures fixed costs (submit, wait, readback), so it only counts when it took too long.
   */
  observe(units: number, ms: number): void {
    if (units < this.budget / 2 && ms <= SUBMISSION_MS) return;
    this.rate = Math.min(units / Math.max(ms, 1), this.rate * MAX_GROWTH);
  }
}

/** Rejects with core's AbortError when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError("The operation was aborted.", { cause: signal.reason });
}

/**
 * A computation submitted in steps. Steps are recorded into the current {@link Batch} until it holds the pace's
 * budget; then it is queued, and the host waits for the submission queued before it, so that the device always
 * has the next one while the host records (waiting for each would leave it idle between submissions). The signal
 * is checked between submissions: an abort takes effect within about two of them, after both have finished, so
 * nothing is left queued, and the batch being recorded is discarded. Buffers that steps of different submissions
 * share must outlive the batches (the caller owns them); a batch's own scratch buffers live until it is done.
 */
export class Paced {
  private batch: Batch;
  private work = 0;
  private readonly pace: Pace;
  private drained = false;
  /** The submission queued and not yet waited for. */
  private ahead?: Promise<ArrayBuffer[]>;
  /** When the last submission finished: a submission's device time starts then, or when it was queued. */
  private lastDone = 0;

  constructor(
    private readonly gpu: Gpu,
    kind: PaceKind,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.pace = gpu.pace(kind);
    this.batch = new Batch(gpu);
  }

  /** Work units one submission should hold now (steps are sized from it). */
  get budget(): number {
    return this.pace.budget;
  }

  /** Records a step of `work` units, queueing what was recorded before when the step would overfill the batch. */
  async step(work: number, encode: (batch: Batch) => void): Promise<void> {
    if (this.work > 0 && this.work + work > this.pace.budget) {
      await this.start();
      const previous = this.ahead;
      this.ahead = this.queue();
      if (previous) await this.settle(previous);
    }
    await this.check();
    encode(this.batch);
    this.work += work;
  }

  /**
   * Submits what is left with `reads`, waits for everything, and returns the values of the reads, in order.
   * Small reads go in that submission; large ones follow in steps of {@link TRANSFER_STEP_BYTES}, the signal
   * checked between them. The object can record further steps afterwards.
   */
  async finish(reads: readonly Readback[] = []): Promise<ArrayBuffer[]> {
    await this.start();
    const large = reads.filter((r) => r.bytes > TRANSFER_STEP_BYTES);
    for (const r of reads) if (r.bytes <= TRANSFER_STEP_BYTES) this.batch.read(r.buffer, r.offset, r.bytes);
    const previous = this.ahead;
    const last = (this.ahead = this.queue());
    if (previous) await this.settle(previous);
    const small = await this.settle(last);
    this.ahead = undefined;
    await this.check();
    const values: ArrayBuffer[] = [];
    for (const r of reads) {
      if (!large.includes(r)) {
        values.push(small.shift()!);
        continue;
      }
      const whole = new Uint8Array(r.bytes);
      for (let done = 0; done < r.bytes; done += TRANSFER_STEP_BYTES) {
        const bytes = Math.min(TRANSFER_STEP_BYTES, r.bytes - done);
        const batch = new Batch(this.gpu);
        batch.read(r.buffer, r.offset + done, bytes);
        whole.set(new Uint8Array((await batch.submit())[0]), done);
        await this.check();
      }
      values.push(whole.buffer);
    }
    return values;
  }

  /** Timings start from an empty queue: uploads and other hooks' work queued before are not this kernel's. */
  private async start(): Promise<void> {
    if (this.drained) return;
    this.drained = true;
    await this.gpu.device.queue.onSubmittedWorkDone();
    await this.check();
  }

  /** Submits the recorded batch now; the promise settles when the device has done it. */
  private queue(): Promise<ArrayBuffer[]> {
    const work = this.work;
    const batch = this.batch;
    this.batch = new Batch(this.gpu);
    this.work = 0;
    const queued = performance.now();
    const submission = batch.submit().then((values) => {
      const done = performance.now();
      this.pace.observe(work, done - Math.max(queued, this.lastDone));
      this.lastDone = done;
      return values;
    });
    // Awaited later (settle, check); a caller that fails between steps may not, and a rejection nobody awaits
    // would end a Node process.
    submission.catch(() => undefined);
    return submission;
  }

  /** Waits for `submission`; if it failed, waits for the one queued after it too before passing the error on. */
  private async settle(submission: Promise<ArrayBuffer[]>): Promise<ArrayBuffer[]> {
    try {
      return await submission;
    } catch (e) {
      if (this.ahead !== submission) await this.ahead?.catch(() => undefined);
      this.ahead = undefined;
      throw e;
    }
  }

  /** On an abort: drops the batch being recorded, waits for the one queued, and rejects with core's AbortError. */
  private async check(): Promise<void> {
    if (!this.signal?.aborted) return;
    this.batch.discard();
    this.work = 0;
    await this.ahead?.catch(() => undefined);
    this.ahead = undefined;
    throwIfAborted(this.signal);
  }
}

/**
 * Writes `data` to `buffer` from byte 0 in steps of {@link TRANSFER_STEP_BYTES}, checking `signal` in between,
 * so that a large upload neither blocks the event loop nor outlasts an abort.
 */
export async function writeInSteps(gpu: Gpu, buffer: GPUBuffer, data: Float32Array, signal: AbortSignal | undefined, onCopy?: () => void): Promise<void> {
  const step = TRANSFER_STEP_BYTES / 4;
  let copied = false;
  for (let start = 0; start < data.length; start += step) {
    throwIfAborted(signal);
    writeArray(gpu, buffer, start * 4, data.subarray(start, start + step), () => (copied = true));
    // A macrotask, not the queue's promise: that one can settle without returning to the event loop, where timers
    // and other callers (the one that aborts, too) wait.
    if (start + step < data.length) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  if (copied) onCopy?.();
}
