/**
 * Dry runs: which engine a call would run on and why, in the trace's words, from the gates alone (`accepts` and
 * `shouldRun`): no compute hook runs and nothing is published to the trace listeners.
 */
import { callHook, type HookCall } from "./dispatch.js";
import { getEngine } from "./registry.js";
import type { EstimatorName, HookName } from "./specs.js";
import type { TraceEntry } from "./trace.js";

/** One candidate's answer to a dry run. */
export type EngineVerdict = "accepted" | "declined" | "skipped" | "not installed" | "not registered" | "blocked";

/** What `explainEngine` resolves to. */
export interface EngineExplanation {
  estimator: EstimatorName;
  method: string;
  /** The hook whose gates were asked (`prepareFit` for a fit). */
  hook: HookName;
  /** The engine the call would run on: the first that accepted, else the first skipped one; undefined if none. */
  engine?: string;
  /**
   * Every candidate in the order a call would ask them, with its verdict, its reason, and where it computes (the
   * engine's `describe()`, for engines that say).
   */
  candidates: { engine: string; verdict: EngineVerdict; reason?: string; where?: string }[];
}

/** Asks every candidate's gates for `call`, without running its hook. */
export async function explainCall(call: HookCall): Promise<EngineExplanation> {
  const entries: TraceEntry[] = [];
  await callHook({ ...call, dryRun: true, trace: (e) => entries.push(e) }).catch(() => undefined);
  const candidates = entries.map((e) => {
    const where = getEngine(e.engine)?.describe?.();
    return { engine: e.engine, verdict: verdictOf(e), ...(e.reason === undefined ? {} : { reason: e.reason }), ...(where === undefined ? {} : { where }) };
  });
  const engine = (candidates.find((c) => c.verdict === "accepted") ?? candidates.find((c) => c.verdict === "skipped"))?.engine;
  return { estimator: call.estimator, method: call.method, hook: call.hook, engine, candidates };
}

function verdictOf(e: TraceEntry): EngineVerdict {
  if (e.outcome === "ran") return "accepted";
  if (e.outcome === "skipped") return "skipped";
  if (e.reason === "not registered") return "not registered";
  if (e.reason === "blocked by blockEngine()") return "blocked";
  if (e.reason?.startsWith("not installed: ")) return "not installed";
  return "declined";
}
