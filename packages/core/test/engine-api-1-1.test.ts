// Engine API 1.1: can (accepts) vs should (shouldRun), explicit declines, engines imported only when reached and
// found under third-party package names, dry runs, and the transfer policy.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  EngineContractError,
  EngineNotFoundError,
  EngineValidationError,
  KMeans,
  Matrix,
  NearestNeighbors,
  Pipeline,
  StandardScaler,
  TransferNotAllowedError,
  blockEngine,
  registerEngine,
  unblockEngine,
  unregisterEngine,
  type Engine,
  type ResidentMatrix,
} from "@plugml/core";
import { altEngine, brief, init, refuse, X } from "./engines.js";
import { rejection } from "./helpers.js";

const registered: string[] = [];
function engine(name: string, overrides: Parameters<typeof altEngine>[1] = {}): ReturnType<typeof altEngine> {
  const e = altEngine(name, overrides);
  registerEngine(e);
  registered.push(name);
  return e;
}
afterEach(async () => {
  for (const name of registered.splice(0)) await unregisterEngine(name);
});
const kmeans = () => new KMeans({ nClusters: 2, init });

describe("can vs should", () => {
  const picky = (calls: string[]) =>
    engine("picky", {
      KMeans: {
        shouldRun: () => {
          calls.push("shouldRun");
          return "input too small to be worth a device (6 rows)";
        },
      } as never,
    });

  it("a candidate whose shouldRun says no is skipped with its reason while another can take the call", async () => {
    const calls: string[] = [];
    picky(calls);
    const km = await kmeans().setComputationalEngine("picky").fit(X);
    expect(km.engineUsed_).toBe("cpu");
    expect(brief(km.engineTrace_)).toEqual(["prepareFit:picky:skipped", "prepareFit:cpu:ran", "fit:cpu:ran", "postFit:cpu:ran"]);
    expect(km.engineTrace_[0].reason).toBe("input too small to be worth a device (6 rows)");
    expect(calls).toEqual(["shouldRun"]);
  });

  it("an engine named with fallback: false runs whenever it accepts: shouldRun is not asked", async () => {
    const calls: string[] = [];
    picky(calls);
    const km = await kmeans().setComputationalEngine("picky", { fallback: false }).fit(X);
    expect(km.engineUsed_).toBe("picky");
    expect(calls).toEqual([]);
    await km.predict(X);
    expect(km.engineUsed_).toBe("picky");
  });

  it("when every other candidate declines, the skipped one runs after all and the overruled reason is traced", async () => {
    const calls: string[] = [];
    picky(calls);
    engine("never", { KMeans: { accepts: () => "no KMeans today" } as never });
    const km = await kmeans().setComputationalEngine(["picky", "never"], { fallback: false }).fit(X);
    expect(km.engineUsed_).toBe("picky");
    expect(brief(km.engineTrace_)).toEqual(["prepareFit:picky:skipped", "prepareFit:never:declined", "prepareFit:picky:ran", "fit:picky:ran", "postFit:picky:ran"]);
    expect(km.engineTrace_[2].reason).toBe("ran although shouldRun said: input too small to be worth a device (6 rows) (no other engine took the call)");
  });
});

describe("declining is explicit", () => {
  it("prepareFit returning undefined means no state, not a refusal", async () => {
    engine("stateless", { KMeans: { prepareFit: () => undefined } as never });
    const km = await kmeans().setComputationalEngine("stateless").fit(X);
    expect(km.engineUsed_).toBe("stateless");
  });

  it("any other hook returning undefined is the engine's error and does not fall back", async () => {
    engine("silent", { KMeans: { predict: () => undefined } as never });
    const km = await kmeans().setComputationalEngine("silent").fit(X);
    const error = await rejection(km.predict(X));
    expect(error).toBeInstanceOf(EngineContractError);
    expect(error.message).toBe(
      'Engine "silent" returned a malformed result from KMeans.predict: it returned undefined (an engine declines through accepts, shouldRun or NotSupportedByEngineError, never by returning nothing).',
    );
  });

  it("registerEngine rejects a hook table that is not an object and an engine with no estimator", () => {
    const base = { version: "1.0.0", coreApi: "^1.1.0" };
    expect(() => registerEngine({ ...base, name: "nulls", estimators: { NearestNeighbors: null } } as never)).toThrow(
      new EngineValidationError('Engine "nulls": estimators.NearestNeighbors must be an object of hook functions, got null.'),
    );
    expect(() => registerEngine({ ...base, name: "empty", estimators: {} })).toThrow(
      'Engine "empty" implements no estimator: estimators must name at least one of KMeans, KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors, Normalizer, StandardScaler, metrics.',
    );
  });
});

describe("only what is installed, only when needed", () => {
  it("a fallback that is not installed is never imported when the first engine runs", async () => {
    engine("first");
    const km = await kmeans().setComputationalEngine(["first", "not-installed-anywhere"]).fit(X);
    expect(km.engineUsed_).toBe("first");
    await km.predict(X);
  });

  it("a fallback the call needs and cannot load is an EngineNotFoundError listing who declined and why", async () => {
    engine("first", { KMeans: { prepareFit: refuse("no KMeans on Tuesdays") } as never });
    const error = await rejection(kmeans().setComputationalEngine(["first", "not-installed-anywhere"]).fit(X));
    expect(error).toBeInstanceOf(EngineNotFoundError);
    expect(error.message).toBe(
      'Engine "not-installed-anywhere" is not registered and none of the packages @plugml/engine-not-installed-anywhere, ' +
        'plugml-engine-not-installed-anywhere could be loaded. It was needed because "first" declined (no KMeans on Tuesdays). ' +
        "Install it with `npm install @plugml/engine-not-installed-anywhere`, or call registerEngine() with the engine object.",
    );
  });

  it("where bare package names cannot be imported (a browser), the error says to call registerEngine", () => {
    const error = new EngineNotFoundError("cpu", "@plugml/engine-cpu", undefined, { tried: ["@plugml/engine-cpu", "plugml-engine-cpu"], bareImportsFail: true });
    expect(error.message).toBe(
      'Engine "cpu" is not registered and none of the packages @plugml/engine-cpu, plugml-engine-cpu could be loaded. ' +
        "Here (a browser) package names cannot be imported by name: import the engine and call registerEngine(engine), or use a bundler or an import map.",
    );
  });

  it("an unknown name suggests the closest engine", async () => {
    const error = await rejection(kmeans().setComputationalEngine("gpu").fit(X));
    expect(error.message).toContain('Did you mean "webgpu"?');
    expect((await rejection(kmeans().setComputationalEngine("cpuu").fit(X))).message).toContain('Did you mean "cpu"?');
  });
});

describe("engines from anyone: plugml-engine-<name> and full package names", () => {
  const nodeModules = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "node_modules");
  const packages = ["plugml-engine-naive", "@acme/plugml-engine-fast"];
  /** A third-party engine package: plain JavaScript, no dependency on this repository. */
  const write = (pkg: string, name: string) => {
    const dir = join(nodeModules, pkg);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: pkg, version: "1.0.0", type: "module", exports: "./index.js" }));
    writeFileSync(
      join(dir, "index.js"),
      `const fit = (ctx) => ({ fitX: ctx.X });
       const kneighbors = (ctx) => {
         const n = ctx.X.rows, k = ctx.nNeighbors, t = ctx.model.fitX, d = t.cols;
         const dist = new Float64Array(n * k), idx = new Int32Array(n * k);
         for (let q = 0; q < n; q++) {
           const all = Array.from({ length: t.rows }, (_, i) => [Math.hypot(...Array.from({ length: d }, (_, j) => ctx.X.data[q * d + j] - t.data[i * d + j])), i]);
           all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
           for (let j = 0; j < k; j++) { dist[q * k + j] = all[j][0]; idx[q * k + j] = all[j][1]; }
         }
         return { distances: new ctx.model.fitX.constructor(dist, n, k), indices: idx };
       };
       export default { name: ${JSON.stringify(name)}, version: "1.0.0", coreApi: "^1.1.0", estimators: { NearestNeighbors: { fit, kneighbors } } };`,
    );
  };
  beforeAll(() => {
    write("plugml-engine-naive", "naive");
    write("@acme/plugml-engine-fast", "fast");
  });
  afterAll(async () => {
    for (const pkg of packages) rmSync(join(nodeModules, pkg), { recursive: true, force: true });
    rmSync(join(nodeModules, "@acme"), { recursive: true, force: true });
    await unregisterEngine("naive");
    await unregisterEngine("fast");
  });

  it("a short name finds plugml-engine-<name>", async () => {
    const nn = await new NearestNeighbors({ nNeighbors: 1 }).setComputationalEngine("naive", { fallback: false }).fit(X);
    expect(nn.engineUsed_).toBe("naive");
    expect((await nn.kneighbors([[9, 9.9]])).indices.toArray()).toEqual([[4]]);
  });

  it("a full scoped package name is imported as is, and the engine is known by its own name", async () => {
    const nn = await new NearestNeighbors({ nNeighbors: 1 }).setComputationalEngine("@acme/plugml-engine-fast", { fallback: false }).fit(X);
    expect(nn.engineUsed_).toBe("fast");
    expect(nn.engineTrace_.map((e) => e.engine)).toEqual(["fast", "fast", "fast"]);
    expect((await nn.kneighbors([[0.1, 0.9]])).indices.toArray()).toEqual([[1]]);
  });
});

describe("explainEngine: a dry run", () => {
  it("tells which engine would run and every verdict, running no compute hook", async () => {
    const spy = engine("spy");
    engine("never", { KMeans: { accepts: () => "no KMeans today" } as never });
    engine("idle", { KMeans: { shouldRun: () => "not worth it for 6 rows" } as never });
    engine("parked");
    blockEngine("parked");
    try {
      const km = kmeans().setComputationalEngine(["never", "parked", "idle", "absent-engine", "spy"]);
      const plan = await km.explainEngine("fit", X);
      expect(plan.engine).toBe("spy");
      expect(plan.candidates).toEqual([
        { engine: "never", verdict: "declined", reason: "no KMeans today" },
        { engine: "parked", verdict: "blocked", reason: "blocked by blockEngine()" },
        { engine: "idle", verdict: "skipped", reason: "not worth it for 6 rows" },
        { engine: "absent-engine", verdict: "not installed", reason: expect.stringContaining("none of the packages @plugml/engine-absent-engine") },
        { engine: "spy", verdict: "accepted" },
        { engine: "cpu", verdict: "accepted" },
      ]);
      expect(spy.calls).toEqual([]);
      expect(km.engineTrace_).toEqual([]);
    } finally {
      unblockEngine("parked");
    }
  });

  it("for a fitted estimator it starts from the frozen engine", async () => {
    const spy = engine("spy");
    const km = await kmeans().setComputationalEngine("spy").fit(X);
    spy.calls.length = 0;
    km.setComputationalEngine("cpu");
    const plan = await km.explainEngine("predict", X);
    expect(plan).toEqual({
      estimator: "KMeans",
      method: "predict",
      hook: "predict",
      engine: "spy",
      candidates: [
        { engine: "spy", verdict: "accepted" },
        { engine: "cpu", verdict: "accepted" },
      ],
    });
    expect(spy.calls).toEqual([]);
  });
});

describe("transfers by policy", () => {
  /** An engine whose StandardScaler.transform keeps its result on a (simulated) device. */
  const deviceEngine = (): Engine => {
    const base = altEngine("device");
    const scaler = base.estimators.StandardScaler!;
    return {
      ...base,
      estimators: {
        StandardScaler: {
          ...scaler,
          async transform(ctx) {
            const host = (await scaler.transform(ctx)) as Matrix;
            const resident: ResidentMatrix = { kind: "resident", engine: "device", rows: host.rows, cols: host.cols, dtype: host.dtype, read: async () => host };
            return ctx.output === "engine" ? resident : host;
          },
        },
      },
    };
  };
  beforeAll(() => registerEngine(deviceEngine()));
  afterAll(() => unregisterEngine("device"));

  const pipeline = (transfers?: "allow" | "error") =>
    new Pipeline([
      ["scale", new StandardScaler().setComputationalEngine("device")],
      ["cluster", new KMeans({ nClusters: 2, init: [[-1, -1], [1, 1]] }).setComputationalEngine("cpu", transfers ? { transfers } : {})],
    ]);

  it('"allow" (the default) moves the data and records the bytes', async () => {
    const pipe = pipeline();
    await pipe.fit(X);
    const moved = pipe.engineTrace_.find((e) => e.estimator === "KMeans" && e.bytesFromDevice > 0);
    expect(moved?.bytesFromDevice).toBe(6 * 2 * 8);
  });

  it('"error" rejects the step with the engines and the bytes', async () => {
    const error = await rejection(pipeline("error").fit(X));
    expect(error).toBeInstanceOf(TransferNotAllowedError);
    expect(error.message).toBe(
      'KMeans.fit on engine "cpu" would read 96 bytes of X back from engine "device", and transfers: "error" forbids moving data between devices.',
    );
  });
});
