// KMeans.init on the device: the same randomState picks the same rows as engine-cpu and core's reference, and a
// resident Pipeline's k-means++ reads back only the draws' rows, the candidates' potentials and the chosen centers.
import { KMeans, Matrix, addTraceListener, NotFittedError, Pipeline, RandomState, StandardScaler, getEngine, kmeansPlusPlus, kmeansPlusPlusTrials, registerEngine, unregisterEngine, type KMeansHooks, type TraceEntry } from "@plugml/core";
import cpuEngine from "@plugml/engine-cpu";
import { describeWebGPU } from "./adapter.js";
import { blobs, registerVariant } from "./helpers.js";

if (!getEngine("cpu")) registerEngine(cpuEngine);
registerVariant("webgpu-any-size", { minElements: 0 });
// X split over many bindings: the kernels run chunk by chunk, 64 rows of 64 bytes (fewer than a workgroup) each.
registerVariant("webgpu-chunked", { minElements: 0, maxBindingBytes: 4096 });

/** The initial centers `engine`'s KMeans.init hands to fit (recorded by a wrapper around its fit), and the trace. */
async function initialCenters(engine: string, X: Matrix, params: ConstructorParameters<typeof KMeans>[0]): Promise<{ centers: number[][][]; trace: TraceEntry[] }> {
  const inner = getEngine(engine)!;
  const hooks = inner.estimators.KMeans!;
  let handed: Matrix[] = [];
  const wrapped: KMeansHooks = Object.create(hooks, {
    fit: { value: (ctx: Parameters<KMeansHooks["fit"]>[0]) => ((handed = ctx.extra.initialCenters), hooks.fit.call(hooks, ctx)), enumerable: true },
  });
  const name = `${engine}-recording`;
  registerEngine({ name, version: inner.version, coreApi: inner.coreApi, estimators: { KMeans: wrapped } });
  try {
    const km = await new KMeans({ ...params, maxIter: 1 }).setComputationalEngine(name, { fallback: false }).fit(X);
    return { centers: handed.map((c) => c.toArray()), trace: km.engineTrace_ };
  } finally {
    await unregisterEngine(name);
  }
}

const initEntry = <E extends TraceEntry>(trace: E[]) => trace.find((e) => e.hook === "init" && e.outcome === "ran");

describeWebGPU("KMeans.init on the device", () => {
  it.each([
    ["20,000 x 16, k = 8, 2 runs", blobs(20_000, 16, 8, 1), 8, 2, "webgpu-any-size"],
    ["the same, X in 4 KiB bindings", blobs(20_000, 16, 8, 1), 8, 2, "webgpu-chunked"],
    ["2,000 x 1,500 (candidates in two tiles of workgroup memory), k = 12", blobs(2_000, 1_500, 12, 2), 12, 1, "webgpu-any-size"],
    ["5,000 x 4, k = 60 (6 candidates per center)", blobs(5_000, 4, 60, 3), 60, 1, "webgpu-any-size"],
  ])("%s: the same randomState gives engine-cpu's centers and core's reference's", async (_, X, k, nInit, engine) => {
    for (const randomState of [0, 1, 2]) {
      const params = { nClusters: k, nInit, randomState };
      const gpu = await initialCenters(engine, X, params);
      const cpu = await initialCenters("cpu", X, params);
      expect(initEntry(gpu.trace)?.engine).toBe(`${engine}-recording`);
      expect(initEntry(cpu.trace)?.engine).toBe("cpu-recording");
      const rng = new RandomState(randomState);
      const reference = Array.from({ length: nInit }, () => kmeansPlusPlus(X, k, rng).toArray());
      expect(gpu.centers).toEqual(reference);
      expect(cpu.centers).toEqual(reference);
    }
  });

  it("duplicates: more centers than distinct rows, so later draws fall on zero potential, as in the reference", async () => {
    // 3 distinct rows repeated 30,000 times: after 3 centers every distance is 0, every draw is 0, and searchsorted
    // gives row 0 (the reference's rule, which the search kernel must follow rather than skip zero rows).
    const X = Matrix.from(Array.from({ length: 30_000 }, (_, i) => [i % 3, (i % 3) * 2, 1])).astype("float32");
    for (const randomState of [0, 5]) {
      const { centers } = await initialCenters("webgpu-any-size", X, { nClusters: 6, randomState });
      expect(centers).toEqual([kmeansPlusPlus(X, 6, new RandomState(randomState)).toArray()]);
    }
  });

  it("float64 host X: the centers are X's own float64 rows", async () => {
    const X = blobs(4_000, 8, 5, 4).astype("float64");
    const { centers } = await initialCenters("webgpu-any-size", X, { nClusters: 5, randomState: 3 });
    expect(centers).toEqual([kmeansPlusPlus(X, 5, new RandomState(3)).toArray()]);
  });

  describe("a resident StandardScaler -> KMeans Pipeline", () => {
    const n = 20_000;
    const d = 128;
    const k = 8;
    const X = blobs(n, d, k, 5);
    const xBytes = n * d * 4;
    const fit = async (init: "k-means++" | "random") => {
      const pipe = new Pipeline([
        ["scale", new StandardScaler()],
        // Random init: 2 runs of 3 iterations instead of 10 full ones (what is read back per run is the point).
        ["cluster", new KMeans({ nClusters: k, init, randomState: 0, ...(init === "random" && { nInit: 2, maxIter: 3 }) })],
      ]).setComputationalEngine("webgpu", { fallback: false });
      await pipe.fit(X);
      return pipe.engineTrace_;
    };

    it("k-means++ runs on webgpu and the whole fit reads back less than 1% of X's bytes", async () => {
      const trace = await fit("k-means++");
      expect(trace.every((e) => e.engine === "webgpu" && e.outcome === "ran")).toBe(true);
      const init = initEntry(trace)!;
      expect(init.step).toBe("cluster");
      // Per center after the first: the rows the draws landed on and the candidates' potentials (4 bytes each);
      // the first center's potential; the chosen centers. Never X.
      const trials = kmeansPlusPlusTrials(k);
      expect(init.bytesFromDevice).toBe(4 + (k - 1) * 2 * trials * 4 + k * d * 4);
      expect(init.bytesToDevice).toBe((k - 1) * trials * 4);
      const readBack = trace.reduce((sum, e) => sum + e.bytesFromDevice, 0);
      expect(readBack).toBeLessThan(0.01 * xBytes);
    });

    it("random init reads back only the chosen rows of every run", async () => {
      const trace = await fit("random");
      const init = initEntry(trace)!;
      expect(init.engine).toBe("webgpu");
      expect(init.bytesFromDevice).toBe(2 * k * d * 4);
      expect(init.bytesToDevice).toBe(0);
    });
  });

  it("an aborted signal stops k-means++ on the device with AbortError", async () => {
    const X = blobs(20_000, 16, 8, 6);
    const controller = new AbortController();
    const km = new KMeans({ nClusters: 40, randomState: 0 }).setComputationalEngine("webgpu-any-size", { fallback: false });
    const seen: TraceEntry[] = [];
    const stop = addTraceListener((e) => seen.push(e));
    try {
      const fitting = km.fit(X, undefined, { signal: controller.signal });
      setTimeout(() => controller.abort(), 5);
      await expect(fitting).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      stop();
    }
    expect(() => km.clusterCenters_).toThrow(NotFittedError);
    // It stopped inside init (about a second of work on lavapipe), not in a later hook.
    expect(seen.map((e) => [e.hook, e.outcome])).toEqual([["init", "error"]]);
  });
});
