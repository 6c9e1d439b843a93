// Edge cases of engine selection, fallback, activation scopes and the fit lifecycle, each once a bug.
import {
  AbortError,
  addTraceListener,
  blockEngine,
  EngineContractError,
  EngineDeclinedError,
  KMeans,
  Matrix,
  NearestNeighbors,
  Pipeline,
  registerEngine,
  setConfig,
  StandardScaler,
  unblockEngine,
  unregisterEngine,
  withConfig,
  type KMeansHooks,
  type ResidentMatrix,
  type TraceEntry,
} from "@plugml/core";
import { cpuEngine } from "@plugml/engine-cpu";
import { altEngine, brief, init, refuse, X } from "./engines.js";
import { rejection } from "./helpers.js";

const kmeans = () => new KMeans({ nClusters: 2, init });

beforeAll(() => {
  registerEngine(altEngine("refuses", { KMeans: { accepts: () => "never" } as never }));
  registerEngine(altEngine("fit-decliner", { KMeans: { fit: refuse("fit declined late") } as never }));
});
afterEach(() => setConfig({ engines: undefined, fallback: undefined }));

describe("the engine that fitted", () => {
  it("unregistered before predict: the next candidate runs, and it is not re-imported", async () => {
    registerEngine(altEngine("gone"));
    const km = await withConfig({ engines: ["gone"] }, () => kmeans().fit(X));
    expect(km.engineUsed_).toBe("gone");
    await unregisterEngine("gone");
    // Used to reject with EngineNotFoundError: the fitted engine was imported as @plugml/engine-gone.
    expect(Array.from(await km.predict([[0, 0], [9, 9]]))).toEqual([0, 1]);
    expect(km.engineUsed_).toBe("cpu");
    expect(brief(km.engineTrace_.slice(-2))).toEqual(["predict:gone:declined", "predict:cpu:ran"]);
    expect(km.engineTrace_.at(-2)?.reason).toBe("not registered");
  });

  it("replaced by another object under the same name: the newcomer does not get the old fitState", async () => {
    const seen: unknown[] = [];
    const spy = (): KMeansHooks =>
      ({
        predict: (ctx) => {
          seen.push(ctx.fitState);
          return cpuEngine.estimators.KMeans!.predict(ctx);
        },
      }) as KMeansHooks;
    registerEngine(altEngine("swapped", { KMeans: spy() }));
    const km = await kmeans().setComputationalEngine("swapped").fit(X);
    await km.predict([[0, 0]]);
    await unregisterEngine("swapped");
    registerEngine(altEngine("swapped", { KMeans: spy() }));
    await km.predict([[0, 0]]);
    expect(seen[0]).toBeDefined();
    expect(seen[1]).toBeUndefined();
    expect(km.engineUsed_).toBe("swapped");
  });

  it("blocked after fitting: predict falls back, with the reason in the trace", async () => {
    registerEngine(altEngine("blocked-later"));
    const km = await kmeans().setComputationalEngine("blocked-later").fit(X);
    blockEngine("blocked-later");
    try {
      await km.predict([[0, 0]]);
      expect(km.engineUsed_).toBe("cpu");
      expect(km.engineTrace_.at(-2)).toMatchObject({ engine: "blocked-later", outcome: "declined", reason: "blocked by blockEngine()" });
    } finally {
      unblockEngine("blocked-later");
    }
  });
});

describe("trace entries of engines that cannot run", () => {
  it("appear where they were asked, once, and only when reached", async () => {
    registerEngine(altEngine("blocked"));
    blockEngine("blocked");
    try {
      // Used to trace "blocked" first (before the engine ahead of it) and again after the fit was handed on.
      const km = await kmeans().setComputationalEngine(["fit-decliner", "blocked"]).fit(X);
      expect(brief(km.engineTrace_)).toEqual([
        "prepareFit:fit-decliner:ran",
        "fit:fit-decliner:declined",
        "prepareFit:blocked:declined",
        "prepareFit:cpu:ran",
        "fit:cpu:ran",
        "postFit:cpu:ran",
      ]);
      // An engine after the one that runs is never asked, so it leaves no entry.
      await km.setComputationalEngine(["cpu", "blocked"]).fit(X);
      expect(brief(km.engineTrace_)).toEqual(["prepareFit:cpu:ran", "fit:cpu:ran", "postFit:cpu:ran"]);
      const strict = kmeans().setComputationalEngine(["fit-decliner", "blocked"], { fallback: false });
      const error = (await rejection(strict.fit(X))) as EngineDeclinedError;
      expect(error.reasons).toEqual([
        { engine: "fit-decliner", reason: "fit declined late" },
        { engine: "blocked", reason: "blocked by blockEngine()" },
      ]);
    } finally {
      unblockEngine("blocked");
    }
  });
});

describe("activation layers", () => {
  it("a withConfig scope that only sets fallback: false makes the enclosing choice strict", async () => {
    // Used to be ignored: only a layer that named engines was consulted, fallback included.
    const fit = withConfig({ engines: ["refuses"] }, () => withConfig({ fallback: false }, () => kmeans().fit(X)));
    const error = (await rejection(fit)) as EngineDeclinedError;
    expect(error).toBeInstanceOf(EngineDeclinedError);
    expect(error.reasons).toEqual([{ engine: "refuses", reason: "never" }]);
  });

  it("setConfig({ fallback: false }) applies to engines chosen by setComputationalEngine, unless it says otherwise", async () => {
    setConfig({ fallback: false });
    expect(await rejection(kmeans().setComputationalEngine("refuses").fit(X))).toBeInstanceOf(EngineDeclinedError);
    const lenient = await kmeans().setComputationalEngine("refuses", { fallback: true }).fit(X);
    expect(lenient.engineUsed_).toBe("cpu");
    expect((await kmeans().fit(X)).engineUsed_).toBe("cpu");
  });

  it("concurrent withConfig scopes each keep their own engines across awaits", async () => {
    registerEngine(altEngine("scope-a"));
    registerEngine(altEngine("scope-b"));
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    const used = (name: string) =>
      withConfig({ engines: [name] }, async () => {
        const out: (string | undefined)[] = [];
        for (let i = 0; i < 3; i++) {
          await tick();
          out.push((await kmeans().fit(X)).engineUsed_);
        }
        return out;
      });
    expect(await Promise.all([used("scope-a"), used("scope-b")])).toEqual([
      ["scope-a", "scope-a", "scope-a"],
      ["scope-b", "scope-b", "scope-b"],
    ]);
  });
});

describe("the fit lifecycle", () => {
  it("an engine whose postFit declines hands the fit to the next candidate", async () => {
    registerEngine(altEngine("post-decliner", { KMeans: { postFit: refuse("postFit declined late") } as never }));
    // Used to reject with "No engine accepted KMeans.postFit" although fallback was on.
    const km = await kmeans().setComputationalEngine("post-decliner").fit(X);
    expect(km.engineUsed_).toBe("cpu");
    expect(brief(km.engineTrace_)).toEqual([
      "prepareFit:post-decliner:ran",
      "fit:post-decliner:ran",
      "postFit:post-decliner:declined",
      "prepareFit:cpu:ran",
      "fit:cpu:ran",
      "postFit:cpu:ran",
    ]);
    const strict = kmeans().setComputationalEngine("post-decliner", { fallback: false });
    const error = (await rejection(strict.fit(X))) as EngineDeclinedError;
    expect(error.message).toContain("No engine accepted KMeans.fit");
    expect(error.reasons).toEqual([{ engine: "post-decliner", reason: "postFit declined late" }]);
  });

  it("a signal aborted before fit rejects before initialisation reads anything back", async () => {
    let reads = 0;
    const host = Matrix.from(X);
    const resident: ResidentMatrix = {
      kind: "resident",
      engine: "elsewhere",
      rows: host.rows,
      cols: host.cols,
      dtype: "float64",
      read: async () => (reads++, host),
    };
    const entries: TraceEntry[] = [];
    const stop = addTraceListener((e) => entries.push(e));
    try {
      const controller = new AbortController();
      controller.abort();
      const km = new KMeans({ nClusters: 2, randomState: 0 });
      const error = await rejection(km.fit(resident, undefined, { signal: controller.signal }));
      expect(error).toBeInstanceOf(AbortError);
      expect(reads).toBe(0);
      expect(entries).toEqual([]);
      expect(() => km.labels_).toThrow("not fitted");
    } finally {
      stop();
    }
  });

  it("a malformed model from an engine is an EngineContractError naming the engine, and nothing is fitted", async () => {
    registerEngine(
      altEngine("bad-model", {
        KMeans: { postFit: (ctx: { fitResult: object }) => ({ ...ctx.fitResult, labels: new Int32Array(1) }) } as never,
        StandardScaler: { postFit: (ctx: { fitResult: { mean: Float64Array } }) => ({ mean: ctx.fitResult.mean, nSamplesSeen: 6 }) } as never,
      }),
    );
    const km = kmeans().setComputationalEngine("bad-model");
    const error = await rejection(km.fit(X));
    expect(error).toBeInstanceOf(EngineContractError);
    expect(error.message).toBe(
      'Engine "bad-model" returned a malformed result from KMeans.postFit: labels must be an Int32Array of 6 values, got Int32Array(1).',
    );
    expect(() => km.labels_).toThrow("not fitted");
    // A missing var used to be a TypeError.
    const scaler = new StandardScaler().setComputationalEngine("bad-model");
    expect(await rejection(scaler.fit(X))).toBeInstanceOf(EngineContractError);
  });
});

describe("argument checks", () => {
  it("Pipeline refuses one estimator object in two steps", () => {
    const scaler = new StandardScaler();
    expect(() => new Pipeline([["a", scaler], ["b", scaler], ["k", kmeans()]])).toThrow(
      'Pipeline: steps "a" and "b" are the same estimator object; give each step its own.',
    );
  });

  it("kneighbors shows a non-number nNeighbors as what it is", async () => {
    const nn = await new NearestNeighbors({ nNeighbors: 2 }).fit(X);
    const error = await rejection(nn.kneighbors(X, { nNeighbors: "2" as never }));
    expect(error.message).toBe('NearestNeighbors.kneighbors: nNeighbors must be an integer >= 1, got "2".');
    expect((await rejection(nn.kneighbors(X, { nNeighbors: 1.5 }))).message).toContain("got 1.5.");
  });
});
