// Assertion helpers shared by core's tests.
import { expect } from "@jest/globals";
import { ValidationError } from "../src/errors.js";
import { addWarningListener, type PlugmlWarning } from "../src/warnings.js";

/** The message of the ValidationError `fn` throws; fails the test if it throws nothing or something else. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as Error).message;
  }
  throw new Error("expected a ValidationError");
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error("expected a rejection");
  return error;
}

/** `fn`'s result and the warnings it published meanwhile. */
export function withWarnings<T>(fn: () => T): [T, PlugmlWarning[]] {
  const seen: PlugmlWarning[] = [];
  const stop = addWarningListener((w) => seen.push(w));
  try {
    return [fn(), seen];
  } finally {
    stop();
  }
}
