// engine-webgpu's radiusNeighbors hook: the device proposes candidates within a float32 error bound of the radius,
// the host re-checks them with engine-cpu's float64 formula, so the answers equal engine-cpu's bit for bit (same
// neighbours, distances, order and dtype), radii exactly equal to some distances included.
import { KNeighborsClassifier, KNeighborsRegressor, Matrix, NearestNeighbors, StandardScaler } from "@plugml/core";
import type { WebGPUMatrix } from "@plugml/engine-webgpu";
import { describeWebGPU } from "./adapter.js";
import { cpuUnscaled, float32Above, radiusThreshold } from "../src/radius.js";
import { blobs, registerVariant } from "./helpers.js";

const gpu = registerVariant("webgpu", { minElements: 0 });
// Small bindings: many query and training slices, and several write chunks.
const chunked = registerVariant("webgpu-radius-chunked", { minElements: 0, maxBindingBytes: 4096 });

type Found = { indices: Int32Array[]; distances: (Float32Array | Float64Array)[] };
const plain = (r: Found) => ({
  i: r.indices.map((x) => Array.from(x)),
  d: r.distances.map((x) => Array.from(x)),
  types: r.distances.map((x) => x.constructor.name),
});
const grid = (rows: number, cols: number, seed: number, dtype: "float32" | "float64" = "float32") => {
  let s = seed;
  const values = Array.from({ length: rows * cols }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s % 7) - 3;
  });
  return Matrix.from(dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values), rows, cols);
};
const radiusTrace = (m: { engineTrace_: { hook: string; engine: string; outcome: string }[] }) =>
  m.engineTrace_.filter((e) => e.hook === "radiusNeighbors").map((e) => `${e.engine}:${e.outcome}`);

describeWebGPU("radius queries on WebGPU", () => {
  const cases: [string, number, number[]][] = [
    ["euclidean", 2, [2, Math.sqrt(5), 3]],
    ["manhattan", 1, [4, 6]],
    ["chebyshev", Infinity, [1, 2]],
    ["minkowski", 1, [5]],
    ["minkowski", Infinity, [2]],
  ];
  for (const [metric, p, radii] of cases) {
    it(`${metric} (p = ${p}) equals engine-cpu on grid data, radii on distances, with and without X`, async () => {
      const X = grid(300, 5, 7);
      const params = { metric: metric as "euclidean", p, nNeighbors: 3 };
      const wg = await new NearestNeighbors(params).setComputationalEngine(gpu, { fallback: false }).fit(X);
      const cpu = await new NearestNeighbors(params).setComputationalEngine("cpu", { fallback: false }).fit(X);
      for (const Q of [grid(37, 5, 11), grid(37, 5, 11, "float64"), undefined]) {
        for (const radius of radii) {
          for (const sortResults of [false, true]) {
            const found = await wg.radiusNeighbors(Q, { radius, sortResults });
            expect(plain(found)).toEqual(plain(await cpu.radiusNeighbors(Q, { radius, sortResults })));
            expect(radiusTrace(wg).at(-1)).toBe("webgpu:ran");
          }
        }
      }
    });
  }

  for (const metric of ["euclidean", "manhattan", "chebyshev"] as const) {
    it(`${metric} equals engine-cpu on blobs, the radius a distance engine-cpu reports`, async () => {
      const X = blobs(500, 6, 4, 2);
      const Q = blobs(40, 6, 4, 3);
      const wg = await new NearestNeighbors({ metric, nNeighbors: 4 }).setComputationalEngine(gpu, { fallback: false }).fit(X);
      const cpu = await new NearestNeighbors({ metric, nNeighbors: 4 }).setComputationalEngine("cpu", { fallback: false }).fit(X);
      // Float64 queries: the first query's 10th nearest distance, exactly (float64), is the radius.
      const Q64 = Matrix.from(Float64Array.from(Q.data), Q.rows, Q.cols);
      const radius = (await cpu.kneighbors(Q64, { nNeighbors: 10 })).distances.get(0, 9);
      for (const queries of [Q64, Q])
        for (const sortResults of [false, true]) {
          const found = await wg.radiusNeighbors(queries, { radius, sortResults });
          expect(plain(found)).toEqual(plain(await cpu.radiusNeighbors(queries, { radius, sortResults })));
          if (queries === Q64) expect(found.indices[0].length).toBe(10);
        }
      expect(radiusTrace(wg)).toEqual(["webgpu:ran", "webgpu:ran", "webgpu:ran", "webgpu:ran"]);
      const graph = await wg.radiusNeighborsGraph(undefined, { radius, mode: "distance" });
      const cpuGraph = await cpu.radiusNeighborsGraph(undefined, { radius, mode: "distance" });
      expect(Array.from(graph.indptr)).toEqual(Array.from(cpuGraph.indptr));
      expect(Array.from(graph.indices)).toEqual(Array.from(cpuGraph.indices));
      expect(Array.from(graph.data)).toEqual(Array.from(cpuGraph.data));
      expect(radiusTrace(wg).at(-1)).toBe("webgpu:ran");
    });
  }

  it("gives the same answer in small slices and reads back only the candidates and their rows", async () => {
    const X = grid(2000, 3, 13);
    const Q = grid(700, 3, 17);
    const wg = await new NearestNeighbors().setComputationalEngine(chunked, { fallback: false }).fit(X);
    const cpu = await new NearestNeighbors().setComputationalEngine("cpu", { fallback: false }).fit(X);
    for (const queries of [Q, undefined]) {
      for (const radius of [0, 1, Math.sqrt(3)]) {
        const found = await wg.radiusNeighbors(queries, { radius, sortResults: true });
        expect(plain(found)).toEqual(plain(await cpu.radiusNeighbors(queries, { radius, sortResults: true })));
        expect(radiusTrace(wg).at(-1)).toBe("webgpu-radius-chunked:ran");
      }
    }
    // Distinct rows, a small radius: the counts (4 bytes a query) and the few candidates with their rows come
    // back, far less than the training set (2000 x 8 floats).
    const B = blobs(2000, 8, 3, 5);
    const near = await new NearestNeighbors().setComputationalEngine(gpu, { fallback: false }).fit(B);
    // The closest pair's distance: a handful of candidates.
    const radius = Math.min(...(await near.kneighbors(undefined, { nNeighbors: 1 })).distances.data);
    const found = await near.radiusNeighbors(undefined, { radius });
    const reference = await new NearestNeighbors().setComputationalEngine("cpu", { fallback: false }).fit(B);
    expect(plain(found)).toEqual(plain(await reference.radiusNeighbors(undefined, { radius })));
    expect(found.indices.reduce((n, i) => n + i.length, 0)).toBeGreaterThanOrEqual(2);
    const entry = near.engineTrace_.filter((e) => e.hook === "radiusNeighbors").at(-1)!;
    expect(entry.engine).toBe("webgpu");
    expect(entry.bytesFromDevice).toBeLessThan((2000 * 8 * 4) / 2);
  });

  it("equals engine-cpu on resident training set and queries, reading back only candidates' rows", async () => {
    const scaler = await new StandardScaler().setComputationalEngine(gpu, { fallback: false }).fit(blobs(800, 4, 3, 9));
    const X = (await scaler.transform(blobs(800, 4, 3, 9), { output: "engine" })) as WebGPUMatrix;
    const Q = (await scaler.transform(blobs(300, 4, 3, 10), { output: "engine" })) as WebGPUMatrix;
    const wg = await new NearestNeighbors({ metric: "manhattan" }).setComputationalEngine(gpu, { fallback: false }).fit(X);
    const cpu = await new NearestNeighbors({ metric: "manhattan" }).setComputationalEngine("cpu", { fallback: false }).fit(await X.read());
    const QHost = await Q.read();
    const radius = Math.min(...(await cpu.kneighbors(QHost, { nNeighbors: 1 })).distances.data);
    const found = await wg.radiusNeighbors(Q, { radius, sortResults: true });
    expect(plain(found)).toEqual(plain(await cpu.radiusNeighbors(QHost, { radius, sortResults: true })));
    expect(found.indices.reduce((n, i) => n + i.length, 0)).toBeGreaterThanOrEqual(1);
    const entry = wg.engineTrace_.filter((e) => e.hook === "radiusNeighbors").at(-1)!;
    expect(`${entry.engine}:${entry.outcome}`).toBe("webgpu:ran");
    // The counts (300 x 4 bytes) and a few candidates with their rows, not the 300 x 4 queries nor the 800 x 4 rows.
    expect(entry.bytesFromDevice).toBeLessThan(300 * 4 * 4);
    expect(plain(await wg.radiusNeighbors(Q, { radius: 0.5 }))).toEqual(plain(await cpu.radiusNeighbors(QHost, { radius: 0.5 })));
  });

  it("runs for the classifier and the regressor", async () => {
    const X = grid(200, 4, 3);
    const yc = Int32Array.from({ length: 200 }, (_, i) => i % 3);
    const yr = Float64Array.from({ length: 200 }, (_, i) => i / 7);
    const c = await new KNeighborsClassifier({ nNeighbors: 3 }).setComputationalEngine(gpu, { fallback: false }).fit(X, yc);
    const r = await new KNeighborsRegressor({ nNeighbors: 3 }).setComputationalEngine(gpu, { fallback: false }).fit(X, yr);
    const cc = await new KNeighborsClassifier({ nNeighbors: 3 }).setComputationalEngine("cpu", { fallback: false }).fit(X, yc);
    for (const [m, ref] of [[c, cc], [r, cc]] as const) {
      expect(plain(await m.radiusNeighbors(undefined, { radius: 2, sortResults: true }))).toEqual(plain(await ref.radiusNeighbors(undefined, { radius: 2, sortResults: true })));
      expect(radiusTrace(m).at(-1)).toBe("webgpu:ran");
    }
  });

  for (const params of [{ metric: "cosine" as const }, { metric: "minkowski" as const, p: 3 }, { metric: "minkowski" as const, p: 1.5 }]) {
    it(`${params.metric}${"p" in params ? ` (p = ${params.p})` : ""} equals engine-cpu, radii on distances`, async () => {
      const X = grid(150, 4, 5);
      const wg = await new NearestNeighbors(params).setComputationalEngine(gpu, { fallback: false }).fit(X);
      const cpu = await new NearestNeighbors(params).setComputationalEngine("cpu", { fallback: false }).fit(X);
      for (const Q of [grid(30, 4, 9), grid(30, 4, 9, "float64"), blobs(30, 4, 2, 4), undefined]) {
        // Radii from engine-cpu's own distances (float64 queries: exact), and one in between.
        const probe = await cpu.kneighbors(Q === undefined ? grid(30, 4, 9, "float64") : Matrix.from(Float64Array.from(Q.data), Q.rows, Q.cols), { nNeighbors: 5 });
        for (const radius of [probe.distances.get(0, 4), probe.distances.get(1, 2), 0.75]) {
          for (const sortResults of [false, true]) {
            expect(plain(await wg.radiusNeighbors(Q, { radius, sortResults }))).toEqual(plain(await cpu.radiusNeighbors(Q, { radius, sortResults })));
            expect(radiusTrace(wg).at(-1)).toBe("webgpu:ran");
          }
        }
      }
    });
  }

  it("a float64 training set is searched as the device holds it (float32), as engine-cpu did when handed the call", async () => {
    const X = grid(120, 4, 5);
    const X64 = grid(120, 4, 5, "float64");
    const wg = await new NearestNeighbors().setComputationalEngine(gpu, { fallback: false }).fit(X64);
    const cpu = await new NearestNeighbors().setComputationalEngine("cpu", { fallback: false }).fit(X);
    const Q64 = grid(20, 4, 8, "float64");
    expect(plain(await wg.radiusNeighbors(Q64, { radius: 2 }))).toEqual(plain(await cpu.radiusNeighbors(Q64, { radius: 2 })));
    // Without X the distances are in the training input's dtype (float64), of the same values.
    const self = await wg.radiusNeighbors(undefined, { radius: 2, sortResults: true });
    const reference = await cpu.radiusNeighbors(undefined, { radius: 2, sortResults: true });
    expect(self.indices.map((r) => Array.from(r))).toEqual(reference.indices.map((r) => Array.from(r)));
    expect(self.distances.every((d) => d instanceof Float64Array)).toBe(true);
    expect(self.distances.map((d) => Array.from(d, Math.fround))).toEqual(reference.distances.map((d) => Array.from(d)));
    expect(radiusTrace(wg)).toEqual(["webgpu:ran", "webgpu:ran"]);
  });

  it("declines minkowski data engine-cpu would rescale, engine-cpu answering", async () => {
    // Large enough for the device's p = 6 range; its float32 rows may hold values down to 2^-149, which engine-cpu
    // would scale up for 6th powers.
    const X = Matrix.from(Float32Array.from(grid(120, 4, 5).data, (v) => v * 10), 120, 4);
    const wg = await new NearestNeighbors({ metric: "minkowski", p: 6 }).setComputationalEngine([gpu, "cpu"]).fit(X);
    const cpu = await new NearestNeighbors({ metric: "minkowski", p: 6 }).setComputationalEngine("cpu", { fallback: false }).fit(X);
    expect(plain(await wg.radiusNeighbors(undefined, { radius: 20 }))).toEqual(plain(await cpu.radiusNeighbors(undefined, { radius: 20 })));
    expect(wg.engineTrace_.find((e) => e.hook === "fit" && e.outcome === "ran")?.engine).toBe("webgpu");
    expect(radiusTrace(wg)).toEqual(["webgpu:declined", "cpu:ran"]);
    expect(wg.engineTrace_.find((e) => e.hook === "radiusNeighbors")?.reason).toMatch(/rescale minkowski/);
    const knn = await wg.kneighborsGraph(X);
    expect(wg.engineTrace_.at(-1)?.engine).toBe("webgpu");
    expect(Array.from(knn.indices)).toEqual(Array.from((await cpu.kneighborsGraph(X)).indices));
  });
});

describe("radiusThreshold", () => {
  it("is a float32 at or above the radius, widened with the data's magnitude and the feature count", () => {
    for (const x of [0, 1e-30, 0.1, 1, Math.sqrt(5), 1e20]) {
      const f = float32Above(x);
      expect(Math.fround(f)).toBe(f);
      expect(f).toBeGreaterThanOrEqual(x);
    }
    expect(float32Above(1e39)).toBe(Infinity);
    for (const metric of ["euclidean", "manhattan", "chebyshev"] as const) {
      const reduced = metric === "euclidean" ? 4 : 2;
      const t = radiusThreshold(metric, 2, 8, 3);
      expect(t).toBeGreaterThan(reduced);
      expect(t).toBeLessThan(reduced * (1 + 1e-5));
      expect(radiusThreshold(metric, 2, 64, 1000)).toBeGreaterThan(t);
    }
    expect(cpuUnscaled(2, 8, 3, 2 ** -149)).toBe(true);
    expect(cpuUnscaled(2, 8, 3, 2 ** -460)).toBe(false);
    expect(cpuUnscaled(50, 4, 3, 1)).toBe(false);
  });
});
