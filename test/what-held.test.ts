// Properties the adversarial pass found holding, kept so: concurrent calls equal serial ones, an aborted fit leaves
// the estimator unchanged, memory stays flat over many fit/predict cycles, hostile labels pollute nothing.
import { describe, expect, it } from "@jest/globals";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { AbortError, KMeans, KNeighborsClassifier, Matrix, registerEngine, StandardScaler } from "@plugml/core";
import { createWebGPUEngine, webgpuAvailable } from "@plugml/engine-webgpu";

const ENGINES = ["cpu", ...((await webgpuAvailable()) === true ? ["webgpu"] : [])];
if (process.env.CI && ENGINES.length < 2) throw new Error("CI needs a WebGPU adapter");
// Without a size threshold, so that small data (cheap on a software adapter) runs on the device too.
if (ENGINES.includes("webgpu")) registerEngine(createWebGPUEngine({ minElements: 0 }));

/** Deterministic data: n x d float32 in three blobs, and the blob of each row. */
function blobs(n: number, d: number, seed = 1): { X: Matrix<Float32Array>; y: number[] } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  const data = new Float32Array(n * d);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    y.push(i % 3);
    for (let j = 0; j < d; j++) data[i * d + j] = (i % 3) * 5 + rand();
  }
  return { X: new Matrix(data, n, d), y };
}

describe.each(ENGINES)("on %s", (engine) => {
  const { X, y } = blobs(2000, 16);
  const queries = blobs(500, 16, 7).X;

  it("concurrent calls give what serial calls give", async () => {
    const clf = await new KNeighborsClassifier({ nNeighbors: 5 }).setComputationalEngine(engine, { fallback: false }).fit(X, y);
    const fits = () => new KMeans({ nClusters: 3, randomState: 3, maxIter: 20 }).setComputationalEngine(engine, { fallback: false });
    const serialPredict: unknown[] = [];
    const serialCenters: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      serialPredict.push(await clf.predict(queries));
      serialCenters.push(Array.from((await fits().fit(X)).clusterCenters_.data));
    }
    const [predicts, centers] = await Promise.all([
      Promise.all(Array.from({ length: 4 }, () => clf.predict(queries))),
      Promise.all(Array.from({ length: 4 }, async () => Array.from((await fits().fit(X)).clusterCenters_.data))),
    ]);
    expect(predicts).toEqual(serialPredict);
    expect(centers).toEqual(serialCenters);
    expect(clf.engineUsed_).toBe(engine);
  });

  it("an aborted fit leaves the previous model in place", async () => {
    const km = await new KMeans({ nClusters: 3, randomState: 0 }).setComputationalEngine(engine, { fallback: false }).fit(X);
    const before = { centers: km.clusterCenters_, labels: km.labels_, trace: km.engineTrace_ };
    const controller = new AbortController();
    const pending = km.fit(blobs(2000, 16, 99).X, undefined, {
      signal: controller.signal,
      onIteration: () => controller.abort(),
    });
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(km.clusterCenters_).toBe(before.centers);
    expect(km.labels_).toBe(before.labels);
    expect(km.engineTrace_).toBe(before.trace);
  });

  it("memory stays flat over 200 fit/predict cycles", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const small = blobs(600, 24);
    const cycle = async () => {
      const scaler = new StandardScaler().setComputationalEngine(engine, { fallback: false });
      const Z = await scaler.fitTransform(small.X);
      const clf = await new KNeighborsClassifier({ nNeighbors: 3 }).setComputationalEngine(engine, { fallback: false }).fit(Z, small.y);
      await clf.predict(Z);
    };
    for (let i = 0; i < 20; i++) await cycle();
    gc();
    const warm = process.memoryUsage();
    for (let i = 0; i < 180; i++) await cycle();
    gc();
    const after = process.memoryUsage();
    // Each cycle allocates ~0.2 MB of host data: 180 leaked cycles would be ~36 MB.
    expect((after.heapUsed - warm.heapUsed) / 2 ** 20).toBeLessThan(8);
    expect((after.arrayBuffers - warm.arrayBuffers) / 2 ** 20).toBeLessThan(8);
  }, 240_000);
});

describe("hostile labels", () => {
  it("labels named like Object.prototype members are labels, and pollute nothing", async () => {
    const labels = ["__proto__", "constructor", "toString", "hasOwnProperty", "__proto__", "constructor"];
    const clf = await new KNeighborsClassifier({ nNeighbors: 1 }).fit([[0], [10], [20], [30], [1], [11]], labels);
    expect(clf.classes_).toEqual(["__proto__", "constructor", "hasOwnProperty", "toString"]);
    expect(await clf.predict([[0.2], [10.2], [20.2], [30.2]])).toEqual(["__proto__", "constructor", "toString", "hasOwnProperty"]);
    const proba = await clf.predictProba([[0.2]]);
    expect(Array.from(proba.data)).toEqual([1, 0, 0, 0]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(typeof ({} as { toString: unknown }).toString).toBe("function");
    expect(await clf.score([[0], [10]], ["__proto__", "constructor"])).toBe(1);
  });
});
