/**
 * The call loop: asks candidate engines, in order, to run one hook, with pluggy's firstresult semantics on a
 * tapable `AsyncSeriesBailHook`. The first engine to return something other than `undefined` wins; an engine
 * declines by returning `undefined`, by its `accepts` returning a reason, or by throwing
 * `NotSupportedByEngineError`. An engine whose device is lost (`DeviceLostError`) is a fault, not a bug: the next
 * engine is asked. Every attempt becomes one trace entry, and every result is checked against its contract.
 */
import { AsyncSeriesBailHook } from "tapable";
import { EngineContractError, EngineDeclinedError, type DeclineReason } from "../errors.js";
import { contractViolation } from "./contracts.js";
import { getEngine, isBlocked, registryGeneration } from "./registry.js";
import type { Engine, EstimatorName, HookContext, HookName, TraceRecorder } from "./specs.js";
import { publish, recorderFor, type TraceEntry } from "./trace.js";

/** One hook call as the estimator describes it. */
export interface HookCall<C extends HookContext<unknown> = HookContext<unknown>> {
  estimator: EstimatorName;
  /** User-facing method, for the trace. */
  method: string;
  hook: HookName;
  /** Engine names in order of preference. */
  candidates: readonly string[];
  /** Ask each engine's `accepts` before the hook (selection calls); lifecycle steps after selection skip it. */
  gate: boolean;
  /** Builds the context one engine receives (it may differ per engine, e.g. its own fit state). */
  context(engine: Engine, record: TraceRecorder): C;
  /** Collects this call's entries (the estimator's `engineTrace_`). */
  trace(entry: TraceEntry): void;
}

/** The winning engine and what its hook returned. */
export interface HookResult<V = unknown> {
  engine: string;
  /** The engine object that ran (another object may be registered under the same name later). */
  implementation: Engine;
  value: V;
}

/** State shared by the taps of one call: the entry being written and the reasons collected so far. */
interface Attempt {
  call: HookCall;
  entry: TraceEntry;
  reasons: DeclineReason[];
  /** Device losses met so far: the error to throw when no engine is left to take over. */
  faults: Error[];
}

type AttemptHook = AsyncSeriesBailHook<[Attempt], HookResult | undefined>;
type AttemptFn = (attempt: Attempt) => Promise<HookResult | undefined>;

const compiled = new Map<string, { generation: number; hook: AttemptHook }>();

/** Hooks whose absence is not a refusal: the engine accepts with a neutral result. */
const DEFAULTS: Partial<Record<HookName, (ctx: unknown) => unknown>> = {
  prepareFit: () => ({}),
  postFit: (ctx) => (ctx as { fitResult?: unknown }).fitResult,
};

/**
 * Runs `call.hook` on the first engine that accepts it. Throws {@link EngineDeclinedError} listing every reason
 * when none does, or the `DeviceLostError` when a device loss left no engine to take over. An engine's own error
 * propagates (after being traced), since falling back would hide a bug; so does a result that breaks its contract
 * (as an `EngineContractError` naming the engine).
 */
export async function callHook<V>(call: HookCall): Promise<HookResult<V>> {
  const reasons: DeclineReason[] = [];
  const faults: Error[] = [];
  const hook = hookFor(call.estimator, call.hook, call.candidates);
  const result = await hook.promise({ call, entry: blankEntry(call, ""), reasons, faults });
  if (!result) throw faults[faults.length - 1] ?? new EngineDeclinedError(call.estimator, call.hook, reasons);
  return result as HookResult<V>;
}

/** Whether an error is a device loss (matched by name, so a copy of core in another package counts too). */
export function isDeviceLost(e: unknown): e is Error {
  return e instanceof Error && e.name === "DeviceLostError";
}

/**
 * One tap per candidate, in order. A name that is not registered or is blocked gets a tap that declines, so that
 * its entry appears where it was asked, and only if every engine before it declined.
 */
function hookFor(estimator: EstimatorName, hookName: HookName, names: readonly string[]): AttemptHook {
  const key = `${estimator}.${hookName}:${names.join(",")}`;
  const cached = compiled.get(key);
  if (cached && cached.generation === registryGeneration()) return cached.hook;
  const hook: AttemptHook = new AsyncSeriesBailHook<[Attempt], HookResult | undefined>(["attempt"]);
  hook.intercept({ register: (tap) => ({ ...tap, fn: traced(tap.name, tap.fn as AttemptFn) }) });
  for (const name of names) {
    const engine = getEngine(name);
    const unusable = !engine ? "not registered" : isBlocked(name) ? "blocked by blockEngine()" : undefined;
    hook.tapPromise(name, async (attempt) => (unusable ? decline(attempt, name, unusable) : runEngine(engine!, attempt)));
  }
  compiled.set(key, { generation: registryGeneration(), hook });
  return hook;
}

/** Wraps a tap so each attempt is timed and traced whatever its outcome (tapable's `register` interceptor). */
function traced(engine: string, fn: AttemptFn): AttemptFn {
  return async (attempt: Attempt): Promise<HookResult | undefined> => {
    const entry = blankEntry(attempt.call, engine);
    attempt.entry = entry;
    const start = performance.now();
    try {
      const faultsBefore = attempt.faults.length;
      const result = await fn(attempt);
      entry.outcome = result !== undefined ? "ran" : attempt.faults.length > faultsBefore ? "fault" : "declined";
      return result;
    } catch (e) {
      entry.outcome = "error";
      entry.reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw e;
    } finally {
      entry.ms = performance.now() - start;
      attempt.call.trace(entry);
      publish(entry);
    }
  };
}

/** Records a refusal in the attempt's entry and in the reasons an `EngineDeclinedError` would list. */
function decline(attempt: Attempt, engine: string, reason: string): undefined {
  attempt.entry.reason = reason;
  attempt.reasons.push({ engine, reason });
  return undefined;
}

async function runEngine(engine: Engine, attempt: Attempt): Promise<HookResult | undefined> {
  const { call } = attempt;
  const hooks = engine.estimators[call.estimator] as Record<string, ((ctx: unknown) => unknown) | undefined> | undefined;
  if (!hooks) return decline(attempt, engine.name, `does not implement ${call.estimator}`);
  const ctx = call.context(engine, recorderFor(attempt.entry));
  try {
    if (call.gate && hooks.accepts) {
      const verdict = await hooks.accepts.call(hooks, ctx);
      if (verdict !== true) return decline(attempt, engine.name, typeof verdict === "string" ? verdict : "accepts() returned false");
    }
    const impl = hooks[call.hook] ?? DEFAULTS[call.hook];
    if (!impl) return decline(attempt, engine.name, `does not implement ${call.estimator}.${call.hook}`);
    const value = await impl.call(hooks, ctx);
    if (value === undefined) return decline(attempt, engine.name, `${call.hook} returned undefined`);
    const violation = contractViolation(ctx, value);
    if (violation) {
      throw new EngineContractError(`Engine "${engine.name}" returned a malformed result from ${call.estimator}.${call.hook}: ${violation}.`);
    }
    return { engine: engine.name, implementation: engine, value };
  } catch (e) {
    // Matched by name so that an error class from another copy of @plugml/core still counts as a refusal.
    if (e instanceof Error && e.name === "NotSupportedByEngineError") return decline(attempt, engine.name, e.message);
    if (isDeviceLost(e)) {
      attempt.faults.push(e);
      return decline(attempt, engine.name, `${e.name}: ${e.message}`);
    }
    throw e;
  }
}

function blankEntry(call: HookCall, engine: string): TraceEntry {
  return {
    estimator: call.estimator,
    method: call.method,
    hook: call.hook,
    engine,
    outcome: "ran",
    ms: 0,
    bytesToDevice: 0,
    bytesFromDevice: 0,
    conversions: [],
  };
}
