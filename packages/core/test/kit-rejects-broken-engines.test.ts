// The conformance kit must fail engines that are subtly wrong. Each engine below is the CPU engine with one
// deliberate bug; the kit runs against it through a collecting test framework, and must report the bug.
import { describe, expect, it } from "@jest/globals";
import { Matrix, type EngineEstimators, type KMeansHooks, type KNeighborsClassifierHooks, type NearestNeighborsHooks } from "@plugml/core";
import { runConformanceSuite } from "@plugml/core/testing";
import { cpuEngine } from "@plugml/engine-cpu";
import { altEngine } from "./engines.js";

const cpu = cpuEngine.estimators;
type Ctx<H extends (ctx: never) => unknown> = Parameters<H>[0];

/** Runs the whole kit against an engine and returns the titles of the tests that failed. */
async function kitFailures(name: string, overrides: EngineEstimators = {}): Promise<string[]> {
  const tests: { title: string; fn: () => Promise<void> }[] = [];
  const path: string[] = [];
  runConformanceSuite({
    engine: altEngine(name, overrides),
    describe: (title, fn) => {
      path.push(title);
      fn();
      path.pop();
    },
    it: (title, fn) => tests.push({ title: [...path.slice(1), title].join(" > "), fn }),
  });
  const failed: string[] = [];
  for (const t of tests) await t.fn().catch((e: unknown) => failed.push(process.env.KIT_DEBUG ? `${t.title}: ${String(e)}` : t.title));
  return failed;
}

const kmeansFit = cpu.KMeans!.fit as KMeansHooks["fit"];
const broken: [string, EngineEstimators, string[]][] = [
  [
    "keeps only the first of several initial center sets",
    { KMeans: { fit: (ctx: Ctx<KMeansHooks["fit"]>) => kmeansFit({ ...ctx, extra: { ...ctx.extra, initialCenters: ctx.extra.initialCenters.slice(0, 1) } }) } as never },
    ["scikit-learn reference results > KMeans: kmeans-ninit-iris-best-not-first"],
  ],
  [
    "keeps the last of equally good initialisations",
    {
      KMeans: {
        fit: (ctx: Ctx<KMeansHooks["fit"]>) => kmeansFit({ ...ctx, extra: { ...ctx.extra, initialCenters: [...ctx.extra.initialCenters].reverse() } }),
      } as never,
    },
    ["scikit-learn reference results > KMeans: kmeans-ninit-tie-keeps-earlier-a", "scikit-learn reference results > KMeans: kmeans-ninit-tie-keeps-earlier-b"],
  ],
  [
    "breaks classifier vote ties toward the last class",
    {
      KNeighborsClassifier: {
        predict: async (ctx: Ctx<KNeighborsClassifierHooks["predict"]>) => {
          const proba = (await cpu.KNeighborsClassifier!.predictProba(ctx)) as Matrix;
          return Int32Array.from({ length: proba.rows }, (_, i) => {
            const row = Array.from(proba.row(i));
            return row.lastIndexOf(Math.max(...row));
          });
        },
      } as never,
    },
    ["scikit-learn reference results > KNeighborsClassifier: knn-vote-tie-uniform", "scikit-learn reference results > KNeighborsClassifier: knn-vote-tie-distance"],
  ],
  [
    "scores KMeans without looking at X",
    { KMeans: { score: (ctx: Ctx<KMeansHooks["score"]>) => -ctx.model.inertia } as never },
    ["scikit-learn reference results > KMeans: kmeans-iris-max-iter-2"],
  ],
  [
    "ignores the per-call nNeighbors of kneighbors",
    {
      NearestNeighbors: {
        kneighbors: (ctx: Ctx<NearestNeighborsHooks["kneighbors"]>) => cpu.NearestNeighbors!.kneighbors({ ...ctx, nNeighbors: ctx.params.nNeighbors }),
      } as never,
    },
    ["scikit-learn reference results > NearestNeighbors: nn-iris-per-call-k"],
  ],
  [
    "ignores maxIter",
    { KMeans: { fit: (ctx: Ctx<KMeansHooks["fit"]>) => kmeansFit({ ...ctx, params: { ...ctx.params, maxIter: 300 } }) } as never },
    ["scikit-learn reference results > KMeans: kmeans-iris-max-iter-2"],
  ],
  [
    "ignores tol",
    { KMeans: { fit: (ctx: Ctx<KMeansHooks["fit"]>) => kmeansFit({ ...ctx, params: { ...ctx.params, tol: 1e-4 } }) } as never },
    ["scikit-learn reference results > KMeans: kmeans-iris-large-tol"],
  ],
];

describe("the conformance kit", () => {
  it("passes the CPU engine's hooks under another name (the bugs below are the only difference)", async () => {
    expect(await kitFailures("kit-control")).toEqual([]);
  });

  it.each(broken)("fails an engine that %s", async (_bug, overrides, mustFail) => {
    const failed = await kitFailures(`kit-broken-${broken.findIndex((b) => b[1] === overrides)}`, overrides);
    for (const title of mustFail) expect(failed).toContain(title);
  });
});
