/**
 * Kernels as step generators: a long kernel yields between slices of its work (about {@link STEP_WORK} operations
 * each), so that the engine's hooks can drive it asynchronously, checking for cancellation and letting the event
 * loop run, while the exported synchronous kernels simply {@link drain} it. The loop is written once either way.
 */

/** Operations (multiply-adds, or their like) between two yields of a step generator. */
export const STEP_WORK = 1 << 20;

/** A kernel that yields between slices of its work and returns its result. */
export type Steps<R> = Generator<void, R, void>;

/** Runs a step generator to completion on this thread and returns its result. */
export function drain<R>(steps: Steps<R>): R {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
