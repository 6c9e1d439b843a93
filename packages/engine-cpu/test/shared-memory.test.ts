// Inputs whose typed arrays are views of a SharedArrayBuffer (as a cross-origin isolated page or another worker
// may hand over) work on every hook and every path, with the same results as ordinary arrays.
import { Matrix, type FloatArray } from "@plugml/core";
import type { Engine, KNeighborsRegressorHooks } from "@plugml/core";
import { classifierOf, cpuPaths, kmeansFitCtx, kmeansModelCtx, kmeansOf, knnCtx, scalerFitCtx, scalerModelCtx, scalerOf } from "./hooks.js";

const paths = cpuPaths();
afterAll(() => Object.values(paths).forEach((engine) => engine.dispose?.()));

/** A copy of `data` in a SharedArrayBuffer. */
function shared<T extends FloatArray>(data: T): T {
  const Type = data.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Type(new SharedArrayBuffer(data.byteLength));
  out.set(data);
  return out;
}

function data(rows: number, cols: number, dtype: "float32" | "float64"): Matrix {
  let s = 7;
  return Matrix.from(Float64Array.from({ length: rows * cols }, () => (s = (s * 16807) % 2147483647) / 2147483647), rows, cols).astype(dtype);
}

/** Every hook's output on `X`, `Q`, `w` (typed arrays and matrices flattened to plain arrays for comparison). */
async function everyHook(engine: Engine, X: Matrix, Q: Matrix, w: Float64Array, y: Int32Array): Promise<unknown[]> {
  const flat = (v: unknown): unknown => (v instanceof Matrix ? Array.from(v.data) : ArrayBuffer.isView(v) ? Array.from(v as FloatArray) : v);
  const out: unknown[] = [];
  const knn = classifierOf(engine);
  const neighbors = (await knn.kneighbors(knnCtx(X, y, 3, Q, { k: 4 }))) as { distances: Matrix; indices: Int32Array };
  out.push(flat(neighbors.distances), flat(neighbors.indices));
  out.push(flat(await knn.kneighbors(knnCtx(X, y, 3, undefined, { k: 4 }))));
  out.push(flat(await knn.predict(knnCtx(X, y, 3, Q))), flat(await knn.predictProba(knnCtx(X, y, 3, Q, { metric: "cosine" }))));
  const regressor = engine.estimators.KNeighborsRegressor as KNeighborsRegressorHooks;
  const ctx = knnCtx(X, y, 3, Q, { metric: "manhattan" });
  out.push(flat(await regressor.predict({ ...ctx, model: { ...ctx.model, y: Float64Array.from(y) } } as typeof ctx)));
  const kmeans = kmeansOf(engine);
  const init = Matrix.from(X.data.slice(0, 3 * X.cols), 3, X.cols);
  const model = (await kmeans.fit(kmeansFitCtx(X, [init], { sampleWeight: w, maxIter: 20 }))) as { clusterCenters: Matrix; labels: Int32Array; inertia: number };
  out.push(flat(model.clusterCenters), flat(model.labels), model.inertia);
  const modelCtx = kmeansModelCtx(Q, model.clusterCenters, { sampleWeight: w.subarray(0, Q.rows) });
  out.push(flat(await kmeans.predict(modelCtx)), flat(await kmeans.transform(modelCtx)), await kmeans.score(modelCtx));
  const scaler = scalerOf(engine);
  const stats = (await scaler.fit(scalerFitCtx(X, { sampleWeight: w }))) as { mean: Float64Array; var: Float64Array };
  out.push(flat(stats.mean), flat(stats.var));
  const scale = stats.var.map(Math.sqrt);
  out.push(flat(await scaler.transform(scalerModelCtx(Q, stats.mean, scale))), flat(await scaler.inverseTransform(scalerModelCtx(Q, stats.mean, scale))));
  return out;
}

describe.each(Object.keys(paths) as (keyof typeof paths)[])("the %s path", (path) => {
  test.each(["float32", "float64"] as const)("%s inputs backed by a SharedArrayBuffer give the same results on every hook", async (dtype) => {
    const X = data(900, 5, dtype);
    const Q = data(60, 5, dtype);
    const w = Float64Array.from({ length: 900 }, (_, i) => 1 + (i % 4));
    const y = Int32Array.from({ length: 900 }, (_, i) => i % 3);
    const expected = await everyHook(paths[path], X, Q, w, y);
    const actual = await everyHook(paths[path], Matrix.from(shared(X.data), 900, 5), Matrix.from(shared(Q.data), 60, 5), shared(w), y);
    expect(actual).toEqual(expected);
  });
});
