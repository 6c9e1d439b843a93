import {
  blockEngine,
  EngineDeclinedError,
  EngineNotFoundError,
  EngineValidationError,
  addTraceListener,
  getConfig,
  KMeans,
  KNeighborsClassifier,
  listEngines,
  Matrix,
  Pipeline,
  registerEngine,
  setConfig,
  StandardScaler,
  unblockEngine,
  unregisterEngine,
  withConfig,
  type Engine,
  type TraceEntry,
} from "@plugml/core";
import { cpuEngine } from "@plugml/engine-cpu";
import { altEngine, brokenEngine, decliningEngine, lateRefusalEngine, brief, init, refuse, X } from "./engines.js";


describe("registerEngine validates engines against the hook specs", () => {
  const base = { version: "1.0.0", coreApi: "^1.0.0" };
  const kmeans = cpuEngine.estimators.KMeans!;

  it("rejects a misspelled hook and suggests the right name", () => {
    const engine = { ...base, name: "typo", estimators: { KMeans: { ...kmeans, fitt: kmeans.fit } } } as unknown as Engine;
    expect(() => registerEngine(engine)).toThrow(EngineValidationError);
    expect(() => registerEngine(engine)).toThrow('Engine "typo": KMeans has unknown hook "fitt" (did you mean "fit"?)');
    expect(listEngines().map((e) => e.name)).not.toContain("typo");
  });

  it("rejects a missing required hook, an unknown estimator and a non-function hook", () => {
    const { predict: _dropped, ...noPredict } = kmeans;
    expect(() => registerEngine({ ...base, name: "partial", estimators: { KMeans: noPredict as never } })).toThrow(
      'Engine "partial": KMeans is missing the required hook "predict".',
    );
    expect(() => registerEngine({ ...base, name: "unknown", estimators: { KMean: kmeans } as never })).toThrow(
      'Engine "unknown": unknown estimator "KMean" (did you mean "KMeans"?)',
    );
    expect(() => registerEngine({ ...base, name: "nonfn", estimators: { KMeans: { ...kmeans, score: 3 } as never } })).toThrow(
      'Engine "nonfn": KMeans.score must be a function.',
    );
  });

  it("rejects an engine written for another engine API", () => {
    expect(() => registerEngine({ ...base, coreApi: "^2.0.0", name: "future", estimators: {} })).toThrow(
      'Engine "future" requires engine API ^2.0.0, but this @plugml/core provides 1.4.0.',
    );
  });

  it("is a no-op for the same object and an error for another object under the same name", () => {
    const alt = altEngine("twice");
    registerEngine(alt);
    registerEngine(alt);
    expect(listEngines().filter((e) => e.name === "twice")).toHaveLength(1);
    expect(() => registerEngine(altEngine("twice"))).toThrow('An engine named "twice" is already registered');
  });

  it("unregisters and disposes", async () => {
    let disposed = 0;
    registerEngine({ ...base, name: "disposable", estimators: { KMeans: kmeans }, dispose: () => void disposed++ });
    expect(await unregisterEngine("disposable")).toBe(true);
    expect(disposed).toBe(1);
    expect(await unregisterEngine("disposable")).toBe(false);
  });
});

describe("activation", () => {
  beforeAll(() => {
    for (const e of [altEngine(), decliningEngine, lateRefusalEngine, brokenEngine]) registerEngine(e);
  });
  afterEach(() => setConfig({ engines: undefined, fallback: undefined }));

  it("loads the default cpu engine by package name when nothing is configured", async () => {
    const km = await new KMeans({ nClusters: 2, init }).fit(X);
    expect(km.engineUsed_).toBe("cpu");
    expect(brief(km.engineTrace_)).toEqual(["prepareFit:cpu:ran", "fit:cpu:ran", "postFit:cpu:ran"]);
    expect(listEngines().find((e) => e.name === "cpu")?.version).toBe(cpuEngine.version);
  });

  it("an unknown engine is EngineNotFoundError naming the package to install", async () => {
    const km = new KMeans({ nClusters: 2, init }).setComputationalEngine("nosuch");
    const error = await km.fit(X).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineNotFoundError);
    expect((error as Error).name).toBe("EngineNotFoundError");
    expect((error as Error).message).toContain("npm install @plugml/engine-nosuch");
  });

  it("a declining engine falls back to cpu, and the reason is in engineTrace_", async () => {
    const km = await new KMeans({ nClusters: 2, init }).setComputationalEngine("declines").fit(X);
    expect(km.engineUsed_).toBe("cpu");
    expect(km.engineTrace_[0]).toMatchObject({
      hook: "prepareFit",
      engine: "declines",
      outcome: "declined",
      reason: "needs a GPU with 1 TB of memory",
    });
    expect(brief(km.engineTrace_)).toEqual([
      "prepareFit:declines:declined",
      "prepareFit:cpu:ran",
      "fit:cpu:ran",
      "postFit:cpu:ran",
    ]);
  });

  it("NotSupportedByEngineError from prepareFit is a late refusal with its message as the reason", async () => {
    const km = await new KMeans({ nClusters: 2, init }).setComputationalEngine("late-refusal").fit(X);
    expect(km.engineUsed_).toBe("cpu");
    expect(km.engineTrace_[0]).toMatchObject({ engine: "late-refusal", outcome: "declined", reason: "sample weights are not supported" });
  });

  it("fallback: false throws EngineDeclinedError listing every engine's reason", async () => {
    const km = new KMeans({ nClusters: 2, init }).setComputationalEngine(["declines", "late-refusal"], { fallback: false });
    const error = (await km.fit(X).catch((e: unknown) => e)) as EngineDeclinedError;
    expect(error).toBeInstanceOf(EngineDeclinedError);
    expect(error.reasons).toEqual([
      { engine: "declines", reason: "needs a GPU with 1 TB of memory" },
      { engine: "late-refusal", reason: "sample weights are not supported" },
    ]);
    expect(error.message).toContain("No engine accepted KMeans.fit");
    expect(() => km.clusterCenters_).toThrow("KMeans is not fitted yet");
  });

  it("an engine that declines in fit hands the whole fit to the next candidate", async () => {
    registerEngine(altEngine("fit-decliner", { KMeans: { fit: refuse("fit declined late") } as never }));
    const km = await new KMeans({ nClusters: 2, init }).setComputationalEngine("fit-decliner").fit(X);
    expect(km.engineUsed_).toBe("cpu");
    expect(brief(km.engineTrace_)).toEqual([
      "prepareFit:fit-decliner:ran",
      "fit:fit-decliner:declined",
      "prepareFit:cpu:ran",
      "fit:cpu:ran",
      "postFit:cpu:ran",
    ]);
    const strict = new KMeans({ nClusters: 2, init }).setComputationalEngine("fit-decliner", { fallback: false });
    const error = (await strict.fit(X).catch((e: unknown) => e)) as EngineDeclinedError;
    expect(error.reasons).toEqual([{ engine: "fit-decliner", reason: "fit declined late" }]);
  });

  it("an engine error propagates (no silent fallback) and leaves the previous model intact", async () => {
    const km = await new KMeans({ nClusters: 2, init }).fit(X);
    const centers = km.clusterCenters_;
    const error = await km.setComputationalEngine("broken").fit([[5, 5], [6, 6]]).catch((e: unknown) => e);
    expect((error as Error).message).toBe("device lost");
    expect(km.clusterCenters_).toBe(centers);
    expect(km.engineUsed_).toBe("cpu");
  });

  it("blocked engines are skipped with a reason", async () => {
    blockEngine("alt");
    try {
      const km = await new KMeans({ nClusters: 2, init }).setComputationalEngine("alt").fit(X);
      expect(km.engineTrace_[0]).toMatchObject({ engine: "alt", outcome: "declined", reason: "blocked by blockEngine()" });
      expect(km.engineUsed_).toBe("cpu");
      expect(listEngines().find((e) => e.name === "alt")?.blocked).toBe(true);
    } finally {
      unblockEngine("alt");
    }
  });

  it("precedence: estimator setting, then withConfig, then setConfig, then the default", async () => {
    setConfig({ engines: ["alt"] });
    expect(getConfig().engines).toEqual(["alt"]);
    const global = await new KMeans({ nClusters: 2, init }).fit(X);
    expect(global.engineUsed_).toBe("alt");
    await withConfig({ engines: ["cpu"] }, async () => {
      await Promise.resolve();
      const scoped = await new KMeans({ nClusters: 2, init }).fit(X);
      expect(scoped.engineUsed_).toBe("cpu");
      const own = await new KMeans({ nClusters: 2, init }).setComputationalEngine("alt").fit(X);
      expect(own.engineUsed_).toBe("alt");
    });
    const after = await new KMeans({ nClusters: 2, init }).fit(X);
    expect(after.engineUsed_).toBe("alt");
  });

  it("predict goes to the engine that fitted, and falls back only when it declines", async () => {
    const picky = altEngine("picky", {
      KMeans: { accepts: (ctx: { hook: string }) => (ctx.hook === "transform" ? "transform is not implemented on this device" : true) } as never,
    });
    registerEngine(picky);
    const km = await new KMeans({ nClusters: 2, init }).setComputationalEngine("picky").fit(X);
    km.setComputationalEngine("cpu");
    expect(Array.from(await km.predict([[0.1, 0.2]]))).toEqual([0]);
    expect(km.engineUsed_).toBe("picky");
    await km.transform([[0, 0]]);
    expect(km.engineUsed_).toBe("cpu");
    expect(brief(km.engineTrace_.slice(-3))).toEqual(["predict:picky:ran", "transform:picky:declined", "transform:cpu:ran"]);
    expect(km.engineTrace_.at(-2)?.reason).toBe("transform is not implemented on this device");
  });

  it("calls each hook once per user call, however many iterations the fit runs", async () => {
    const counting = altEngine("counting");
    registerEngine(counting);
    const seen: number[] = [];
    const km = new KMeans({ nClusters: 2, init: [[0, 0], [0, 1]], tol: 0 }).setComputationalEngine("counting");
    await km.fit(X, undefined, { onIteration: (info) => void seen.push(info.iteration) });
    await km.predict(X);
    expect(seen.length).toBeGreaterThan(1);
    expect(counting.calls).toEqual(["KMeans.fit", "KMeans.predict"]);
  });

  it("global listeners see every entry", async () => {
    const entries: TraceEntry[] = [];
    const stop = addTraceListener((e) => entries.push(e));
    await new StandardScaler().fit(X);
    stop();
    await new StandardScaler().fit(X);
    expect(entries.map((e) => `${e.estimator}.${e.method}.${e.hook}`)).toEqual([
      "StandardScaler.fit.prepareFit",
      "StandardScaler.fit.fit",
      "StandardScaler.fit.postFit",
    ]);
    expect(entries.every((e) => e.ms >= 0 && e.bytesToDevice === 0 && e.bytesFromDevice === 0)).toBe(true);
  });
});

describe("Pipeline", () => {
  it("runs its steps on different engines", async () => {
    if (!listEngines().some((e) => e.name === "alt")) registerEngine(altEngine());
    const pipe = new Pipeline([
      ["scale", new StandardScaler().setComputationalEngine("alt", { fallback: false })],
      ["cluster", new KMeans({ nClusters: 2, init: [[-1, -1], [1, 1]] }).setComputationalEngine("cpu")],
    ]);
    await pipe.fit(X);
    expect(pipe.engineUsed_).toEqual({ scale: "alt", cluster: "cpu" });
    expect(Array.from((await pipe.predict([[0, 0], [10, 10]])) as Int32Array)).toEqual([0, 1]);
    expect(pipe.engineTrace_.filter((e) => e.hook === "fit").map((e) => `${e.step}:${e.engine}`)).toEqual([
      "scale:alt",
      "cluster:cpu",
    ]);
    expect(await pipe.score(X)).toBeCloseTo(-(await (pipe.namedSteps.cluster as KMeans).inertia_), 12);
  });

  it("transform and fitPredict pass data through every step", async () => {
    const pipe = new Pipeline([
      ["scale", new StandardScaler()],
      ["cluster", new KMeans({ nClusters: 2, init: [[-1, -1], [1, 1]] })],
    ]);
    const labels = (await pipe.fitPredict(X)) as Int32Array;
    expect(Array.from(labels)).toEqual([0, 0, 0, 1, 1, 1]);
    const distances = (await pipe.transform([[0, 0]])) as Matrix;
    const centers = (pipe.namedSteps.cluster as KMeans).clusterCenters_;
    const z = await (pipe.namedSteps.scale as StandardScaler).transform([[0, 0]]);
    const expected = [0, 1].map((c) => Math.hypot(z.get(0, 0) - centers.get(c, 0), z.get(0, 1) - centers.get(c, 1)));
    expect(distances.rows).toBe(1);
    expect(distances.get(0, 0)).toBeCloseTo(expected[0], 12);
    expect(distances.get(0, 1)).toBeCloseTo(expected[1], 12);
  });

  it("rejects misuse with clear messages", () => {
    expect(() => new Pipeline([])).toThrow("Pipeline: steps must be a non-empty array of [name, estimator].");
    expect(() => new Pipeline([["a", new StandardScaler()], ["a", new KMeans()]])).toThrow('Pipeline: step name "a" is used twice.');
    expect(() => new Pipeline([["knn", new KNeighborsClassifier()], ["scale", new StandardScaler()]])).toThrow(
      'Pipeline: step "knn" is not the last step, so it must have a transform method.',
    );
  });

  it("setComputationalEngine on a Pipeline sets every step", async () => {
    const scale = new StandardScaler();
    const cluster = new KMeans({ nClusters: 2, init: [[-1, -1], [1, 1]] });
    await new Pipeline([["scale", scale], ["cluster", cluster]]).setComputationalEngine("alt").fit(X);
    expect([scale.engineUsed_, cluster.engineUsed_]).toEqual(["alt", "alt"]);
  });
});
