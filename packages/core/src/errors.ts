/**
 * Every error plugml throws on purpose. Each class sets `name` to its own literal class name (a string, not
 * `new.target.name`, which minifiers rename), so callers can branch on `err.name` across package copies, realms
 * and minified bundles where `instanceof` or the constructor's name is unreliable.
 */

/** Base class of plugml's own errors. */
export class PlugmlError extends Error {
  override name: string = "PlugmlError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Input data or a parameter is invalid. The message says what is wrong and where (row, column, parameter). */
export class ValidationError extends PlugmlError {
  override name: string = "ValidationError";
}

/** A method that needs a fitted estimator was called before `fit`. */
export class NotFittedError extends PlugmlError {
  override name: string = "NotFittedError";
  constructor(estimator: string, method: string) {
    super(`${estimator} is not fitted yet: call fit before ${method}.`);
  }
}

/** What {@link EngineNotFoundError} knows beyond the name. */
export interface EngineNotFoundDetails {
  /** Every package tried, in order. */
  tried?: readonly string[];
  /** A registered or first-party engine name the user probably meant. */
  suggestion?: string;
  /** The engines that declined the call before this one was needed (it was a fallback). */
  declined?: readonly DeclineReason[];
  /** Set where bare package names cannot be imported (a browser page without an import map or bundler). */
  bareImportsFail?: boolean;
}

/**
 * An engine a call needed is neither registered nor installed: as `@plugml/engine-<name>`, `plugml-engine-<name>`,
 * or the full package name given. Raised only when a call reaches that engine, never for a fallback that was not
 * needed; the message lists the engines that declined first and how to install or register the missing one.
 */
export class EngineNotFoundError extends PlugmlError {
  override name: string = "EngineNotFoundError";
  constructor(
    readonly engine: string,
    readonly packageName: string,
    cause?: unknown,
    readonly details: EngineNotFoundDetails = {},
  ) {
    const tried = details.tried ?? [packageName];
    const declined = details.declined?.length
      ? ` It was needed because ${details.declined.map((d) => `"${d.engine}" declined (${d.reason})`).join(", ")}.`
      : "";
    const meant = details.suggestion ? ` Did you mean "${details.suggestion}"?` : "";
    const how = details.bareImportsFail
      ? ` Here (a browser) package names cannot be imported by name: import the engine and call registerEngine(engine), or use a bundler or an import map.`
      : ` Install it with \`npm install ${packageName}\`, or call registerEngine() with the engine object.`;
    super(
      `Engine "${engine}" is not registered and ${tried.length > 1 ? `none of the packages ${tried.join(", ")}` : `the package ${tried[0]}`} could be loaded.` +
        `${declined}${meant}${how}`,
      { cause },
    );
  }
}

/** One engine's refusal, as collected in {@link EngineDeclinedError.reasons}. */
export interface DeclineReason {
  engine: string;
  reason: string;
}

/**
 * Every candidate engine declined a call: with `fallback: false` when each named engine refused, otherwise only
 * when the default engines refused too. `reasons` lists every engine's answer in the order they were asked.
 */
export class EngineDeclinedError extends PlugmlError {
  override name: string = "EngineDeclinedError";
  constructor(
    readonly estimator: string,
    readonly hook: string,
    readonly reasons: DeclineReason[],
  ) {
    const list = reasons.map((r) => `  - ${r.engine}: ${r.reason}`).join("\n");
    super(`No engine accepted ${estimator}.${hook}:\n${list || "  (no engine was configured)"}`);
  }
}

/**
 * Thrown by an engine from a hook to decline late, when it only finds out while working that it cannot do the job
 * (typically in `prepareFit` or a model hook). The dispatcher records the message as the reason and asks the next
 * engine; from `fit` or `postFit`, the whole fit goes to the next candidate. Matched by `name`, so a copy of this
 * class from another copy of @plugml/core works too.
 */
export class NotSupportedByEngineError extends PlugmlError {
  override name: string = "NotSupportedByEngineError";
}

/** An engine object does not match the hook specifications; raised by `registerEngine`. */
export class EngineValidationError extends PlugmlError {
  override name: string = "EngineValidationError";
}

/** An engine returned something its hook spec does not allow (a bug in the engine, reported, never hidden). */
export class EngineContractError extends PlugmlError {
  override name: string = "EngineContractError";
}

/**
 * An engine's device stopped working during a call (a GPU reset, a driver crash, a destroyed device): a fault of
 * the machine, not of the input or the user's cancel. With fallback on, the call is handed to the next engine and
 * the loss is recorded in the trace; when no engine is left, the call rejects with this error. Matched by `name`.
 */
export class DeviceLostError extends PlugmlError {
  override name: string = "DeviceLostError";
  constructor(
    readonly engine: string,
    /** The device's own reason, e.g. `"destroyed"` or `"unknown"`, and its message when it gave one. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`The ${engine} engine's device was lost (${reason}).`, options);
  }
}

/**
 * With `transfers: "error"`, data resident on one engine's device would have moved to another engine (or been read
 * back to the host by core). The message names the step, the engines and the bytes.
 */
export class TransferNotAllowedError extends PlugmlError {
  override name: string = "TransferNotAllowedError";
}

/** A computation was cancelled through an `AbortSignal`. Matches the DOM's `AbortError` by name. */
export class AbortError extends PlugmlError {
  override name: string = "AbortError";
  constructor(message = "The operation was aborted.", options?: { cause?: unknown }) {
    super(message, options);
  }
}
