// The same data and randomState on the CPU and WebGPU engines give the same results, within float32 tolerance.
import { KMeans, KNeighborsClassifier, KNeighborsRegressor, Matrix, NearestNeighbors, StandardScaler } from "@plugml/core";
import { describeWebGPU } from "./adapter.js";
import { blobs, maxRelDiff, registerVariant, uniform } from "./helpers.js";

const gpu = registerVariant("webgpu", { minElements: 0 });
const on = <E extends { setComputationalEngine(e: string, o: object): E }>(e: E, name: string) => e.setComputationalEngine(name, { fallback: false });

describeWebGPU("cpu and webgpu agree", () => {
  it("KMeans, k-means++ with randomState 0, on 2000 x 8 blobs", async () => {
    const X = blobs(2000, 8, 5);
    const fit = (name: string) => on(new KMeans({ nClusters: 5, randomState: 0 }), name).fit(X);
    const [cpu, wg] = [await fit("cpu"), await fit(gpu)];
    expect(wg.engineUsed_).toBe("webgpu");
    expect(Array.from(wg.labels_)).toEqual(Array.from(cpu.labels_));
    expect(wg.nIter_).toBe(cpu.nIter_);
    expect(maxRelDiff(wg.clusterCenters_.data, cpu.clusterCenters_.data)).toBeLessThan(1e-5);
    expect(Math.abs(wg.inertia_ - cpu.inertia_) / cpu.inertia_).toBeLessThan(1e-5);
    const Q = blobs(300, 8, 5, 1);
    expect(Array.from(await wg.predict(Q))).toEqual(Array.from(await cpu.predict(Q)));
    expect(maxRelDiff((await wg.transform(Q)).data, (await cpu.transform(Q)).data)).toBeLessThan(1e-5);
    expect(Math.abs((await wg.score(Q)) / (await cpu.score(Q)) - 1)).toBeLessThan(1e-5);
  });

  it("KMeans with random init, several runs and sample weights", async () => {
    const X = blobs(1500, 4, 6, 3);
    const sampleWeight = Float64Array.from({ length: X.rows }, (_, i) => 0.5 + (i % 7) / 3);
    const fit = (name: string) => on(new KMeans({ nClusters: 6, init: "random", nInit: 3, randomState: 1 }), name).fit(X, undefined, { sampleWeight });
    const [cpu, wg] = [await fit("cpu"), await fit(gpu)];
    expect(Array.from(wg.labels_)).toEqual(Array.from(cpu.labels_));
    expect(maxRelDiff(wg.clusterCenters_.data, cpu.clusterCenters_.data)).toBeLessThan(1e-5);
    expect(Math.abs(wg.inertia_ - cpu.inertia_) / cpu.inertia_).toBeLessThan(1e-5);
  });

  it("KMeans relocates empty clusters as the CPU engine does", async () => {
    // Two initial centers far from all data: their clusters are empty after the first assignment.
    const X = blobs(600, 3, 2, 4);
    const init = [[0, 0, 0], [1, 1, 1], [500, 500, 500], [-500, -500, -500]];
    const fit = (name: string) => on(new KMeans({ nClusters: 4, init }), name).fit(X);
    const [cpu, wg] = [await fit("cpu"), await fit(gpu)];
    expect(Array.from(wg.labels_)).toEqual(Array.from(cpu.labels_));
    expect(wg.nIter_).toBe(cpu.nIter_);
    expect(maxRelDiff(wg.clusterCenters_.data, cpu.clusterCenters_.data)).toBeLessThan(1e-5);
  });

  it("StandardScaler keeps float32 precision on large offsets (two-pass statistics)", async () => {
    const X = blobs(5000, 6, 3, 2, 1000);
    const fit = (name: string) => on(new StandardScaler(), name).fit(X);
    const [cpu, wg] = [await fit("cpu"), await fit(gpu)];
    expect(maxRelDiff(wg.mean_!, cpu.mean_!)).toBeLessThan(1e-6);
    expect(maxRelDiff(wg.var_!, cpu.var_!)).toBeLessThan(1e-5);
    const Z = await wg.transform(X);
    expect(maxRelDiff(Z.data, (await cpu.transform(X)).data)).toBeLessThan(1e-4);
    expect(maxRelDiff((await wg.inverseTransform(Z)).data, X.data)).toBeLessThan(1e-5);
  });

  for (const metric of ["euclidean", "manhattan", "chebyshev", "minkowski", "cosine"] as const) {
    it(`NearestNeighbors (${metric}) on random data, with and without X`, async () => {
      const train = uniform(1500, 6, 5);
      const queries = uniform(200, 6, 6);
      const fit = (name: string) => on(new NearestNeighbors({ nNeighbors: 7, metric, p: 3 }), name).fit(train);
      const [cpu, wg] = [await fit("cpu"), await fit(gpu)];
      for (const X of [queries, undefined]) {
        const a = await wg.kneighbors(X);
        const b = await cpu.kneighbors(X);
        expect(Array.from(a.indices.data)).toEqual(Array.from(b.indices.data));
        expect(maxRelDiff(a.distances.data, b.distances.data)).toBeLessThan(1e-5);
      }
    });
  }

  it("cosine counts a row as zero below ten epsilons of the dtype it came in, as scikit-learn's normalize", async () => {
    // A norm of 2e-7 is below 10 eps(float32) but far above 10 eps(float64): normalised only for float64 input.
    const X = Matrix.from([[0], [2e-7], [1]]);
    for (const dtype of ["float32", "float64"] as const) {
      const fit = (name: string) => on(new NearestNeighbors({ nNeighbors: 2, metric: "cosine" }), name).fit(X.astype(dtype));
      const [cpu, wg] = [await fit("cpu"), await fit(gpu)];
      const [a, b] = [await wg.kneighbors(X.astype(dtype)), await cpu.kneighbors(X.astype(dtype))];
      expect(Array.from(a.distances.data)).toEqual(Array.from(b.distances.data));
    }
  });

  it("KNeighborsClassifier and KNeighborsRegressor, uniform and distance weights", async () => {
    const train = uniform(2000, 5, 7);
    const queries = uniform(300, 5, 8);
    const labels = Array.from({ length: train.rows }, (_, i) => ["a", "b", "c"][(i * 7919) % 3]);
    const targets = Array.from({ length: train.rows }, (_, i) => Math.sin(i) * 100);
    for (const weights of ["uniform", "distance"] as const) {
      const clf = (name: string) => on(new KNeighborsClassifier({ nNeighbors: 9, weights }), name).fit(train, labels);
      const [c1, c2] = [await clf("cpu"), await clf(gpu)];
      expect(await c2.predict(queries)).toEqual(await c1.predict(queries));
      expect(maxRelDiff((await c2.predictProba(queries)).data, (await c1.predictProba(queries)).data)).toBeLessThan(1e-5);
      const reg = (name: string) => on(new KNeighborsRegressor({ nNeighbors: 9, weights }), name).fit(train, targets);
      const [r1, r2] = [await reg("cpu"), await reg(gpu)];
      expect(maxRelDiff(await r2.predict(queries), await r1.predict(queries))).toBeLessThan(1e-5);
    }
  });
});
