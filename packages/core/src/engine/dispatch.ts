/**
 * The call loop: asks candidate engines, in order, to run one hook, with pluggy's firstresult semantics on a
 * tapable `AsyncSeriesBailHook`. An engine declines only through its manifest (checked here, before its gates),
 * `accepts` (it cannot run the call), `shouldRun` (running is not worth it while another candidate could take the
 * call: the call is skipped, and comes back to it if nobody else runs it) or by throwing `NotSupportedByEngineError`.
 * A device loss (`DeviceLostError`) is a fault: the next engine is asked. Candidates are imported only when a call
 * reaches them. Every attempt becomes one trace entry, and every result is checked against its contract.
 */
import { AsyncSeriesBailHook } from "tapable";
import { EngineContractError, EngineDeclinedError, type DeclineReason } from "../errors.js";
import { contractViolation } from "./contracts.js";
import { manifestRefusal } from "./manifest.js";
import { isBlocked, registryGeneration } from "./registry.js";
import { loadEngine, registeredEngine } from "./resolve.js";
import type { Engine, EstimatorName, HookContext, HookName, TraceRecorder } from "./specs.js";
import { publish, recorderFor, type TraceEntry } from "./trace.js";

/** One hook call as the estimator describes it. */
export interface HookCall<C extends HookContext<unknown> = HookContext<unknown>> {
  estimator: EstimatorName;
  /** User-facing method, for the trace. */
  method: string;
  hook: HookName;
  /** Engine names (or packages) in order of preference. */
  candidates: readonly string[];
  /** Ask each engine's `accepts` and `shouldRun` before the hook (selection calls); later lifecycle steps skip them. */
  gate: boolean;
  /** A candidate that is never imported: the engine that fitted, if it was unregistered since. */
  noImport?: string;
  /** Ask the gates only, run no hook, publish nothing: every candidate's verdict ends up in `trace`. */
  dryRun?: boolean;
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

/** State shared by the taps of one call: the entry being written and what was collected so far. */
interface Attempt {
  call: HookCall;
  entry: TraceEntry;
  reasons: DeclineReason[];
  /** Device losses met so far: the error to throw when no engine is left to take over. */
  faults: Error[];
  /** Candidates that accepted but whose `shouldRun` passed the call on, with their reasons, in order. */
  skipped: { spec: string; reason: string }[];
  /** The second pass, over the skipped candidates, after nobody else ran the call. */
  overrule?: Map<string, string>;
}

type AttemptHook = AsyncSeriesBailHook<[Attempt], HookResult | undefined>;
type AttemptFn = (attempt: Attempt) => Promise<HookResult | undefined>;

const compiled = new Map<string, { generation: number; hook: AttemptHook }>();

/** Optional hooks whose absence is not a refusal: the engine runs them as the identity. */
const DEFAULTS: Partial<Record<HookName, (ctx: unknown) => unknown>> = {
  prepareFit: () => undefined,
  postFit: (ctx) => (ctx as { fitResult?: unknown }).fitResult,
};

/**
 * Runs `call.hook` on the first engine that accepts it (and, where another candidate could take the call, finds it
 * worth running). Throws {@link EngineDeclinedError} listing every reason when none does, or the `DeviceLostError`
 * when a device loss left no engine to take over. An engine's own error propagates (after being traced), since
 * falling back would hide a bug; so does a result that breaks its contract (an `EngineContractError` naming the
 * engine), and an `EngineNotFoundError` for a candidate the call reached that is not installed.
 */
export async function callHook<V>(call: HookCall): Promise<HookResult<V>> {
  const attempt: Attempt = { call, entry: blankEntry(call, ""), reasons: [], faults: [], skipped: [] };
  let result = await hookFor(call.estimator, call.hook, call.candidates).promise(attempt);
  if (!result && attempt.skipped.length > 0 && !call.dryRun) {
    // Nobody else took the call: the skipped candidates run it after all, in order, their reasons recorded.
    attempt.overrule = new Map(attempt.skipped.map((s) => [s.spec, s.reason]));
    result = await hookFor(call.estimator, call.hook, [...attempt.overrule.keys()]).promise(attempt);
  }
  if (!result) throw attempt.faults[attempt.faults.length - 1] ?? new EngineDeclinedError(call.estimator, call.hook, attempt.reasons);
  return result as HookResult<V>;
}

/** Whether an error is a device loss (matched by name, so a copy of core in another package counts too). */
export function isDeviceLost(e: unknown): e is Error {
  return e instanceof Error && e.name === "DeviceLostError";
}

/** One tap per candidate, in order; each finds (or imports) its engine only when the call reaches it. */
function hookFor(estimator: EstimatorName, hookName: HookName, names: readonly string[]): AttemptHook {
  const key = `${estimator}.${hookName}:${names.join(",")}`;
  const cached = compiled.get(key);
  if (cached && cached.generation === registryGeneration()) return cached.hook;
  const hook: AttemptHook = new AsyncSeriesBailHook<[Attempt], HookResult | undefined>(["attempt"]);
  hook.intercept({ register: (tap) => ({ ...tap, fn: traced(tap.name, tap.fn as AttemptFn) }) });
  names.forEach((spec, i) => {
    const last = i === names.length - 1;
    hook.tapPromise(spec, (attempt) => reach(spec, last, attempt));
  });
  compiled.set(key, { generation: registryGeneration(), hook });
  return hook;
}

/** The candidate's turn: find or import its engine, skip it if it is blocked, else run it. */
async function reach(spec: string, last: boolean, attempt: Attempt): Promise<HookResult | undefined> {
  let engine = registeredEngine(spec);
  if (!engine) {
    if (attempt.call.noImport === spec) return decline(attempt, spec, "not registered");
    try {
      engine = await loadEngine(spec, attempt.reasons);
    } catch (e) {
      if (!attempt.call.dryRun) throw e;
      return decline(attempt, spec, `not installed: ${e instanceof Error ? e.message : String(e)}`);
    }
    attempt.entry.engine = engine.name;
  }
  if (isBlocked(engine.name)) return decline(attempt, engine.name, "blocked by blockEngine()");
  return runEngine(engine, spec, last, attempt);
}

/** Wraps a tap so each attempt is timed and traced whatever its outcome (tapable's `register` interceptor). */
function traced(engine: string, fn: AttemptFn): AttemptFn {
  return async (attempt: Attempt): Promise<HookResult | undefined> => {
    const entry = blankEntry(attempt.call, engine);
    attempt.entry = entry;
    const start = performance.now();
    try {
      const faultsBefore = attempt.faults.length;
      const skippedBefore = attempt.skipped.length;
      const result = await fn(attempt);
      entry.outcome =
        result !== undefined
          ? "ran"
          : attempt.faults.length > faultsBefore
            ? "fault"
            : attempt.skipped.length > skippedBefore
              ? "skipped"
              : "declined";
      // A dry run goes on to the next candidate whatever this one said, so every verdict is collected.
      return attempt.call.dryRun ? undefined : result;
    } catch (e) {
      entry.outcome = "error";
      entry.reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw e;
    } finally {
      entry.ms = performance.now() - start;
      attempt.call.trace(entry);
      if (!attempt.call.dryRun) publish(entry);
    }
  };
}

/** Records a refusal in the attempt's entry and in the reasons an `EngineDeclinedError` would list. */
function decline(attempt: Attempt, engine: string, reason: string): undefined {
  attempt.entry.reason = reason;
  attempt.reasons.push({ engine, reason });
  return undefined;
}

async function runEngine(engine: Engine, spec: string, last: boolean, attempt: Attempt): Promise<HookResult | undefined> {
  const { call } = attempt;
  const hooks = engine.estimators[call.estimator] as Record<string, ((ctx: unknown) => unknown) | undefined> | undefined;
  if (!hooks) return decline(attempt, engine.name, `does not implement ${call.estimator}`);
  // Before the gates: an engine is not asked about a hook it does not have (KMeans.init is optional).
  const impl = hooks[call.hook] ?? DEFAULTS[call.hook];
  if (!impl) return decline(attempt, engine.name, `does not implement ${call.estimator}.${call.hook}`);
  const ctx = call.context(engine, recorderFor(attempt.entry));
  try {
    const overruled = attempt.overrule?.get(spec);
    if (overruled !== undefined) {
      attempt.entry.reason = `ran although shouldRun said: ${overruled} (no other engine took the call)`;
    } else if (call.gate) {
      // The manifest first, so what an engine left out declines in the same words on every engine (engine API 1.4).
      const outside = manifestRefusal(engine.manifest?.[call.estimator], call.estimator, ctx as object);
      if (outside !== undefined) return decline(attempt, engine.name, outside);
      if (hooks.accepts) {
        const verdict = await hooks.accepts.call(hooks, ctx);
        if (verdict !== true) return decline(attempt, engine.name, typeof verdict === "string" ? verdict : "accepts() returned false");
      }
      if (hooks.shouldRun && !last) {
        const worth = await hooks.shouldRun.call(hooks, ctx);
        if (worth !== true) {
          const reason = typeof worth === "string" ? worth : "shouldRun() returned false";
          attempt.entry.reason = reason;
          attempt.skipped.push({ spec, reason });
          return undefined;
        }
      }
    }
    // In a dry run, passing the gates is the verdict: "would run" (traced as "ran"), and no hook is called.
    if (call.dryRun) return { engine: engine.name, implementation: engine, value: undefined };
    const value = await impl.call(hooks, ctx);
    const violation =
      value === undefined && call.hook !== "prepareFit"
        ? "it returned undefined (an engine declines through accepts, shouldRun or NotSupportedByEngineError, never by returning nothing)"
        : contractViolation(ctx, value);
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
