// Saved models: the format toJSON writes, unfitted estimators, the numbers JSON cannot write, parameters, the engine
// choice of a loaded model (the engine that fitted need not exist), and fit state kept from every engine but the one
// that produced it. (Round trips of every estimator on each engine: packages/engine-*/test/persistence.test.ts.)
import {
  KMeans,
  KNeighborsClassifier,
  KNeighborsRegressor,
  loadModel,
  Matrix,
  NearestNeighbors,
  NotFittedError,
  Pipeline,
  RandomState,
  registerEngine,
  saveModel,
  StandardScaler,
  unregisterEngine,
  ValidationError,
  type ModelContext,
} from "@plugml/core";
import { altEngine } from "./engines.js";
import { messageOf } from "./helpers.js";

const X = [[0, 1], [0, 2], [9, 9], [9, 8]];

describe("the saved format", () => {
  it("a fitted KMeans: format, version, kind, params, engine setting, the fitting engine and the model", async () => {
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine("cpu", { fallback: false }).fit(X);
    expect(JSON.parse(JSON.stringify(km))).toEqual({
      format: "plugml-model",
      version: 1,
      kind: "KMeans",
      params: { nClusters: 2, init: "k-means++", nInit: "auto", maxIter: 300, tol: 0.0001, randomState: 0 },
      engineSetting: { engines: ["cpu"], fallback: false },
      fitted: {
        engine: "cpu",
        nFeaturesIn: 2,
        clusterCenters: { dtype: "float64", rows: 2, cols: 2, data: [0, 1.5, 9, 8.5] },
        labels: [0, 0, 1, 1],
        inertia: 1,
        nIter: 2,
      },
    });
  });

  it("toJSON is plain data: no typed arrays, no class instances", async () => {
    const clf = await new KNeighborsClassifier({ nNeighbors: 1 }).fit(Matrix.from(Float32Array.of(0, 1, 2), 3, 1), [1, 2, 1]);
    const plain = (v: unknown): boolean =>
      v === null || ["number", "string", "boolean"].includes(typeof v) || (Array.isArray(v) ? v.every(plain) : Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(plain));
    const json = clf.toJSON();
    expect(plain(json)).toBe(true);
    expect(json.fitted).toEqual({ engine: "cpu", nFeaturesIn: 1, fitX: { dtype: "float32", rows: 3, cols: 1, data: [0, 1, 2] }, y: [0, 1, 0], classes: [1, 2], nClasses: 2 });
  });

  it("an unfitted estimator saves its params and engine setting, and loads unfitted", () => {
    const nn = new NearestNeighbors({ nNeighbors: 3, metric: "manhattan" }).setComputationalEngine(["alt", "cpu"], { transfers: "error" });
    const json = JSON.parse(JSON.stringify(nn));
    expect(json).toEqual({
      format: "plugml-model",
      version: 1,
      kind: "NearestNeighbors",
      params: { nNeighbors: 3, metric: "manhattan", p: 2, radius: 1 },
      engineSetting: { engines: ["alt", "cpu"], transfers: "error" },
    });
    const loaded = NearestNeighbors.fromJSON(json);
    expect(loaded.getParams()).toEqual(nn.getParams());
    expect(() => loaded.nFeaturesIn_).toThrow(NotFittedError);
    expect(loaded.toJSON()).toEqual(json);
    // Saved before the radius parameter existed: it loads with the default.
    const { radius: _, ...older } = json.params;
    expect(NearestNeighbors.fromJSON({ ...json, params: older }).getParams().radius).toBe(1);
  });

  it("saveModel gives what toJSON gives for a model on the host", async () => {
    const pipe = await new Pipeline([["scale", new StandardScaler()], ["cluster", new KMeans({ nClusters: 2, randomState: 1 })]]).fit(X);
    expect(await saveModel(pipe)).toEqual(pipe.toJSON());
    expect(pipe.engineTrace_.some((e) => e.method === "saveModel")).toBe(false);
  });

  it('numbers JSON cannot write are strings: "Infinity" (an overflowing inertia), "-0"', async () => {
    // Squared distances of float64 data near its maximum overflow: scikit-learn's inertia is inf too.
    const big = [[1.5e308, -1.5e308], [-1.5e308, 1.5e308], [0, 0]];
    const km = await new KMeans({ nClusters: 1, init: [[0, 0]] }).fit(big);
    expect(km.inertia_).toBe(Infinity);
    const json = JSON.parse(JSON.stringify(km));
    expect(json.fitted.inertia).toBe("Infinity");
    expect(KMeans.fromJSON(json).inertia_).toBe(Infinity);

    const nn = await new NearestNeighbors({ nNeighbors: 1 }).fit([[-0], [1]]);
    const saved = JSON.parse(JSON.stringify(nn));
    expect(saved.fitted.fitX.data).toEqual(["-0", 1]);
    const loaded = NearestNeighbors.fromJSON(saved);
    expect(Object.is((loaded.toJSON().fitted!.fitX as { data: unknown[] }).data[0], "-0")).toBe(true);
  });

  it("explicit KMeans centers are params, saved as nested arrays (a Matrix too), and fit the same after loading", async () => {
    const init = Matrix.from(Float32Array.of(0, 1, 9, 9), 2, 2);
    const km = new KMeans({ nClusters: 2, init });
    const json = JSON.parse(JSON.stringify(km));
    expect(json.params.init).toEqual([[0, 1], [9, 9]]);
    const loaded = KMeans.fromJSON(json);
    await Promise.all([km.fit(X), loaded.fit(X)]);
    expect(loaded.clusterCenters_).toEqual(km.clusterCenters_);
  });

  it("a RandomState object cannot be saved (its position in the stream is private): toJSON says to use a seed", () => {
    const km = new KMeans({ randomState: new RandomState(3) });
    expect(messageOf(() => JSON.stringify(km))).toBe(
      "KMeans.toJSON: params.randomState is a RandomState object, whose position in its stream cannot be saved; give the estimator an integer seed to save it.",
    );
  });

  it("a Pipeline step without toJSON cannot be saved", async () => {
    const custom = { fit: async () => custom, transform: async (Z: unknown) => Z as Matrix };
    const pipe = new Pipeline([["custom", custom], ["cluster", new KMeans({ nClusters: 2 })]]);
    expect(messageOf(() => pipe.toJSON())).toBe('Pipeline.toJSON: step "custom" has no toJSON method, so the Pipeline cannot be saved.');
  });

  it("a saved model is a snapshot: writing into the fit input afterwards changes nothing", async () => {
    const input = Matrix.from([[1], [2], [4]]);
    const reg = await new KNeighborsRegressor({ nNeighbors: 1 }).fit(input, [10, 20, 40]);
    const before = JSON.stringify(reg);
    input.data.fill(0);
    expect(JSON.stringify(reg)).toBe(before);
  });
});

describe("engines of a loaded model", () => {
  afterEach(() => unregisterEngine("alt"));

  it("the engine that fitted need not exist: a model from an unknown engine predicts on the current choice, and the trace says which", async () => {
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).fit(X);
    const json = JSON.parse(JSON.stringify(km));
    json.fitted.engine = "made-up-engine";
    const loaded = loadModel(json) as KMeans;
    expect(await loaded.predict([[0, 0], [9, 9]])).toEqual(Int32Array.of(0, 1));
    expect(loaded.engineUsed_).toBe("cpu");
    expect(loaded.engineTrace_.map((e) => [e.engine, e.outcome, e.reason])).toEqual([
      ["made-up-engine", "declined", "not registered"],
      ["cpu", "ran", undefined],
    ]);
  });

  it("a loaded model's engine is imported by name when the current choice names it (a fresh process that loads a cpu model)", async () => {
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).fit(X);
    const json = JSON.parse(JSON.stringify(km));
    // As in a process that has not used engine-cpu yet: core must import it, not refuse "cpu" as never-imported.
    await unregisterEngine("cpu");
    const loaded = loadModel(json) as KMeans;
    expect(await loaded.predict([[0, 0], [9, 9]])).toEqual(Int32Array.of(0, 1));
    expect(loaded.engineTrace_.map((e) => [e.engine, e.outcome])).toEqual([["cpu", "ran"]]);
  });

  it("the fitting engine runs a loaded model when it is registered, without the fit state (no engine object produced it here)", async () => {
    const seen: unknown[] = [];
    const cpuPredict = altEngine().estimators.KMeans!.predict;
    const alt = altEngine("alt", {
      KMeans: {
        predict: (ctx: ModelContext<never, never> & { X: never }) => {
          seen.push(ctx.fitState);
          return cpuPredict(ctx as never);
        },
      } as never,
    });
    registerEngine(alt);
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine("alt").fit(X);
    await km.predict(X);
    const loaded = KMeans.fromJSON(km.toJSON());
    await loaded.predict(X);
    expect(loaded.engineUsed_).toBe("alt");
    expect(seen[0]).toBeDefined();
    expect(seen[1]).toBeUndefined();
  });
});

describe("fromJSON of each class", () => {
  it("loads its own kind", async () => {
    const scaler = await new StandardScaler({ withMean: false }).fit(X);
    expect(StandardScaler.fromJSON(scaler.toJSON()).scale_).toEqual(scaler.scale_);
    const reg = await new KNeighborsRegressor({ nNeighbors: 2 }).fit(X, [1, 2, 3, 4]);
    expect(await KNeighborsRegressor.fromJSON(reg.toJSON()).predict([[0, 1.5]])).toEqual(Float64Array.of(1.5));
    const clf = await new KNeighborsClassifier({ nNeighbors: 1 }).fit(X, ["p", "p", "q", "q"]);
    expect(await KNeighborsClassifier.fromJSON<string>(clf.toJSON()).predict([[9, 9]])).toEqual(["q"]);
    const pipe = new Pipeline([["scale", new StandardScaler()], ["cluster", new KMeans()]]);
    expect(Pipeline.fromJSON(pipe.toJSON()).steps.map(([name]) => name)).toEqual(["scale", "cluster"]);
  });

  it("a fromJSON error is a ValidationError", () => {
    expect(() => KMeans.fromJSON(new StandardScaler().toJSON())).toThrow(ValidationError);
  });
});
