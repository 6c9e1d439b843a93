/**
 * Warnings: results that are valid but not what the user may have asked for (scikit-learn's `warnings.warn`).
 * Each is recorded on the estimator (`warnings_`), sent to the listeners of {@link addWarningListener}, printed to
 * stderr with `PLUGML_TRACE=1`, and, when nobody listens, printed once per message with `console.warn`, as
 * Python's default warning filter does.
 */

/** Base class of plugml's warnings. `name` is a literal on every class, so it survives minification. */
export class PlugmlWarning {
  readonly name: string = "PlugmlWarning";
  constructor(
    readonly message: string,
    /** Where it was raised, e.g. `"KMeans.fit"`. */
    readonly where: string,
  ) {}

  toString(): string {
    return `${this.name}: ${this.where}: ${this.message}`;
  }
}

/** An iterative fit ended in a state the user should know about (scikit-learn's `ConvergenceWarning`). */
export class ConvergenceWarning extends PlugmlWarning {
  override readonly name: string = "ConvergenceWarning";
}

/** A parameter could not take effect as given and a documented substitute was used (e.g. `nInit` with explicit `init`). */
export class ParameterWarning extends PlugmlWarning {
  override readonly name: string = "ParameterWarning";
}

/** A metric is ill-defined for the given labels and a documented value was used (scikit-learn's `UndefinedMetricWarning`). */
export class UndefinedMetricWarning extends PlugmlWarning {
  override readonly name: string = "UndefinedMetricWarning";
}

/** Receives every warning of every estimator. */
export type WarningListener = (warning: PlugmlWarning) => void;

const listeners = new Set<WarningListener>();
const printed = new Set<string>();

/** Subscribes to every warning; returns the function that unsubscribes. While any listener exists, nothing is printed by default. */
export function addWarningListener(listener: WarningListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const traceToStderr =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.PLUGML_TRACE === "1";

/** Delivers a warning to the listeners, or prints it (once per text) when there are none. */
export function publishWarning(warning: PlugmlWarning): void {
  for (const listener of listeners) listener(warning);
  const line = `[plugml] ${warning.toString()}`;
  if (traceToStderr) console.error(line);
  else if (listeners.size === 0 && !printed.has(line)) {
    printed.add(line);
    console.warn(line);
  }
}
