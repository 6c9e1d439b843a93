/**
 * Finding engine packages on disk: `@plugml/engine-*`, `plugml-engine-*` and `@scope/plugml-engine-*` in the
 * node_modules folders @plugml/core imports from, and in those above the working directory (a globally installed
 * `plugml` run inside a project). Engines only the second search finds are registered by the command itself,
 * since core's own `import()` cannot reach them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { getEngine, registerEngine, type Engine } from "@plugml/core";

/** An engine package found on disk. */
export interface EnginePackage {
  /** What `--engine` takes for it: the short name for `@plugml/engine-<name>` and `plugml-engine-<name>`, else the package name. */
  spec: string;
  packageName: string;
  version?: string;
  /** Its folder. */
  dir: string;
  /** Whether @plugml/core's `import()` resolves it (else the command registers it). */
  reachableByCore: boolean;
}

/** node_modules folders from `dir` up to the root, nearest first (Node's lookup order). */
function nodeModulesChain(dir: string): string[] {
  const out: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (!d.endsWith("/node_modules")) out.push(join(d, "node_modules"));
    if (dirname(d) === d) return out;
  }
}

/** The folders @plugml/core's bare `import()` searches. */
function coreChain(): string[] {
  const entry = fileURLToPath(import.meta.resolve("@plugml/core"));
  return nodeModulesChain(dirname(entry));
}

function packagesIn(modules: string): string[] {
  if (!existsSync(modules)) return [];
  const names: string[] = [];
  for (const entry of safeReaddir(modules)) {
    if (entry.startsWith("plugml-engine-")) names.push(entry);
    else if (entry.startsWith("@")) {
      for (const sub of safeReaddir(join(modules, entry))) {
        if (entry === "@plugml" ? sub.startsWith("engine-") : sub.startsWith("plugml-engine-")) names.push(`${entry}/${sub}`);
      }
    }
  }
  return names.sort();
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The `--engine` name of an engine package (see {@link EnginePackage.spec}). */
export function specOfPackage(name: string): string {
  if (name.startsWith("@plugml/engine-")) return name.slice("@plugml/engine-".length);
  if (name.startsWith("plugml-engine-")) return name.slice("plugml-engine-".length);
  return name;
}

/**
 * Every engine package on disk, the first found under each name (as Node would resolve it), core's search path
 * first.
 */
export function findEnginePackages(cwd: string = process.cwd()): EnginePackage[] {
  const reachable = coreChain();
  const found = new Map<string, EnginePackage>();
  for (const [dirs, reachableByCore] of [
    [reachable, true],
    [nodeModulesChain(cwd), false],
  ] as const) {
    for (const modules of dirs) {
      for (const packageName of packagesIn(modules)) {
        if (found.has(packageName)) continue;
        const dir = join(modules, packageName);
        let version: string | undefined;
        try {
          version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string }).version;
        } catch {
          continue; // not a package (a stray folder)
        }
        found.set(packageName, { spec: specOfPackage(packageName), packageName, version, dir, reachableByCore });
      }
    }
  }
  return [...found.values()];
}

/** The file a package's bare import loads: its `exports["."]` (import or default condition), else `main`, else index.js. */
function entryOf(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { exports?: unknown; main?: string };
  const pick = (e: unknown): string | undefined => {
    if (typeof e === "string") return e;
    if (e && typeof e === "object") {
      const o = e as Record<string, unknown>;
      return pick(o["."]) ?? pick(o.import) ?? pick(o.node) ?? pick(o.default);
    }
    return undefined;
  };
  return join(dir, pick(pkg.exports) ?? pkg.main ?? "index.js");
}

/**
 * Imports and registers an engine package core cannot import itself. Resolves with the engine, or rejects with
 * why it could not be loaded.
 */
export async function registerFromDisk(found: EnginePackage): Promise<Engine> {
  const mod = (await import(pathToFileURL(entryOf(found.dir)).href)) as { default?: Engine; engine?: Engine };
  const engine = mod.default ?? mod.engine;
  if (!engine || typeof engine !== "object") throw new Error(`${found.packageName} exports no engine (default or "engine")`);
  if (!getEngine(engine.name)) registerEngine(engine);
  return getEngine(engine.name)!;
}

/** Registers every engine package only the working directory's node_modules hold; failures are left for `engines` to report. */
export async function registerLocalEngines(cwd: string = process.cwd()): Promise<void> {
  for (const found of findEnginePackages(cwd)) {
    if (!found.reachableByCore) await registerFromDisk(found).catch(() => undefined);
  }
}
