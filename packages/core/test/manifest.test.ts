// Engine manifests (engine API 1.4): core checks each gated call against what the engine declared, before its
// `accepts`, and declines in words that name the parameter; registration rejects malformed manifests; the
// conformance kit tests what a manifest promises and what it leaves out; listEngineSupport reports it.
import {
  EngineDeclinedError,
  getEngine,
  KMeans,
  listEngineSupport,
  Matrix,
  NearestNeighbors,
  registerEngine,
  StandardScaler,
  unregisterEngine,
  type Engine,
  type EngineManifest,
} from "@plugml/core";
import { runConformanceSuite } from "@plugml/core/testing";
import { cpuEngine } from "@plugml/engine-cpu";

const precision = { computesIn: "input", tolerance: { float32: 1e-4, float64: 1e-9 } } as const;
const BOTH = ["float32", "float64"] as const;

/** engine-cpu's hooks under another name, with a narrow manifest; `asked` counts the accepts calls it gets. */
function narrowEngine(name: string, asked: string[] = []): Engine {
  const manifest: EngineManifest = {
    KMeans: { dtypes: BOTH, params: { init: ["random"] }, limits: { nClusters: 3 }, precision },
    NearestNeighbors: { dtypes: BOTH, params: { metric: ["minkowski", "euclidean", "manhattan"] }, limits: { nNeighbors: 3, nFeatures: 4 }, precision },
    KNeighborsClassifier: { dtypes: BOTH, params: { weights: ["uniform"] }, precision },
    Normalizer: { dtypes: BOTH, params: { norm: ["l2"] }, precision },
    StandardScaler: { dtypes: ["float64"], sampleWeight: false, precision, note: "float64 only" },
    metrics: { dtypes: BOTH, params: { metric: ["euclidean"] }, precision },
  };
  const estimators = Object.fromEntries(
    Object.keys(manifest).map((estimator) => {
      const hooks = cpuEngine.estimators[estimator as keyof typeof cpuEngine.estimators] as Record<string, (ctx: unknown) => unknown>;
      const accepts = (ctx: { hook: string }) => (asked.push(`${estimator}.${ctx.hook}`), hooks.accepts ? hooks.accepts(ctx) : true);
      return [estimator, { ...hooks, accepts }];
    }),
  );
  return { name, version: "1.0.0", coreApi: "^1.4.0", estimators, manifest };
}

const X = Matrix.from([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5]]);

describe("a call outside an engine's manifest", () => {
  const asked: string[] = [];
  beforeAll(() => registerEngine(narrowEngine("narrow", asked)));
  afterAll(() => unregisterEngine("narrow"));
  beforeEach(() => (asked.length = 0));

  it("declines before accepts, naming the parameter, and the next engine runs it", async () => {
    const nn = await new NearestNeighbors({ nNeighbors: 2, metric: "chebyshev" }).setComputationalEngine(["narrow", "cpu"]).fit(X);
    expect(nn.engineUsed_).toBe("cpu");
    expect(nn.engineTrace_[0]).toMatchObject({ engine: "narrow", hook: "prepareFit", outcome: "declined", reason: "metric 'chebyshev' is not in its manifest (minkowski, euclidean, manhattan)" });
    expect(asked).toEqual([]);
    const inside = await new NearestNeighbors({ nNeighbors: 2, metric: "manhattan" }).setComputationalEngine(["narrow", "cpu"]).fit(X);
    expect(inside.engineUsed_).toBe("narrow");
    expect(asked).toEqual(["NearestNeighbors.prepareFit"]);
  });

  it("without fallback is an EngineDeclinedError saying which engine and why", async () => {
    const error = await new NearestNeighbors({ metric: "chebyshev", nNeighbors: 2 })
      .setComputationalEngine("narrow", { fallback: false })
      .fit(X)
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EngineDeclinedError);
    expect((error as Error).message).toBe("No engine accepted NearestNeighbors.fit:\n  - narrow: metric 'chebyshev' is not in its manifest (minkowski, euclidean, manhattan)");
  });

  it("checks limits on every gated call: a per-call nNeighbors above the limit goes to the next engine", async () => {
    const nn = await new NearestNeighbors({ nNeighbors: 2 }).setComputationalEngine(["narrow", "cpu"]).fit(X);
    expect(nn.engineUsed_).toBe("narrow");
    const { indices } = await nn.kneighbors(X, { nNeighbors: 4 });
    expect(indices.rows).toBe(6);
    const entries = nn.engineTrace_.filter((e) => e.hook === "kneighbors");
    expect(entries.map((e) => [e.engine, e.outcome, e.reason])).toEqual([
      ["narrow", "declined", "nNeighbors=4 is above its manifest's limit of 3"],
      ["cpu", "ran", undefined],
    ]);
    const wide = Matrix.from([[1, 2, 3, 4, 5]]);
    const plan = await new NearestNeighbors({ nNeighbors: 1 }).setComputationalEngine(["narrow", "cpu"]).explainEngine("fit", wide);
    expect(plan.candidates[0]).toEqual({ engine: "narrow", verdict: "declined", reason: "nFeatures=5 is above its manifest's limit of 4" });
  });

  it("declines a dtype and sample weights it left out", async () => {
    const scaler = await new StandardScaler().setComputationalEngine(["narrow", "cpu"]).fit(X.astype("float32"));
    expect(scaler.engineTrace_[0].reason).toBe("dtype 'float32' is not in its manifest (float64)");
    const weighted = await new StandardScaler().setComputationalEngine(["narrow", "cpu"]).fit(X, undefined, { sampleWeight: [1, 2, 1, 2, 1, 2] });
    expect(weighted.engineTrace_[0].reason).toBe("sample weights are not in its manifest");
    expect(weighted.engineUsed_).toBe("cpu");
  });

  it("KMeans init: a method the manifest leaves out is computed by core's reference, and the trace says why", async () => {
    const km = await new KMeans({ nClusters: 2, randomState: 0, nInit: 1 }).setComputationalEngine("narrow", { fallback: false }).fit(X);
    const init = km.engineTrace_.filter((e) => e.hook === "init");
    expect(init.map((e) => [e.engine, e.outcome, e.reason])).toEqual([
      ["narrow", "declined", "init 'k-means++' is not in its manifest (random)"],
      ["core", "ran", expect.any(String)],
    ]);
    expect(km.engineUsed_).toBe("narrow");
  });
});

// The kit on the narrow engine: what the manifest leaves out must decline (its probes, and the reference cases
// outside it), and everything else must pass with the manifest's tolerance.
runConformanceSuite({ engine: narrowEngine("narrow-kit"), dtype: "float64", describe, it });
runConformanceSuite({ engine: narrowEngine("narrow-kit32"), dtype: "float32", describe, it });

describe("registerEngine checks the manifest", () => {
  const base = { version: "1.0.0", coreApi: "^1.4.0", estimators: { NearestNeighbors: cpuEngine.estimators.NearestNeighbors! } };
  const register = (name: string, manifest: unknown) => () => registerEngine({ ...base, name, manifest } as Engine);

  it.each([
    ["a typo in a value", { NearestNeighbors: { dtypes: BOTH, params: { metric: ["chebychev"] }, precision } }, 'manifest.NearestNeighbors: params.metric lists "chebychev" (did you mean "chebyshev"?), not one of minkowski, euclidean, manhattan, chebyshev, cosine.'],
    ["a parameter it cannot restrict", { NearestNeighbors: { dtypes: BOTH, params: { weights: ["uniform"] }, precision } }, "params.weights is not a parameter a manifest can restrict (NearestNeighbors: metric)"],
    ["an estimator it does not implement", { KMeans: { dtypes: BOTH, precision } }, "manifest.KMeans describes an estimator the engine does not implement."],
    ["an unknown field", { NearestNeighbors: { dtypes: BOTH, precison: precision } }, 'unknown field "precison" (did you mean "precision"?); precision is required'],
    ["a limit of another estimator", { NearestNeighbors: { dtypes: BOTH, limits: { nClusters: 4 }, precision } }, "limits.nClusters does not apply to NearestNeighbors"],
    ["no tolerance for a dtype it runs", { NearestNeighbors: { dtypes: BOTH, precision: { computesIn: "input", tolerance: { float64: 1e-9 } } } }, "precision.tolerance.float32 must be a number in (0, 1)"],
    ["an empty dtype list", { NearestNeighbors: { dtypes: [], precision } }, "dtypes must list one or both of float32, float64"],
  ])("rejects %s", (_what, manifest, message) => {
    expect(register("bad-manifest", manifest)).toThrow(message);
    expect(getEngine("bad-manifest")).toBeUndefined();
  });
});

describe("listEngineSupport", () => {
  beforeAll(() => registerEngine(narrowEngine("narrow-list")));
  afterAll(() => unregisterEngine("narrow-list"));

  it("reports hooks from the hook table and the rest from the manifest, restrictions as the values it runs", () => {
    const rows = listEngineSupport().filter((r) => r.engine === "narrow-list");
    expect(rows.map((r) => r.estimator)).toEqual(["KMeans", "NearestNeighbors", "KNeighborsClassifier", "Normalizer", "StandardScaler", "metrics"]);
    const nn = rows.find((r) => r.estimator === "NearestNeighbors")!;
    expect(nn).toMatchObject({
      declared: true,
      hooks: ["fit", "kneighbors", "radiusNeighbors"],
      gates: ["accepts"],
      dtypes: ["float32", "float64"],
      params: { metric: ["minkowski", "euclidean", "manhattan"] },
      limits: { nNeighbors: 3, nFeatures: 4 },
      precision: { computesIn: "input", tolerance: { float32: 1e-4, float64: 1e-9 } },
    });
    expect(rows.find((r) => r.estimator === "KNeighborsClassifier")!.params).toEqual({
      metric: ["minkowski", "euclidean", "manhattan", "chebyshev", "cosine"],
      weights: ["uniform"],
    });
    expect(rows.find((r) => r.estimator === "StandardScaler")).toMatchObject({ dtypes: ["float64"], sampleWeight: false, note: "float64 only" });
  });

  it("says 'not declared' for an engine written before manifests", () => {
    registerEngine({ name: "old-style", version: "1.0.0", coreApi: "^1.0.0", estimators: { Normalizer: cpuEngine.estimators.Normalizer! } });
    try {
      const [row] = listEngineSupport().filter((r) => r.engine === "old-style");
      expect(row).toMatchObject({ estimator: "Normalizer", declared: false, dtypes: ["float32", "float64"], params: { norm: ["l1", "l2", "max"] } });
      expect(row.precision).toBeUndefined();
    } finally {
      void unregisterEngine("old-style");
    }
  });
});
