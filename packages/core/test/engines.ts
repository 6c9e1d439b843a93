// Engines and data for the engine-system tests. "alt" is a second real engine (it runs the CPU engine's hooks under another
// name); the others wrap it to inject one refusal or fault each, which is what a test double is for.
import { cpuEngine } from "@plugml/engine-cpu";
import { NotSupportedByEngineError, type Engine, type EngineEstimators, type TraceEntry } from "@plugml/core";

/** A real engine under another name, counting hook calls so tests can check "one hook call per user call". */
export function altEngine(name = "alt", overrides: EngineEstimators = {}): Engine & { calls: string[] } {
  const calls: string[] = [];
  const estimators: Record<string, Record<string, (ctx: never) => unknown>> = {};
  for (const [estimator, hooks] of Object.entries(cpuEngine.estimators)) {
    const own = (overrides as Record<string, Record<string, (ctx: never) => unknown>>)[estimator] ?? {};
    const merged = { ...(hooks as Record<string, (ctx: never) => unknown>), ...own };
    estimators[estimator] = Object.fromEntries(
      Object.entries(merged).map(([hook, fn]) => [
        hook,
        (ctx: never) => {
          calls.push(`${estimator}.${hook}`);
          return fn(ctx);
        },
      ]),
    );
  }
  return { name, version: "1.0.0", coreApi: "^1.0.0", estimators: estimators as EngineEstimators, calls };
}

/** A hook that declines late, as an engine that finds out while working that it cannot do the job. */
export const refuse = (reason: string) => () => {
  throw new NotSupportedByEngineError(reason);
};

/** Declines every KMeans call through `accepts`. */
export const decliningEngine: Engine = {
  name: "declines",
  version: "1.0.0",
  coreApi: "^1.0.0",
  estimators: {
    KMeans: {
      ...cpuEngine.estimators.KMeans!,
      accepts: () => "needs a GPU with 1 TB of memory",
    },
  },
};

/** Accepts, then refuses late from prepareFit. */
export const lateRefusalEngine: Engine = {
  name: "late-refusal",
  version: "1.0.0",
  coreApi: "^1.0.0",
  estimators: {
    KMeans: {
      ...cpuEngine.estimators.KMeans!,
      prepareFit: () => {
        throw new NotSupportedByEngineError("sample weights are not supported");
      },
    },
  },
};

/** Fails inside fit, as a buggy engine would. */
export const brokenEngine: Engine = {
  name: "broken",
  version: "1.0.0",
  coreApi: "^1.0.0",
  estimators: {
    KMeans: {
      ...cpuEngine.estimators.KMeans!,
      fit: () => {
        throw new Error("device lost");
      },
    },
  },
};

/** Two well-separated clusters of three points, and centers to start KMeans from. */
export const X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [9, 9],
  [9, 10],
  [10, 9],
];
export const init = [
  [0, 0],
  [9, 9],
];

/** A trace as "hook:engine:outcome" strings, for compact assertions. */
export const brief = (t: readonly TraceEntry[]) => t.map((e) => `${e.hook}:${e.engine}:${e.outcome}`);
