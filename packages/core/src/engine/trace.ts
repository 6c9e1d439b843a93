/**
 * Provenance: one {@link TraceEntry} per hook call, delivered to the estimator's `engineTrace_`, to global
 * listeners and, with `PLUGML_TRACE=1` in Node, to stderr.
 */
import type { EstimatorName, HookName, TraceRecorder } from "./specs.js";

/** What happened when one engine was asked to run one hook. */
export type TraceOutcome = "ran" | "declined" | "skipped" | "fault" | "error";

/** One hook call on one engine. */
export interface TraceEntry {
  /** The estimator class, e.g. `"KMeans"`. */
  estimator: EstimatorName;
  /** The user-facing method that caused the call, e.g. `"fit"` or `"predict"`. */
  method: string;
  hook: HookName;
  /** The engine asked, or `"core"` for work core did itself on an engine's data (see the KMeans readback). */
  engine: string;
  /**
   * `"ran"` (with a `reason` when it ran although its `shouldRun` had passed the call on); `"declined"` (see
   * `reason`); `"skipped"`: the engine accepted but its `shouldRun` said running is not worth it (the reason) while
   * another candidate could take the call; `"fault"`: the engine's device was lost (`DeviceLostError`, in `reason`)
   * and the next engine was asked; `"error"`: the hook threw, or returned a result that breaks its contract, and
   * the error propagated to the caller.
   */
  outcome: TraceOutcome;
  /** Why the engine declined, the error (`"name: message"`), or for a `"core"` entry what core did. */
  reason?: string;
  /** Wall time of the hook call in milliseconds. */
  ms: number;
  /** Bytes the engine copied from the host to its device during the call. */
  bytesToDevice: number;
  /** Bytes copied from the device back to the host, including core's reads of resident matrices (`ctx.toHost`). */
  bytesFromDevice: number;
  /** Conversions made during the call, in words (e.g. "X float64 -> float32"). */
  conversions: string[];
  /** Threads the call computed on and why, as the engine reported them (absent when it reported none). */
  threads?: { count: number; reason: string };
}

/** Receives every trace entry of every estimator. */
export type TraceListener = (entry: Readonly<TraceEntry>) => void;

const listeners = new Set<TraceListener>();

/** Subscribes to every trace entry; returns the function that unsubscribes. */
export function addTraceListener(listener: TraceListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const printToStderr =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.PLUGML_TRACE === "1";

/** Sends an entry to the global listeners and, when enabled, to stderr. */
export function publish(entry: TraceEntry): void {
  for (const listener of listeners) listener(entry);
  if (printToStderr) console.error(formatEntry(entry));
}

/** One line per entry: `[plugml] KMeans.fit prepareFit cpu ran 0.12 ms`. */
export function formatEntry(e: TraceEntry): string {
  const moved =
    e.bytesToDevice || e.bytesFromDevice ? ` to-device=${e.bytesToDevice}B from-device=${e.bytesFromDevice}B` : "";
  const conv = e.conversions.length ? ` converted: ${e.conversions.join("; ")}` : "";
  const why = e.reason ? ` (${e.reason})` : "";
  const threads = e.threads ? ` threads=${e.threads.count} (${e.threads.reason})` : "";
  return `[plugml] ${e.estimator}.${e.method} ${e.hook} ${e.engine} ${e.outcome}${why} ${e.ms.toFixed(2)} ms${moved}${conv}${threads}`;
}

/**
 * An entry for work core itself did on an engine's data (engine `"core"`), such as reading a resident matrix back
 * for initialisation; published at once so that listeners see it too.
 */
export function coreEntry(
  estimator: EstimatorName,
  method: string,
  hook: HookName,
  reason: string,
  moved: Partial<Pick<TraceEntry, "ms" | "bytesToDevice" | "bytesFromDevice" | "threads">>,
): TraceEntry {
  const entry: TraceEntry = {
    estimator,
    method,
    hook,
    engine: "core",
    outcome: "ran",
    reason,
    ms: 0,
    bytesToDevice: 0,
    bytesFromDevice: 0,
    conversions: [],
    ...moved,
  };
  publish(entry);
  return entry;
}

/** A recorder that accumulates into a trace entry under construction. */
export function recorderFor(entry: Pick<TraceEntry, "bytesToDevice" | "bytesFromDevice" | "conversions" | "threads">): TraceRecorder {
  return {
    bytesToDevice: (n) => void (entry.bytesToDevice += n),
    bytesFromDevice: (n) => void (entry.bytesFromDevice += n),
    conversion: (what) => void entry.conversions.push(what),
    threads: (count, reason) => void (entry.threads = { count, reason }),
  };
}
