// The KMeans `init` hook (engine API 1.2): engines compute k-means++ and random init from their own copy of core's
// generator, the result is checked against its contract, and core's reference runs when no engine does.
import { afterEach, describe, expect, it } from "@jest/globals";
import {
  DeviceLostError,
  EngineContractError,
  KMeans,
  Matrix,
  NotSupportedByEngineError,
  RandomState,
  kmeansPlusPlus,
  kmeansPlusPlusIndices,
  randomInit,
  randomInitIndices,
  registerEngine,
  unregisterEngine,
  type Engine,
  type KMeansHooks,
  type KMeansInitContext,
  type KMeansInitResult,
} from "@plugml/core";
import { cpuEngine } from "@plugml/engine-cpu";
import { brief } from "./engines.js";
import { rejection } from "./helpers.js";

// The cpu engine's KMeans hooks without its own init, so each test decides who initialises.
const { init: _cpuInit, ...lloyd } = cpuEngine.estimators.KMeans! as KMeansHooks;

const registered: string[] = [];
function engine(name: string, init?: KMeansHooks["init"], more: Partial<KMeansHooks> = {}): void {
  const KMeans: KMeansHooks = { ...lloyd, ...more, ...(init ? { init } : {}) };
  registerEngine({ name, version: "1.0.0", coreApi: "^1.2.0", estimators: { KMeans } } satisfies Engine);
  registered.push(name);
}
afterEach(async () => {
  for (const name of registered.splice(0)) await unregisterEngine(name);
});

/** An init written the way an engine author would: core's reference functions on the engine's copy of the generator. */
async function referenceInit(ctx: KMeansInitContext): Promise<KMeansInitResult> {
  const X = await ctx.toHost(ctx.X);
  const k = ctx.params.nClusters;
  const indices = Array.from({ length: ctx.nInit }, () =>
    ctx.method === "random" ? randomInitIndices(X.rows, k, ctx.random) : kmeansPlusPlusIndices(X, k, ctx.random),
  );
  return { indices, centers: indices.map((rows) => rowsOf(X, rows)) };
}

function rowsOf(X: Matrix, rows: Int32Array): Matrix {
  return Matrix.from(Array.from(rows, (r) => Array.from(X.row(r)))).astype(X.dtype);
}

// 60 distinct rows in 3 separated groups.
const data = Matrix.from(Array.from({ length: 60 }, (_, i) => [(i % 3) * 50 + ((i * 7) % 11) / 3, ((i * 13) % 17) / 5]));

/** The centers a fit was handed, recorded by a fit hook that then runs the real one. */
function recordingFit(into: Matrix[][]): Partial<KMeansHooks> {
  return { fit: (ctx) => (into.push(ctx.extra.initialCenters), lloyd.fit(ctx)) };
}

describe("KMeans init on an engine", () => {
  it("runs once per fit, before prepareFit, and the fit starts from the centers it chose", async () => {
    const handed: Matrix[][] = [];
    engine("ref-init", referenceInit, recordingFit(handed));
    const km = await new KMeans({ nClusters: 3, nInit: 2, randomState: 5 }).setComputationalEngine("ref-init", { fallback: false }).fit(data);
    expect(brief(km.engineTrace_)).toEqual(["init:ref-init:ran", "prepareFit:ref-init:ran", "fit:ref-init:ran", "postFit:ref-init:ran"]);
    const rng = new RandomState(5);
    expect(handed[0].map((c) => c.toArray())).toEqual([kmeansPlusPlus(data, 3, rng).toArray(), kmeansPlusPlus(data, 3, rng).toArray()]);
  });

  it("a RandomState the user passed advances as if core had drawn", async () => {
    engine("ref-init", referenceInit);
    const shared = new RandomState(11);
    await new KMeans({ nClusters: 3, init: "random", nInit: 3, randomState: shared }).setComputationalEngine("ref-init").fit(data);
    const expected = new RandomState(11);
    for (let run = 0; run < 3; run++) randomInit(data, 3, expected);
    expect(shared.random()).toBe(expected.random());
  });

  it("an engine that draws and then declines leaves the next one the same stream", async () => {
    const handed: Matrix[][] = [];
    const draws = (ctx: KMeansInitContext): never => {
      for (let i = 0; i < 5; i++) ctx.random.random();
      throw new NotSupportedByEngineError("found out too late");
    };
    // It still runs the fit: only its init declines.
    engine("draws-then-declines", draws, recordingFit(handed));
    engine("ref-init", referenceInit);
    const km = await new KMeans({ nClusters: 3, randomState: 2 }).setComputationalEngine(["draws-then-declines", "ref-init"], { fallback: false }).fit(data);
    expect(brief(km.engineTrace_).slice(0, 2)).toEqual(["init:draws-then-declines:declined", "init:ref-init:ran"]);
    expect(km.engineTrace_[0].reason).toBe("found out too late");
    expect(handed[0][0].toArray()).toEqual(kmeansPlusPlus(data, 3, new RandomState(2)).toArray());
  });

  it("a device lost during init hands it on; with no engine left, core's reference initialises", async () => {
    engine("lossy", () => {
      throw new DeviceLostError("lossy", "destroyed: injected by the test");
    });
    const km = await new KMeans({ nClusters: 3, randomState: 0 }).setComputationalEngine("lossy", { fallback: false }).fit(data);
    expect(brief(km.engineTrace_).slice(0, 2)).toEqual(["init:lossy:fault", "init:core:ran"]);
    expect(km.engineUsed_).toBe("lossy");
  });

  it("explicit centers need no init hook", async () => {
    let asked = 0;
    engine("ref-init", (ctx) => (asked++, referenceInit(ctx)));
    const km = await new KMeans({ nClusters: 2, init: [[0, 0], [50, 1]] }).setComputationalEngine("ref-init").fit(data);
    expect(asked).toBe(0);
    expect(km.engineTrace_.some((e) => e.hook === "init")).toBe(false);
  });
});

describe("core's reference when no engine implements init", () => {
  it("is traced as engine core, with its time and thread", async () => {
    engine("no-init");
    const km = await new KMeans({ nClusters: 3, randomState: 0 }).setComputationalEngine("no-init", { fallback: false }).fit(data);
    expect(brief(km.engineTrace_).slice(0, 2)).toEqual(["init:no-init:declined", "init:core:ran"]);
    expect(km.engineTrace_[0].reason).toBe("does not implement KMeans.init");
    expect(km.engineTrace_[1]).toMatchObject({
      reason: "k-means++ initialisation by core's TypeScript reference (no engine ran KMeans.init)",
      bytesFromDevice: 0,
      threads: { count: 1, reason: "core computes on the calling thread" },
    });
    expect(km.engineTrace_[1].ms).toBeGreaterThan(0);
  });
});

describe("init results that break their contract are the engine's error", () => {
  const lies: [string, (r: KMeansInitResult, X: Matrix) => KMeansInitResult, string][] = [
    ["too few runs", (r) => ({ indices: r.indices.slice(1), centers: r.centers.slice(1) }), "init must return nInit=2 sets of indices and centers, got 1 and 1"],
    ["an index outside X", (r) => ({ ...r, indices: [Int32Array.of(0, 1, 60), r.indices[1]] }), "indices[0][2] is 60, outside [0, 60)"],
    [
      "centers that are not the rows named",
      (r, X) => ({ ...r, centers: [rowsOf(X, Int32Array.of(5, 6, 7)), r.centers[1]] }),
      "centers[0] row 0 is not row",
    ],
    ["centers in another dtype", (r) => ({ ...r, centers: r.centers.map((c) => c.astype("float32")) }), "centers[0] must be a 3 x 2 float64 matrix, got a 3 x 2 float32 Matrix"],
  ];
  for (const [what, lie, message] of lies) {
    it(`${what}: EngineContractError naming the engine and the hook`, async () => {
      engine("liar", async (ctx) => lie(await referenceInit(ctx), await ctx.toHost(ctx.X)));
      const km = new KMeans({ nClusters: 3, nInit: 2, randomState: 1 }).setComputationalEngine("liar", { fallback: false });
      const error = await rejection(km.fit(data));
      expect(error).toBeInstanceOf(EngineContractError);
      expect((error as Error).message).toContain('Engine "liar" returned a malformed result from KMeans.init: ');
      expect((error as Error).message).toContain(message);
      expect(() => km.clusterCenters_).toThrow("not fitted");
    });
  }
});
