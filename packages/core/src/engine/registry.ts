/**
 * The engine registry: validates engine objects against the hook specs (as pluggy does at `register`), stores
 * them by name and keeps the block list.
 */
import semver from "semver";
import { EngineValidationError } from "../errors.js";
import { suggestName } from "../validation/suggest.js";
import { manifestProblems } from "./manifest.js";
import { ENGINE_API_VERSION, HOOK_SPECS, type Engine, type EstimatorName } from "./specs.js";

const engines = new Map<string, Engine>();
const blocked = new Set<string>();
let generation = 0;

/** Engine names double as package suffixes (`@plugml/engine-<name>`), so they are restricted to that alphabet. */
export const ENGINE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Registers an engine after checking it against the hook specs: unknown estimator or hook names (a typo such as
 * `fitt`), missing required hooks, non-function hooks and a `coreApi` range this core does not satisfy are all
 * {@link EngineValidationError}s naming the culprit. Registering the same object again is a no-op; another object
 * under a registered name is an error.
 */
export function registerEngine(engine: Engine): void {
  const existing = engines.get(engine?.name);
  if (existing === engine) return;
  validateEngine(engine);
  if (existing) {
    throw new EngineValidationError(
      `An engine named "${engine.name}" is already registered (version ${existing.version}); unregister it first.`,
    );
  }
  engines.set(engine.name, engine);
  generation++;
}

/**
 * Removes an engine and disposes it; resolves to false when no engine had that name. Estimators it fitted fall back
 * to the other candidate engines at their next call (their trace says "not registered"), unless their activation
 * settings still name it: then that call imports `@plugml/engine-<name>` again, or fails with
 * `EngineNotFoundError`.
 */
export async function unregisterEngine(name: string): Promise<boolean> {
  const engine = engines.get(name);
  if (!engine) return false;
  engines.delete(name);
  generation++;
  await engine.dispose?.();
  return true;
}

/** Name, version and implemented estimators of every registered engine, in registration order. */
export function listEngines(): { name: string; version: string; estimators: EstimatorName[]; blocked: boolean }[] {
  return [...engines.values()].map((e) => ({
    name: e.name,
    version: e.version,
    estimators: Object.keys(e.estimators) as EstimatorName[],
    blocked: blocked.has(e.name),
  }));
}

/** The registered engine of that name, if any. */
export function getEngine(name: string): Engine | undefined {
  return engines.get(name);
}

/** Stops an engine from being selected anywhere, e.g. to rule out a misbehaving one, without unregistering it. */
export function blockEngine(name: string): void {
  blocked.add(name);
  generation++;
}

/** Undoes {@link blockEngine}. */
export function unblockEngine(name: string): void {
  blocked.delete(name);
  generation++;
}

/** Whether `name` is on the block list. */
export function isBlocked(name: string): boolean {
  return blocked.has(name);
}

/** Changes whenever the set of engines or the block list changes; compiled hooks are cached per generation. */
export function registryGeneration(): number {
  return generation;
}

function validateEngine(engine: Engine): void {
  if (typeof engine !== "object" || engine === null) {
    throw new EngineValidationError(`registerEngine expects an engine object, got ${String(engine)}.`);
  }
  const label = `Engine "${String(engine.name)}"`;
  if (typeof engine.name !== "string" || !ENGINE_NAME.test(engine.name)) {
    throw new EngineValidationError(`${label}: name must match ${ENGINE_NAME} (it is also the package suffix).`);
  }
  if (typeof engine.version !== "string") throw new EngineValidationError(`${label}: version must be a string.`);
  if (typeof engine.coreApi !== "string" || semver.validRange(engine.coreApi) === null) {
    throw new EngineValidationError(`${label}: coreApi must be a semver range, got ${String(engine.coreApi)}.`);
  }
  if (!semver.satisfies(ENGINE_API_VERSION, engine.coreApi)) {
    throw new EngineValidationError(
      `${label} requires engine API ${engine.coreApi}, but this @plugml/core provides ${ENGINE_API_VERSION}.`,
    );
  }
  if (typeof engine.estimators !== "object" || engine.estimators === null) {
    throw new EngineValidationError(`${label}: estimators must be an object.`);
  }
  const tables = Object.entries(engine.estimators as Record<string, unknown>);
  if (tables.length === 0) {
    throw new EngineValidationError(`${label} implements no estimator: estimators must name at least one of ${Object.keys(HOOK_SPECS).join(", ")}.`);
  }
  for (const [estimator, hooks] of tables) {
    const spec = (HOOK_SPECS as Record<string, { required: readonly string[]; optional: readonly string[] }>)[estimator];
    if (!spec) {
      throw new EngineValidationError(
        `${label}: unknown estimator "${estimator}"${suggest(estimator, Object.keys(HOOK_SPECS))}. ` +
          `Known estimators: ${Object.keys(HOOK_SPECS).join(", ")}.`,
      );
    }
    if (typeof hooks !== "object" || hooks === null || Array.isArray(hooks)) {
      throw new EngineValidationError(`${label}: estimators.${estimator} must be an object of hook functions, got ${hooks === null ? "null" : typeof hooks}.`);
    }
    const allowed = [...spec.required, ...spec.optional];
    const impl = hooks as Record<string, unknown>;
    for (const hook of Object.keys(impl)) {
      if (!allowed.includes(hook)) {
        throw new EngineValidationError(
          `${label}: ${estimator} has unknown hook "${hook}"${suggest(hook, allowed)}. ` +
            `${estimator} hooks: ${allowed.join(", ")}.`,
        );
      }
      if (typeof impl[hook] !== "function") {
        throw new EngineValidationError(`${label}: ${estimator}.${hook} must be a function.`);
      }
    }
    for (const hook of spec.required) {
      if (!(hook in impl)) {
        throw new EngineValidationError(`${label}: ${estimator} is missing the required hook "${hook}".`);
      }
    }
  }
  validateManifest(engine, label);
}

/** The manifest, if any, must describe estimators the engine implements, each well formed (engine API 1.4). */
function validateManifest(engine: Engine, label: string): void {
  if (engine.manifest === undefined) return;
  if (typeof engine.manifest !== "object" || engine.manifest === null) throw new EngineValidationError(`${label}: manifest must be an object.`);
  for (const [estimator, manifest] of Object.entries(engine.manifest)) {
    if (!(estimator in engine.estimators)) {
      throw new EngineValidationError(`${label}: manifest.${estimator} describes an estimator the engine does not implement.`);
    }
    const problems = manifestProblems(estimator as EstimatorName, manifest);
    if (problems.length > 0) throw new EngineValidationError(`${label}: manifest.${estimator}: ${problems.join("; ")}.`);
  }
}

function suggest(name: string, candidates: readonly string[]): string {
  const close = suggestName(name, candidates);
  return close ? ` (did you mean "${close}"?)` : "";
}
