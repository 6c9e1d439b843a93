/**
 * The conformance kit: core's estimator tests as a function that runs them against any engine, so that a
 * third-party engine proves itself with the same checks and the same scikit-learn reference results.
 */
import { Matrix, type DType } from "../data/matrix.js";
import { registerEngine, getEngine, unregisterEngine } from "../engine/registry.js";
import { withConfig } from "../engine/config.js";
import { addTraceListener, type TraceEntry } from "../engine/trace.js";
import { silhouetteSamples, silhouetteScore } from "../metrics/silhouette.js";
import { HOOK_SPECS, type Engine, type EstimatorManifest, type EstimatorName } from "../engine/specs.js";
import { MANIFEST_PARAMETERS, manifestRefusal } from "../engine/manifest.js";
import { KMeans } from "../estimators/kmeans.js";
import { kmeansPlusPlus, randomInit } from "../estimators/kmeans-init.js";
import { RandomState } from "../validation/random-state.js";
import { KNeighborsClassifier } from "../estimators/kneighbors-classifier.js";
import { KNeighborsRegressor } from "../estimators/kneighbors-regressor.js";
import { NearestNeighbors } from "../estimators/nearest-neighbors.js";
import { Normalizer } from "../estimators/normalizer.js";
import { StandardScaler } from "../estimators/standard-scaler.js";
import { assertAllClose, assertClose, assertEqual } from "./assert.js";
import { EngineDeclinedError } from "../errors.js";
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
  /**
   * Relative tolerance (floor 1 on the magnitude) for every estimator. Default: the one the engine's manifest
   * promises for the estimator and dtype (`precision.tolerance`), else 1e-9 for float64 and 1e-4 for float32.
   */
  tolerance?: number;
  /** Estimators to test; default: those the engine implements (all, for a name not registered yet). */
  estimators?: readonly EstimatorName[];
}

/** Default relative tolerances, per input dtype, for engines whose manifest does not declare them. */
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
  const manifestOf = (estimator: EstimatorName): EstimatorManifest | undefined => engineObject?.manifest?.[estimator];
  /** The tolerance the engine promises for an estimator in this dtype (its manifest), unless the caller set one. */
  const rtolFor = (estimator: EstimatorName) => options.tolerance ?? manifestOf(estimator)?.precision.tolerance[dtype] ?? DEFAULT_TOLERANCE[dtype];
  const implemented = new Set<EstimatorName>(
    options.estimators ?? (engineObject ? (Object.keys(engineObject.estimators) as EstimatorName[]) : (Object.keys(HOOK_SPECS) as EstimatorName[])),
  );
  // An estimator whose manifest leaves this dtype out is tested only for declining it.
  const tested = new Set([...implemented].filter((e) => manifestOf(e)?.dtypes.includes(dtype) ?? true));
  /**
   * Declares a test of these estimators if the engine implements them all. `calls` says what the test asks of each
   * (parameters, sizes): when one is outside the engine's manifest, the test becomes a check that it declines.
   */
  const itFor = (estimators: EstimatorName[], title: string, fn: () => Promise<void>, calls: [EstimatorName, object][] = []) => {
    if (!estimators.every((e) => tested.has(e))) return;
    const outside = calls.map(([e, facts]) => manifestRefusal(manifestOf(e), e, { dtype, ...facts })).find((r) => r !== undefined);
    if (outside === undefined) options.it(title, fn);
    else options.it(`${title}: declines (${outside})`, () => expectDecline(fn()));
  };
  const sized = (rows: number, cols: number, params: object = {}) => ({ X: { dtype, rows, cols }, params });

  options.describe(`conformance of engine "${name}" (${dtype})`, () => {
    options.describe("scikit-learn reference results", () => {
      // radiusNeighbors is an optional hook: its cases run for engines that implement it.
      const radius = !engineObject || engineObject.estimators.NearestNeighbors?.radiusNeighbors !== undefined;
      for (const c of sklearnReference.cases) {
        if ("kind" in c && c.kind === "radius" && !radius) continue;
        // A case outside the engine's manifest must decline, in the manifest's words.
        const outside = manifestRefusal(manifestOf(c.estimator), c.estimator, caseFacts(c));
        if (outside === undefined) itFor([c.estimator], `${c.estimator}: ${c.name}`, () => referenceTest(c));
        else itFor([c.estimator], `${c.estimator}: ${c.name} declines (${outside})`, () => expectDecline(referenceTest(c)));
      }
    });

    options.describe("manifest", () => {
      for (const estimator of implemented) {
        const manifest = manifestOf(estimator);
        if (!manifest) continue;
        for (const probe of outsideProbes(estimator, manifest)) {
          options.it(`${estimator}: ${probe.what} declines before accepts, in the manifest's words`, async () => {
            ensure();
            await expectDecline(probe.call(), probe.reason);
          });
        }
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
      }, [["KMeans", sized(4, 2, { nClusters: 2 })], ["StandardScaler", sized(4, 2)], ["NearestNeighbors", sized(4, 2, { nNeighbors: 1, metric: "minkowski" })]]);

      itFor(["KMeans"], "KMeans: onIteration can stop the fit after the first iteration", async () => {
        const X = m([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5], [2.5, 2.5]]);
        const seen: number[] = [];
        const km = on(new KMeans({ nClusters: 2, init: [[0, 0], [0, 1]], tol: 0 }));
        await km.fit(X, undefined, { onIteration: (info) => (seen.push(info.iteration), "stop") });
        assertEqual(seen, [1], "iterations reported");
        assertEqual(km.nIter_, 1, "nIter_");
        ranOn(km, "KMeans.fit");
      }, [["KMeans", sized(7, 2, { nClusters: 2 })]]);

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
      }, [["KMeans", sized(4, 2, { nClusters: 2 })]]);

      if (tested.has("KMeans") && engineObject?.estimators.KMeans?.init) {
        // A method its manifest leaves out is checked to decline under "manifest".
        const listed = (manifestOf("KMeans") as EstimatorManifest<"KMeans"> | undefined)?.params?.init;
        for (const method of (["k-means++", "random"] as const).filter((m) => listed?.includes(m) ?? true)) {
          itFor(["KMeans"], `KMeans.init (${method}): the engine picks the rows core's reference picks for the same randomState`, () => initCase(method), [
            ["KMeans", sized(240, 3, { nClusters: 6 })],
          ]);
        }
      }

      itFor(["NearestNeighbors"], "NearestNeighbors: kneighbors() without X leaves each sample out of its own neighbours", async () => {
        const rtol = rtolFor("NearestNeighbors");
        const X = m([[0], [1], [3], [7]]);
        const nn = await on(new NearestNeighbors({ nNeighbors: 2 })).fit(X);
        const { distances, indices } = await nn.kneighbors();
        assertEqual(indices.toArray(), [[1, 2], [0, 2], [1, 0], [2, 1]], "indices");
        assertAllClose(distances.toArray(), [[1, 3], [1, 2], [2, 3], [4, 6]], rtol, "distances");
        ranOn(nn, "NearestNeighbors.kneighbors");
      }, [["NearestNeighbors", sized(4, 1, { nNeighbors: 2, metric: "minkowski" })]]);

      itFor(["StandardScaler"], "StandardScaler: withMean, withStd and constant columns", async () => {
        const rtol = rtolFor("StandardScaler");
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
      }, [["StandardScaler", sized(3, 3)]]);

      itFor(["Normalizer"], "Normalizer: rows of norm 0 are left unchanged, and the output keeps X's dtype", async () => {
        const rtol = rtolFor("Normalizer");
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
      }, (["l2", "l1", "max"] as const).map((norm) => ["Normalizer", sized(3, 2, { norm })]));

      itFor(["KNeighborsRegressor"], "KNeighborsRegressor: distance weights give exact matches all the weight", async () => {
        const rtol = rtolFor("KNeighborsRegressor");
        const reg = await on(new KNeighborsRegressor({ nNeighbors: 2, weights: "distance" })).fit(m([[0], [1], [3]]), [10, 20, 40]);
        assertAllClose(Array.from(await reg.predict(m([[1], [2]]))), [20, 30], rtol, "predict");
        ranOn(reg, "KNeighborsRegressor.predict");
      }, [["KNeighborsRegressor", sized(3, 1, { nNeighbors: 2, metric: "minkowski", weights: "distance" })]]);

      itFor(["KNeighborsClassifier"], "KNeighborsClassifier: string labels, and distance weights give exact matches all the weight", async () => {
        const rtol = rtolFor("KNeighborsClassifier");
        const clf = on(new KNeighborsClassifier({ nNeighbors: 3, weights: "distance" }));
        await clf.fit(m([[0], [1], [2], [10]]), ["b", "a", "a", "c"]);
        assertEqual(clf.classes_, ["a", "b", "c"], "classes_");
        assertEqual(await clf.predict(m([[0], [1.9]])), ["b", "a"], "predict");
        const proba = await clf.predictProba(m([[0]]));
        assertAllClose(proba.toArray(), [[0, 1, 0]], rtol, "predictProba of an exact match");
      }, [["KNeighborsClassifier", sized(4, 1, { nNeighbors: 3, metric: "minkowski", weights: "distance" })]]);
    });
  });

  /**
   * That `run` rejects with an EngineDeclinedError giving this engine's reason: exactly `reason` when given, else
   * any reason that names its manifest (a reference case outside it may decline at fit or at a later call).
   */
  async function expectDecline(run: Promise<unknown>, reason?: string): Promise<void> {
    const error = await run.then(() => undefined, (e: unknown) => e);
    assertEqual(error instanceof Error ? error.name : String(error), "EngineDeclinedError", "the call's error");
    const message = (error as Error).message;
    // (The kit's own wrappers of the engine are named after it: "<name>-kit-init".)
    const said = reason === undefined ? new RegExp(`- ${name}(-kit-[a-z]+)?: .*manifest`).test(message) : message.includes(`${name}: ${reason}`);
    assertEqual(said, true, `"${name}: ${reason ?? "... manifest ..."}" among the reasons of: ${message}`);
  }

  /** A wrapper engine of the kit keeps the KMeans part of the engine's manifest, so the same calls decline. */
  function kmeansManifest(inner: Engine): Pick<Engine, "manifest"> {
    const own = inner.manifest?.KMeans;
    return own ? { manifest: { KMeans: own } } : {};
  }

  /** The facts of a reference case that its manifest speaks about, as a call's context would carry them. */
  function caseFacts(c: ReferenceCase) {
    const X = "X" in c ? c.X : c.Xtrain;
    const params: Record<string, unknown> = c.estimator === "metrics" ? { metric: c.metric } : "params" in c ? { ...c.params } : {};
    const asked = [params.nNeighbors, "perCall" in c ? c.perCall?.nNeighbors : undefined, "kind" in c && c.kind === "radius" ? c.expected.kneighborsGraph?.nNeighbors : undefined];
    if (asked[0] === undefined) asked[0] = 5; // the default nNeighbors
    const nNeighbors = c.estimator.includes("Neighbor") ? Math.max(...asked.filter((k): k is number => k !== undefined)) : undefined;
    return {
      dtype,
      params,
      X: { dtype, rows: X.length, cols: X[0].length },
      nNeighbors,
      nClusters: c.estimator === "metrics" ? new Set(c.labels).size : undefined,
    };
  }

  /**
   * One small call per thing the manifest leaves out: the kit's dtype, each parameter value it does not list, one
   * past each numeric limit (up to 4,096), a weighted fit where weights are left out.
   */
  function outsideProbes(estimator: EstimatorName, manifest: EstimatorManifest): { what: string; reason: string; call(): Promise<unknown> }[] {
    if (!manifest.dtypes.includes(dtype)) return [{ what: dtype, reason: `dtype '${dtype}' is not in its manifest`, call: () => probe(estimator, {}) }];
    const probes: { what: string; reason: string; call(): Promise<unknown> }[] = [];
    const known = MANIFEST_PARAMETERS[estimator] as Record<string, { values: readonly string[] }>;
    const declared = Object.entries((manifest.params ?? {}) as Record<string, readonly string[]>);
    // Every other parameter at a value the manifest lists, so that only the one thing changed is outside it.
    const within = Object.fromEntries(declared.map(([param, listed]) => [param, listed[0]]));
    for (const [param, listed] of declared) {
      const value = known[param].values.find((v) => !listed.includes(v));
      if (value !== undefined) probes.push({ what: `${param} '${value}'`, reason: `${param} '${value}' is not in its manifest`, call: () => probe(estimator, { ...within, [param]: value }) });
    }
    for (const [limit, max] of Object.entries(manifest.limits ?? {})) {
      if (typeof max !== "number" || max >= 4096) continue;
      probes.push({ what: `${limit} = ${max + 1}`, reason: `${limit}=${max + 1} is above its manifest's limit of ${max}`, call: () => probe(estimator, { ...within, [limit]: max + 1 }) });
    }
    if (manifest.sampleWeight === false) probes.push({ what: "a weighted fit", reason: "sample weights are not in its manifest", call: () => probe(estimator, { ...within, sampleWeight: true }) });
    return probes;
  }

  /** A small call of `estimator` on this engine alone, with one thing changed (a parameter value or a size). */
  async function probe(estimator: EstimatorName, change: Record<string, string | number | boolean>): Promise<unknown> {
    const size = (key: string, fallback: number) => (typeof change[key] === "number" ? (change[key] as number) : fallback);
    const k = size("nNeighbors", 2);
    const clusters = size("nClusters", 2);
    const rows = size("nSamples", Math.max(8, k + 2, clusters + 2));
    const cols = size("nFeatures", 2);
    const X = Matrix.from(Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => ((i * 7 + j * 3) % 11) + i / 64))).astype(dtype);
    const value = (key: string) => change[key] as never;
    switch (estimator) {
      case "KMeans": {
        const km = await on(new KMeans({ nClusters: clusters, init: change.init === undefined ? "k-means++" : value("init"), nInit: 1, maxIter: 2, randomState: 0 })).fit(X);
        // A declined init is computed by core's reference and the fit goes on: the refusal is in the trace.
        const init = km.engineTrace_.find((e) => e.hook === "init" && e.engine === name && e.outcome === "declined");
        if (init) throw new EngineDeclinedError("KMeans", "init", [{ engine: name, reason: init.reason ?? "" }]);
        return km;
      }
      case "NearestNeighbors":
        return on(new NearestNeighbors({ nNeighbors: k, ...(change.metric ? { metric: value("metric") } : {}) })).fit(X);
      case "KNeighborsClassifier":
      case "KNeighborsRegressor": {
        const params = { nNeighbors: k, ...(change.metric ? { metric: value("metric") } : {}), ...(change.weights ? { weights: value("weights") } : {}) };
        const y = Array.from({ length: rows }, (_, i) => i % 2);
        return estimator === "KNeighborsClassifier" ? on(new KNeighborsClassifier<number>(params)).fit(X, y) : on(new KNeighborsRegressor(params)).fit(X, y);
      }
      case "Normalizer":
        return on(new Normalizer(change.norm ? { norm: value("norm") } : {})).fit(X);
      case "StandardScaler":
        return on(new StandardScaler()).fit(X, undefined, change.sampleWeight ? { sampleWeight: Array.from({ length: rows }, (_, i) => 1 + (i % 3)) } : {});
      case "metrics":
        ensure();
        return withConfig({ engines: [name], fallback: false }, () =>
          silhouetteScore(X, Array.from({ length: rows }, (_, i) => i % clusters), change.metric ? { metric: value("metric") } : {}),
        );
    }
  }

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
    const rtol = rtolFor(c.estimator);
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
    const rtol = rtolFor(c.estimator);
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
    registerEngine({ name: wrapperName, version: inner.version, coreApi: inner.coreApi, estimators: { KMeans: wrapped }, ...kmeansManifest(inner) });
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
    registerEngine({ name: wrapperName, version: inner.version, coreApi: inner.coreApi, estimators: { KMeans: wrapped }, ...kmeansManifest(inner) });
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
    const rtol = rtolFor(c.estimator);
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
    const rtol = rtolFor(c.estimator);
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
    const rtol = rtolFor(c.estimator);
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
    const rtol = rtolFor(c.estimator);
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
    const rtol = rtolFor(c.estimator);
    const normalizer = await on(new Normalizer(c.params)).fit(m(c.X));
    ranOn(normalizer, "Normalizer.fit");
    assertAllClose((await normalizer.transform(m(c.X))).toArray(), c.expected.transform, rtol, `transform(X) with norm "${c.params.norm}"`);
    ranOn(normalizer, "Normalizer.transform");
  }

  /** The silhouette on this engine alone (a scope naming only it), its hook run traced through a global listener. */
  async function silhouetteCase(c: SilhouetteCase): Promise<void> {
    const rtol = rtolFor(c.estimator);
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
    const rtol = rtolFor(c.estimator);
    const reg = await on(new KNeighborsRegressor(c.params)).fit(m(c.Xtrain), c.ytrain);
    assertAllClose(Array.from(await reg.predict(m(c.Xtest))), c.expected.predict, rtol, "predict");
    ranOn(reg, "KNeighborsRegressor.predict");
  }
}
