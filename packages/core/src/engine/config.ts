/**
 * Activation settings: which engines to try, in which order. Precedence, highest first: the estimator's own
 * `setComputationalEngine`, the innermost `withConfig` scope, `setConfig`, then the defaults
 * ({@link DEFAULT_ENGINES}, fallback on). Each option is resolved on its own: `engines` comes from the highest layer
 * that sets it and `fallback` from the highest layer that sets it, so `withConfig({ fallback: false }, fn)` makes
 * every call in `fn` strict whichever layer chose the engines.
 */
import { ValidationError } from "../errors.js";

/** Engines tried last when fallback is on, and alone when nothing is configured. */
export const DEFAULT_ENGINES: readonly string[] = ["cpu"];

/** Engine activation settings. An option left out (or `undefined`) is taken from the next layer down. */
export interface EngineConfig {
  /** Engines to try, most preferred first. */
  engines?: readonly string[];
  /**
   * Append {@link DEFAULT_ENGINES} after `engines` (default true). `false` is strict mode: when every engine
   * declines, the call rejects with `EngineDeclinedError` instead of falling back.
   */
  fallback?: boolean;
  /**
   * Data that lives on one engine's device moving to another engine (read back for a host engine, or on to another
   * device): `"allow"` (default) does it and records the bytes in the trace; `"error"` rejects the call with a
   * `TransferNotAllowedError` naming the step and the bytes ("no implicit conversions between devices").
   */
  transfers?: TransferPolicy;
}

/** See {@link EngineConfig.transfers}. */
export type TransferPolicy = "allow" | "error";

/** The resolved choice, as the dispatcher sees it. */
export interface EngineChoice {
  engines: readonly string[];
  fallback: boolean;
  transfers: TransferPolicy;
}

interface ScopeStore {
  getStore(): EngineConfig[] | undefined;
  run<R>(store: EngineConfig[], fn: () => R): R;
}

let globalConfig: EngineConfig = {};

/**
 * Scopes must follow async continuations: `withConfig(cfg, async () => { await a.fit(X); await b.fit(X) })` has to
 * apply to both fits. Node's AsyncLocalStorage does that; `process.getBuiltinModule` reaches it without an import
 * that would break browser bundles. Elsewhere a plain stack is used, exact for nested scopes but shared by
 * concurrently running ones.
 */
const scopes: ScopeStore = makeScopeStore();

function makeScopeStore(): ScopeStore {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const hooks = proc?.getBuiltinModule?.("node:async_hooks") as
    | { AsyncLocalStorage: new () => ScopeStore }
    | undefined;
  if (hooks?.AsyncLocalStorage) return new hooks.AsyncLocalStorage();
  let stack: EngineConfig[] | undefined;
  return {
    getStore: () => stack,
    run<R>(store: EngineConfig[], fn: () => R): R {
      const previous = stack;
      stack = store;
      try {
        const result = fn();
        if (result instanceof Promise) {
          return result.finally(() => {
            if (stack === store) stack = previous;
          }) as R;
        }
        stack = previous;
        return result;
      } catch (e) {
        stack = previous;
        throw e;
      }
    },
  };
}

/** Sets the process-wide engine configuration (merged into the current one; `undefined` unsets an option). */
export function setConfig(config: EngineConfig): void {
  checkConfig(config, "setConfig");
  globalConfig = { ...globalConfig, ...config };
}

/** The process-wide engine configuration as set by {@link setConfig}. */
export function getConfig(): Readonly<EngineConfig> {
  return { ...globalConfig };
}

/**
 * Runs `fn` with `config` in force for every estimator call made inside it (including after awaits), and returns
 * what `fn` returns. Scopes nest: an option the inner scope leaves out comes from the outer one.
 */
export function withConfig<R>(config: EngineConfig, fn: () => R): R {
  checkConfig(config, "withConfig");
  const outer = scopes.getStore() ?? [];
  return scopes.run([...outer, config], fn);
}

/** Resolves the layers into one choice, given the estimator's own setting if any; see the precedence above. */
export function currentChoice(own?: EngineConfig): EngineChoice {
  // Highest precedence first: the estimator, the scopes from the innermost out, then setConfig.
  const layers = [own, ...[...(scopes.getStore() ?? [])].reverse(), globalConfig];
  return {
    engines: layers.find((c) => c?.engines !== undefined)?.engines ?? DEFAULT_ENGINES,
    fallback: layers.find((c) => c?.fallback !== undefined)?.fallback ?? true,
    transfers: layers.find((c) => c?.transfers !== undefined)?.transfers ?? "allow",
  };
}

/** Validates an engine setting; shared by setConfig, withConfig and setComputationalEngine. */
export function checkConfig(config: EngineConfig, where: string): void {
  if (typeof config !== "object" || config === null) throw new ValidationError(`${where}: expected an object.`);
  for (const key of Object.keys(config)) {
    if (key !== "engines" && key !== "fallback" && key !== "transfers") {
      throw new ValidationError(`${where}: unknown option "${key}"; valid options: engines, fallback, transfers.`);
    }
  }
  if (config.engines !== undefined) {
    if (!Array.isArray(config.engines) || config.engines.length === 0 || config.engines.some((e) => typeof e !== "string" || e === "")) {
      throw new ValidationError(`${where}: engines must be a non-empty array of engine names.`);
    }
  }
  if (config.fallback !== undefined && typeof config.fallback !== "boolean") {
    throw new ValidationError(`${where}: fallback must be a boolean.`);
  }
  if (config.transfers !== undefined && config.transfers !== "allow" && config.transfers !== "error") {
    throw new ValidationError(`${where}: transfers must be "allow" or "error", got ${JSON.stringify(config.transfers)}.`);
  }
}
