/**
 * Turns activation settings into engines: the ordered candidate list for a call, and loading an engine package the
 * first time a call reaches it. A name resolves as ESLint and Babel resolve plugins: `@plugml/engine-<name>`, then
 * `plugml-engine-<name>`, and a full package name is taken as it is.
 */
import { EngineNotFoundError, ValidationError, type DeclineReason } from "../errors.js";
import { suggestName } from "../validation/suggest.js";
import type { EngineChoice } from "./config.js";
import { DEFAULT_ENGINES } from "./config.js";
import { getEngine, listEngines, registerEngine } from "./registry.js";
import type { Engine } from "./specs.js";

/** Engines the plugml project publishes, for "did you mean" suggestions before they are installed. */
export const FIRST_PARTY_ENGINES: readonly string[] = ["cpu", "webgpu", "dask"];

/** An npm package name, scoped or not (what a full package name in the configuration must look like). */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

const loading = new Map<string, Promise<Engine>>();
/** Engines loaded from a full package name, by that name: the engine itself is known by its own `name`. */
const loadedFrom = new Map<string, string>();

/** The package an engine name maps to first (`@plugml/engine-<name>`). */
export function enginePackage(name: string): string {
  return enginePackages(name)[0];
}

/**
 * The packages a configured name may be installed as, in the order they are tried: `@plugml/engine-<name>` and
 * `plugml-engine-<name>` for a short name; a full package name (`@acme/plugml-engine-fast`, `plugml-engine-x`) as is.
 */
export function enginePackages(spec: string): string[] {
  if (spec.startsWith("@") || spec.startsWith("plugml-engine-")) return [spec];
  return [`@plugml/engine-${spec}`, `plugml-engine-${spec}`];
}

/** Engine names or packages to try for a call, most preferred first: the choice, then the defaults if fallback is on. */
export function candidateNames(choice: EngineChoice): string[] {
  return [...new Set([...choice.engines, ...(choice.fallback ? DEFAULT_ENGINES : [])])];
}

/** The registered engine a configured name or package stands for, if it is registered. */
export function registeredEngine(spec: string): Engine | undefined {
  return getEngine(loadedFrom.get(spec) ?? spec);
}

/**
 * Imports and registers the engine a configured name stands for; called only when a call reaches that candidate.
 * The package must export the engine as `default` or as `engine`. Failure is an {@link EngineNotFoundError} that
 * lists the packages tried, the engines that declined before (`declined`), a "did you mean" for a likely typo,
 * and how to install or register it.
 */
export function loadEngine(spec: string, declined: readonly DeclineReason[] = []): Promise<Engine> {
  const registered = registeredEngine(spec);
  if (registered) return Promise.resolve(registered);
  if (!PACKAGE_NAME.test(spec)) {
    return Promise.reject(new ValidationError(`"${spec}" is not a valid engine name or package name.`));
  }
  let pending = loading.get(spec);
  if (!pending) {
    pending = importEngine(spec).finally(() => loading.delete(spec));
    loading.set(spec, pending);
  }
  return pending.catch((e: unknown) => {
    // The same failure, told with this call's declines.
    throw e instanceof EngineNotFoundError ? new EngineNotFoundError(spec, e.packageName, e.cause, { ...e.details, declined }) : e;
  });
}

async function importEngine(spec: string): Promise<Engine> {
  const packages = enginePackages(spec);
  const failures: unknown[] = [];
  for (const pkg of packages) {
    let mod: { default?: Engine; engine?: Engine };
    try {
      mod = await import(/* @vite-ignore */ /* webpackIgnore: true */ pkg);
    } catch (cause) {
      failures.push(cause);
      continue;
    }
    const engine = mod.default ?? mod.engine;
    const shortName = packages.length > 1 ? spec : undefined;
    if (!engine) throw notFound(spec, pkg, new Error(`${pkg} exports no engine (default or "engine").`), packages);
    if (shortName !== undefined && engine.name !== shortName) {
      throw notFound(spec, pkg, new Error(`${pkg} exports an engine named "${engine.name}".`), packages);
    }
    if (!getEngine(engine.name)) registerEngine(engine);
    if (shortName === undefined) loadedFrom.set(spec, engine.name);
    return getEngine(engine.name)!;
  }
  throw notFound(spec, packages[0], failures[0], packages);
}

function notFound(spec: string, pkg: string, cause: unknown, tried: string[]): EngineNotFoundError {
  const known = [...new Set([...listEngines().map((e) => e.name), ...FIRST_PARTY_ENGINES])].filter((n) => n !== spec);
  return new EngineNotFoundError(spec, pkg, cause, { tried, suggestion: suggestEngine(spec, known), bareImportsFail: !isNode() });
}

/**
 * The engine name the user most likely meant: a known name containing theirs ("gpu": "webgpu"), else a near
 * spelling ("cpuu": "cpu"), else a known name theirs contains.
 */
export function suggestEngine(spec: string, known: readonly string[]): string | undefined {
  const long = spec.length >= 3;
  return (long ? known.find((n) => n.includes(spec)) : undefined) ?? suggestName(spec, known) ?? (long ? known.find((n) => spec.includes(n)) : undefined);
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
}
