/**
 * The conformance kit: core's estimator tests as a function that runs them against any engine, so that a
 * third-party engine proves itself with the same checks and the same scikit-learn reference results.
 */
import { Matrix, type DType } from "../data/matrix.js";
import { registerEngine, getEngine, unregisterEngine } from "../engine/registry.js";
import { withConfig } from "../engine/config.js";
import { addTraceListener, type TraceEntry } from "../engine/trace.js";
import { silhouetteSamples, silhouetteScore } from "../metrics/silhouette.js";
import { HOOK_SPECS, type Engine, type EstimatorName } from "../engine/specs.js";
import { KMeans } from "../estimators/kmeans.js";
import { kmeansPlusPlus, randomInit } from "../estimators/kmeans-init.js";
import { RandomState } from "../validation/random-state.js";
import { KNeighborsClassifier } from "../estimators/kneighbors-classifier.js";
import { KNeighborsRegressor } from "../estimators/kneighbors-regressor.js";
import { NearestNeighbors } from "../estimators/nearest-neighbors.js";
import { Normalizer } from "../estimators/normalizer.js";
import { StandardScaler } from "../estimators/standard-scaler.js";
import { assertAllClose, assertClose, assertEqual } from "./assert.js";
import type { KMeansHooks } from "../engine/specs.js";
import type {
  ClassifierCase,
  KMeansCase,
  KMeansNInitCase,
  NeighborsCase,
  NormalizerCase,
  RadiusNeighborsCase,
  ReferenceCase,
  RegressorCase,
  ScalerCase,
  SilhouetteCase,
} from "./reference-types.js";
import { sklearnReference } from "./sklearn-reference.js";

/** The parts of a test framework the kit needs (jest's and vitest's globals fit). */
export interface TestFramework {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>, timeout?: number): void;
}

/** Options of {@link runConformanceSuite}. */
export interface ConformanceOptions extends TestFramework {
  /** The engine under test: registered by name, or an engine object the kit registers. */
  engine: string | Engine;
  /** Precision of the inputs (default float64). */
  dtype?: DType;
  /** Relative tolerance (floor 1 on the magnitude); default 1e-9 for float64 and 1e-4 for float32. */
  tolerance?: number;
  /** Estimators to test; default: those the engine implements (all, for a name not registered yet). */
  estimators?: readonly EstimatorName[];
}

/** Default relative tolerances, per input dtype. */
export const DEFAULT_TOLERANCE: Record<DType, number> = { float64: 1e-9, float32: 1e-4 };

/**
 * Declares the conformance tests for one engine and dtype. Every estimator runs with
 * `setComputationalEngine(engine, { fallback: false })`, and each test checks that the engine itself ran.
 *
 * @example
 * ```ts
 * import { runConformanceSuite } from "@plugml/core/testing";
 * runConformanceSuite({ engine: myEngine, dtype: "float32", describe, it });
 * ```
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const dtype = options.dtype ?? "float64";
  const rtol = options.tolerance ?? DEFAULT_TOLERANCE[dtype];
  const name = typeof options.engine === "string" ? options.engine : options.engine.name;
  const ensure = () => {
    if (typeof options.engine !== "string" && !getEngine(name)) registerEngine(options.engine);
  };
  const on = <E extends { setComputationalEngine(e: string, o: { fallback: boolean }): E }>(est: E) => {
    ensure();
    return est.setComputationalEngine(name, { fallback: false });
  };
  const m = (rows: number[][]) => Matrix.from(rows).astype(dtype);
  const ranOn = (est: { engineUsed_?: string }, what: string) => assertEqual(est.engineUsed_, name, `${what}: engineUsed_`);
  const engineObject = typeof options.engine === "string" ? getEngine(name) : options.engine;
  const tested = new Set<EstimatorName>(
    options.estimators ?? (engineObject ? (Object.keys(engineObject.estimators) as EstimatorName[]) : (Object.keys(HOOK_SPECS) as EstimatorName[])),
  );
  const itFor = (estimators: EstimatorName[], title: string, fn: () => Promise<void>) => {
    if (estimators.every((e) => tested.has(e))) options.it(title, fn);
  };

  options.describe(`conformance of engine "${name}" (${dtype}, rtol ${rtol})`, () => {
    options.describe("scikit-learn reference results", () => {
      // radiusNeighbors is an optional hook: its cases run for engines that implement it.
      const radius = !engineObject || engineObject.estimators.NearestNeighbors?.radiusNeighbors !== undefined;
      for (const c of sklearnReference.cases) {
        if ("kind" in c && c.kind === "radius" && !radius) continue;
        itFor([c.estimator], `${c.estimator}: ${c.name}`, () => referenceTest(c));
      }
    });

    options.describe("behaviour", () => {
      itFor(["KMeans", "StandardScaler", "NearestNeighbors"], "float input precision is kept in every output", async () => {
        const X = m([[0, 0], [0, 1], [5, 5], [5, 6]]);
        const km = await on(new KMeans({ nClusters: 2, init: [[0, 0], [5, 5]] })).fit(X);
        assertEqual(km.clusterCenters_.dtype, dtype, "KMeans.clusterCenters_ dtype");
        assertEqual((await km.transform(X)).dtype, dtype, "KMeans.transform dtype");
        const scaler = await on(new StandardScaler()).fit(X);
        assertEqual((await scaler.transform(X)).dtype, dtype, "StandardScaler.transform dtype");
        const nn = await on(new NearestNeighbors({ nNeighbors: 1 })).fit(X);
        assertEqual((await nn.kneighbors(X)).distances.dtype, dtype, "kneighbors distances dtype");
      });

      itFor(["KMeans"], "KMeans: onIteration can stop the fit after the first iteration", async () => {
        const X = m([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5], [2.5, 2.5]]);
        const seen: number[] = [];
        const km = on(new KMeans({ nClusters: 2, init: [[0, 0], [0, 1]], tol: 0 }));
        await km.fit(X, undefined, { onIteration: (info) => (seen.push(info.iteration), "stop") });
        assertEqual(seen, [1], "iterations reported");
        assertEqual(km.nIter_, 1, "nIter_");
        ranOn(km, "KMeans.fit");
      });

      itFor(["KMeans"], "KMeans: an aborted signal rejects with AbortError and leaves the model untouched", async () => {
        const X = m([[0, 0], [0, 1], [5, 5], [5, 6]]);
        const km = on(new KMeans({ nClusters: 2, init: [[0, 0], [5, 5]] }));
        await km.fit(X);
        const before = km.clusterCenters_;
        const controller = new AbortController();
        const fit = km.fit(m([[9, 9], [9, 8], [1, 1], [1, 2]]), undefined, {
          signal: controller.signal,
          onIteration: () => controller.abort(),
        });
        const error = await fit.then(() => undefined, (e: unknown) => e);
        assertEqual((error as Error | undefined)?.name, "AbortError", "rejection name");
        assertEqual(km.clusterCenters_, before, "centers after the aborted fit");
      });

      if (tested.has("KMeans") && engineObject?.estimators.KMeans?.init) {
        for (const method of ["k-means++", "random"] as const) {
          options.it(`KMeans.init (${method}): the engine picks the rows core's reference picks for the same randomState`, () => initCase(method));
        }
      }

      itFor(["NearestNeighbors"], "NearestNeighbors: kneighbors() without X leaves each sample out of its own neighbours", async () => {
        const X = m([[0], [1], [3], [7]]);
        const nn = await on(new NearestNeighbors({ nNeighbors: 2 })).fit(X);
        const { distances, indices } = await nn.kneighbors();
        assertEqual(indices.toArray(), [[1, 2], [0, 2], [1, 0], [2, 1]], "indices");
        assertAllClose(distances.toArray(), [[1, 3], [1, 2], [2, 3], [4, 6]], rtol, "distances");
        ranOn(nn, "NearestNeighbors.kneighbors");
      });

      itFor(["StandardScaler"], "StandardScaler: withMean, withStd and constant columns", async () => {
        const X = m([[1, 5, 2], [3, 5, 6], [5, 5, 10]]);
        const both = await on(new StandardScaler()).fit(X);
        assertAllClose(Array.from(both.scale_!), [Math.sqrt(8 / 3), 1, Math.sqrt(32 / 3)], rtol, "scale_ (constant column gets 1)");
        const s = Math.sqrt(8 / 3);
        assertAllClose((await both.transform(X)).toArray(), [[-2 / s, 0, -4 / Math.sqrt(32 / 3)], [0, 0, 0], [2 / s, 0, 4 / Math.sqrt(32 / 3)]], rtol, "transform");
        const noMean = await on(new StandardScaler({ withMean: false })).fit(X);
        assertAllClose((await noMean.transform(m([[s, 5, 0]]))).toArray(), [[1, 5, 0]], rtol, "withMean=false transform");
        const noStd = await on(new StandardScaler({ withStd: false })).fit(X);
        assertEqual(noStd.scale_, undefined, "withStd=false scale_");
        assertAllClose((await noStd.transform(X)).toArray(), [[-2, 0, -4], [0, 0, 0], [2, 0, 4]], rtol, "withStd=false transform");
        assertAllClose((await noStd.inverseTransform(m([[0, 0, 0]]))).toArray(), [[3, 5, 6]], rtol, "withStd=false inverseTransform");
        ranOn(noStd, "StandardScaler.inverseTransform");
      });

      itFor(["Normalizer"], "Normalizer: rows of norm 0 are left unchanged, and the output keeps X's dtype", async () => {
        const X = m([[3, -4], [0, 0], [1, 1]]);
        const l2 = await on(new Normalizer()).fit(X);
        assertEqual(l2.nFeaturesIn_, 2, "nFeaturesIn_");
        const Z = await l2.transform(X);
        assertEqual(Z.dtype, dtype, "Normalizer.transform dtype");
        assertAllClose(Z.toArray(), [[0.6, -0.8], [0, 0], [Math.SQRT1_2, Math.SQRT1_2]], rtol, "l2 transform");
        const l1 = await on(new Normalizer({ norm: "l1" })).fit(X);
        assertAllClose((await l1.transform(X)).toArray(), [[3 / 7, -4 / 7], [0, 0], [0.5, 0.5]], rtol, "l1 transform");
        const max = await on(new Normalizer({ norm: "max" })).fit(X);
        assertAllClose((await max.transform(X)).toArray(), [[0.75, -1], [0, 0], [1, 1]], rtol, "max transform");
        ranOn(max, "Normalizer.transform");
      });

      itFor(["KNeighborsRegressor"], "KNeighborsRegressor: distance weights give exact matches all the weight", async () => {
        const reg = await on(new KNeighborsRegressor({ nNeighbors: 2, weights: "distance" })).fit(m([[0], [1], [3]]), [10, 20, 40]);
        assertAllClose(Array.from(await reg.predict(m([[1], [2]]))), [20, 30], rtol, "predict");
        ranOn(reg, "KNeighborsRegressor.predict");
      });

      itFor(["KNeighborsClassifier"], "KNeighborsClassifier: string labels, and distance weights give exact matches all the weight", async () => {
        const clf = on(new KNeighborsClassifier({ nNeighbors: 3, weights: "distance" }));
        await clf.fit(m([[0], [1], [2], [10]]), ["b", "a", "a", "c"]);
        assertEqual(clf.classes_, ["a", "b", "c"], "classes_");
        assertEqual(await clf.predict(m([[0], [1.9]])), ["b", "a"], "predict");
        const proba = await clf.predictProba(m([[0]]));
        assertAllClose(proba.toArray(), [[0, 1, 0]], rtol, "predictProba of an exact match");
      });
    });
  });

  async function referenceTest(c: ReferenceCase): Promise<void> {
    switch (c.estimator) {
      case "KMeans":
        return "kind" in c ? kmeansNInitCase(c) : kmeansCase(c);
      case "StandardScaler":
        return scalerCase(c);
      case "KNeighborsClassifier":
        return classifierCase(c);
      case "NearestNeighbors":
        return "kind" in c ? radiusCase(c) : neighborsCase(c);
      case "KNeighborsRegressor":
        return regressorCase(c);
      case "Normalizer":
        return normalizerCase(c);
      case "metrics":
        return silhouetteCase(c);
    }
  }

  async function kmeansCase(c: KMeansCase): Promise<void> {
    const X = m(c.X);
    const km = on(new KMeans({ ...c.params, init: c.init }));
    const sampleWeight = c.sampleWeight ?? undefined;
    await km.fit(X, undefined, { sampleWeight });
    ranOn(km, "KMeans.fit");
    assertAllClose(km.clusterCenters_.toArray(), c.expected.clusterCenters, rtol, "clusterCenters_");
    assertEqual(Array.from(km.labels_), c.expected.labels, "labels_");
    assertClose(km.inertia_, c.expected.inertia, rtol, "inertia_");
    assertEqual(km.nIter_, c.expected.nIter, "nIter_");
    assertEqual(Array.from(await km.predict(X)), c.expected.predictOnX, "predict(X)");
    const first5 = m(c.X.slice(0, 5));
    assertAllClose((await km.transform(first5)).toArray(), c.expected.transformFirst5, rtol, "transform(X[:5])");
    assertClose(await km.score(X, undefined, { sampleWeight }), -c.expected.inertia, rtol, "score(X)");
    if (c.scoreX) assertClose(await km.score(m(c.scoreX)), c.expected.scoreOnScoreX!, rtol, "score of other data");
    ranOn(km, "KMeans.score");
  }

  /**
   * nInit runs from scikit-learn's initial centers: the engine under test runs behind a wrapper that hands it the
   * case's center sets in place of core's draws, so the run it keeps can be compared with scikit-learn's choice.
   */
  async function kmeansNInitCase(c: KMeansNInitCase): Promise<void> {
    ensure();
    const inner = getEngine(name)!;
    const hooks = inner.estimators.KMeans!;
    type Ctx = Parameters<KMeansHooks["fit"]>[0];
    const runs = () => c.initSets.map((set) => m(set));
    const withRuns = (ctx: Ctx): Ctx => ({ ...ctx, extra: { ...ctx.extra, initialCenters: runs() } });
    const wrapped: KMeansHooks = {
      predict: (ctx) => hooks.predict.call(hooks, ctx),
      transform: (ctx) => hooks.transform.call(hooks, ctx),
      score: (ctx) => hooks.score.call(hooks, ctx),
      fit: (ctx) => hooks.fit.call(hooks, withRuns(ctx)),
    };
    if (hooks.accepts) wrapped.accepts = (ctx) => hooks.accepts!.call(hooks, ctx);
    if (hooks.prepareFit) wrapped.prepareFit = (ctx) => hooks.prepareFit!.call(hooks, withRuns(ctx));
    if (hooks.postFit) wrapped.postFit = (ctx) => hooks.postFit!.call(hooks, withRuns(ctx));
    const wrapperName = `${name}-kit-ninit`;
    registerEngine({ name: wrapperName, version: inner.version, coreApi: inner.coreApi, estimators: { KMeans: wrapped } });
    try {
      const km = new KMeans({ ...c.params, init: "random", nInit: c.initSets.length, randomState: 0 });
      await km.setComputationalEngine(wrapperName, { fallback: false }).fit(m(c.X));
      const what = `the run kept among ${c.initSets.length} (scikit-learn keeps run ${c.best}, inertias ${c.runInertia.join(", ")})`;
      assertClose(km.inertia_, c.expected.inertia, rtol, `inertia_ of ${what}`);
      assertAllClose(km.clusterCenters_.toArray(), c.expected.clusterCenters, rtol, `clusterCenters_ of ${what}`);
      assertEqual(Array.from(km.labels_), c.expected.labels, `labels_ of ${what}`);
      assertEqual(km.nIter_, c.expected.nIter, `nIter_ of ${what}`);
    } finally {
      await unregisterEngine(wrapperName);
    }
  }

  /**
   * The engine's `init` behind a wrapper whose `fit` records the centers it was handed, against core's reference
   * from the same seed: 240 distinct rows in 6 separated groups, 3 runs of 6 centers, so draws and candidate
   * choices are far from ties in either dtype.
   */
  async function initCase(method: "k-means++" | "random"): Promise<void> {
    ensure();
    const inner = getEngine(name)!;
    const hooks = inner.estimators.KMeans!;
    const X = Matrix.from(
      Array.from({ length: 240 }, (_, i) => [((i % 6) * 40 + ((i * 37) % 101) / 17), ((i % 6) * 25 - ((i * 53) % 89) / 13), ((i * 71) % 97) / 11]),
    ).astype(dtype);
    let handed: Matrix[] = [];
    const wrapperName = `${name}-kit-init`;
    // The engine's own hooks (through the prototype, so `this` still finds its helpers), with fit recording.
    const wrapped: KMeansHooks = Object.create(hooks, {
      fit: { value: (ctx: Parameters<KMeansHooks["fit"]>[0]) => ((handed = ctx.extra.initialCenters), hooks.fit.call(hooks, ctx)), enumerable: true },
    });
    registerEngine({ name: wrapperName, version: inner.version, coreApi: inner.coreApi, estimators: { KMeans: wrapped } });
    try {
      const km = new KMeans({ nClusters: 6, init: method, nInit: 3, maxIter: 1, randomState: 7 });
      await km.setComputationalEngine(wrapperName, { fallback: false }).fit(X);
      const entry = km.engineTrace_.find((e) => e.hook === "init" && e.outcome === "ran");
      assertEqual(entry?.engine, wrapperName, "engine that ran KMeans.init");
      const rng = new RandomState(7);
      const expected = [0, 1, 2].map(() => (method === "random" ? randomInit(X, 6, rng) : kmeansPlusPlus(X, 6, rng)).toArray());
      assertEqual(handed.map((c) => c.toArray()), expected, `${method} initial centers of the 3 runs`);
    } finally {
      await unregisterEngine(wrapperName);
    }
  }

  async function scalerCase(c: ScalerCase): Promise<void> {
    const X = m(c.X);
    const scaler = await on(new StandardScaler()).fit(X);
    ranOn(scaler, "StandardScaler.fit");
    assertAllClose(Array.from(scaler.mean_!), c.expected.mean, rtol, "mean_");
    assertAllClose(Array.from(scaler.var_!), c.expected.var, rtol, "var_");
    assertAllClose(Array.from(scaler.scale_!), c.expected.scale, rtol, "scale_");
    assertEqual(scaler.nSamplesSeen_, c.X.length, "nSamplesSeen_");
    const Z = await scaler.transform(X);
    assertAllClose(Z.toArray(), c.expected.transform, rtol, "transform(X)");
    assertAllClose((await scaler.inverseTransform(Z)).toArray(), c.X, rtol, "inverseTransform(transform(X))");
    ranOn(scaler, "StandardScaler.inverseTransform");
  }

  async function classifierCase(c: ClassifierCase): Promise<void> {
    const clf = await on(new KNeighborsClassifier<number>(c.params)).fit(m(c.Xtrain), c.ytrain);
    assertEqual(clf.classes_, c.expected.classes, "classes_");
    assertEqual(await clf.predict(m(c.Xtest)), c.expected.predict, "predict");
    ranOn(clf, "KNeighborsClassifier.predict");
    assertAllClose((await clf.predictProba(m(c.Xtest))).toArray(), c.expected.predictProba, rtol, "predictProba");
    // One label changed from the reference prediction: accuracy must count exactly one miss.
    const truth = c.expected.predict.map((label, i) => (i === 0 ? c.expected.classes.find((k) => k !== label)! : label));
    assertClose(await clf.score(m(c.Xtest), truth), 1 - 1 / truth.length, rtol, "score");
  }

  async function neighborsCase(c: NeighborsCase): Promise<void> {
    const nn = await on(new NearestNeighbors(c.params)).fit(m(c.Xtrain));
    const { distances, indices } = await nn.kneighbors(m(c.Xquery));
    ranOn(nn, "NearestNeighbors.kneighbors");
    assertEqual(indices.toArray(), c.expected.indices, "indices");
    assertAllClose(distances.toArray(), c.expected.distances, rtol, "distances");
    if (c.perCall) {
      const k = c.perCall.nNeighbors;
      const per = await nn.kneighbors(m(c.Xquery), { nNeighbors: k });
      assertEqual(per.indices.toArray(), c.perCall.indices, `indices with a per-call nNeighbors=${k}`);
      assertAllClose(per.distances.toArray(), c.perCall.distances, rtol, `distances with a per-call nNeighbors=${k}`);
    }
  }

  /**
   * Radius queries and the graphs: the neighbour sets exactly (the case's radii are clear of every distance but the
   * exact ties, in either dtype), the distances to tolerance, by index and sorted, with and without X. scikit-learn
   * orders equal distances as its unstable sort leaves them, so the reference is compared by index.
   */
  async function radiusCase(c: RadiusNeighborsCase): Promise<void> {
    const nn = await on(new NearestNeighbors(c.params)).fit(m(c.Xtrain));
    const Q = m(c.Xquery);
    const byIndex = await nn.radiusNeighbors(Q);
    ranOn(nn, "NearestNeighbors.radiusNeighbors");
    c.expected.indices.forEach((row, q) => {
      const order = row.map((_, s) => s).sort((a, b) => row[a] - row[b]);
      assertEqual(Array.from(byIndex.indices[q]), order.map((s) => row[s]), `indices of query ${q}`);
      assertAllClose(Array.from(byIndex.distances[q]), order.map((s) => c.expected.distances[q][s]), rtol, `distances of query ${q}`);
      assertEqual(byIndex.distances[q] instanceof Float32Array, dtype === "float32", `distances of query ${q} in X's dtype`);
    });
    const sorted = await nn.radiusNeighbors(Q, { sortResults: true });
    sorted.indices.forEach((row, q) => {
      const d = sorted.distances[q];
      assertEqual(d.every((v, s) => s === 0 || d[s - 1] <= v), true, `sortResults: distances of query ${q} non-decreasing`);
      assertEqual(Array.from(row).sort((a, b) => a - b), Array.from(byIndex.indices[q]), `sortResults: neighbours of query ${q}`);
    });
    const graph = await nn.radiusNeighborsGraph(Q, { mode: "distance" });
    assertEqual(graph.nnz, c.expected.graphNnz, "radiusNeighborsGraph entries");
    if (c.expected.selfIndices) {
      const self = await nn.radiusNeighbors(undefined, { returnDistance: false });
      assertEqual(self.indices.map((row) => Array.from(row)), c.expected.selfIndices, "indices without X (each sample left out)");
    }
    if (c.expected.kneighborsGraph) {
      const { nNeighbors, dense } = c.expected.kneighborsGraph;
      const g = await nn.kneighborsGraph(undefined, { nNeighbors, mode: "distance" });
      assertAllClose(g.toDense().toArray(), dense, rtol, `kneighborsGraph(nNeighbors=${nNeighbors}, "distance")`);
    }
  }

  async function normalizerCase(c: NormalizerCase): Promise<void> {
    const normalizer = await on(new Normalizer(c.params)).fit(m(c.X));
    ranOn(normalizer, "Normalizer.fit");
    assertAllClose((await normalizer.transform(m(c.X))).toArray(), c.expected.transform, rtol, `transform(X) with norm "${c.params.norm}"`);
    ranOn(normalizer, "Normalizer.transform");
  }

  /** The silhouette on this engine alone (a scope naming only it), its hook run traced through a global listener. */
  async function silhouetteCase(c: SilhouetteCase): Promise<void> {
    ensure();
    const seen: TraceEntry[] = [];
    const stop = addTraceListener((entry) => seen.push(entry));
    try {
      const X = m(c.X);
      const [samples, score] = await withConfig({ engines: [name], fallback: false }, () =>
        Promise.all([silhouetteSamples(X, c.labels, { metric: c.metric }), silhouetteScore(X, c.labels, { metric: c.metric })]),
      );
      assertAllClose(Array.from(samples), c.expected.samples, rtol, `silhouetteSamples (${c.metric})`);
      assertClose(score, c.expected.score, rtol, `silhouetteScore (${c.metric})`);
    } finally {
      stop();
    }
    const ran = seen.filter((e) => e.hook === "clusterDistanceSums" && e.outcome === "ran").map((e) => e.engine);
    assertEqual(ran, [name, name], "engines that ran metrics.clusterDistanceSums");
  }

  async function regressorCase(c: RegressorCase): Promise<void> {
    const reg = await on(new KNeighborsRegressor(c.params)).fit(m(c.Xtrain), c.ytrain);
    assertAllClose(Array.from(await reg.predict(m(c.Xtest))), c.expected.predict, rtol, "predict");
    ranOn(reg, "KNeighborsRegressor.predict");
  }
}
