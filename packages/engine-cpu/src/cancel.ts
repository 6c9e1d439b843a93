/**
 * Cancellation in the CPU engine: the `AbortError` every hook rejects with once `ctx.signal` is aborted, and the
 * driver that runs the pure-TypeScript kernels (step generators) slice by slice, checking the signal between slices
 * and yielding to the event loop often enough for an abort timer or event to be delivered.
 */
import { AbortError } from "@plugml/core";
import type { Steps } from "./kernels/steps.js";

/** Milliseconds of work after which a driven kernel lets the event loop run. */
const YIELD_MS = 20;

/** Core's `AbortError` for an aborted signal, its reason as the cause. */
export function abortError(signal: AbortSignal): AbortError {
  return new AbortError("The operation was aborted.", { cause: signal.reason });
}

/** Throws {@link abortError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Lets pending timers and events run (setImmediate in Node, which costs no clamped millisecond). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Tracks time since the last yield for code that runs long stretches of synchronous work: {@link pause} yields to
 * the event loop when {@link YIELD_MS} have passed and then throws if the signal was aborted meanwhile.
 */
export class Pacer {
  private last = performance.now();

  constructor(private readonly signal: AbortSignal | undefined) {}

  /** Throws if aborted; yields first when the thread has been busy for a while. */
  async pause(): Promise<void> {
    if (performance.now() - this.last >= YIELD_MS) {
      await yieldToEventLoop();
      this.last = performance.now();
    }
    throwIfAborted(this.signal);
  }

  /** Whether {@link pause} would yield now (lets hot loops skip the await most of the time). */
  get due(): boolean {
    return this.signal?.aborted === true || performance.now() - this.last >= YIELD_MS;
  }
}

/** Runs a step generator to completion, checking `signal` at each step and yielding every {@link YIELD_MS}. */
export async function drive<R>(steps: Steps<R>, signal: AbortSignal | undefined, pacer = new Pacer(signal)): Promise<R> {
  throwIfAborted(signal);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (pacer.due) await pacer.pause();
  }
}
