// KMeans (fit, predict, transform, score) on every path over the whole finite range: two well separated groups
// at magnitudes where squared norms, dot products, sums or squares of deviations overflow or underflow, checked
// against exact (BigInt) weighted means, distances and inertia.
import { Matrix, NotSupportedByEngineError, type DType, type KMeansModel } from "@plugml/core";
import { big, checkValue, exactDistance, fromBig, ratio } from "./exact.js";
import { cpuPaths, kmeansFitCtx, kmeansModelCtx, kmeansOf } from "./hooks.js";

const paths = cpuPaths();
afterAll(() => Object.values(paths).forEach((engine) => engine.dispose?.()));

const F32_MAX = 3.4028234663852886e38;

/** `rows` rows in two groups (first half around `center`, second around `-center`), noise of size `spread`. */
function groups(rows: number, center: number[], spread: number, dtype: DType): { X: Matrix; truth: Int32Array } {
  let s = 99;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  const cols = center.length;
  const data = new Float64Array(rows * cols);
  const truth = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    truth[i] = i < rows / 2 ? 0 : 1;
    for (let j = 0; j < cols; j++) data[i * cols + j] = (truth[i] === 0 ? 1 : -1) * center[j] + spread * rand();
  }
  return { X: Matrix.from(data, rows, cols).astype(dtype), truth };
}

/** Exact weighted mean of the rows with the given label, per column, in float64. */
function exactCenters(X: Matrix, w: Float64Array, labels: Int32Array, k: number): number[][] {
  return Array.from({ length: k }, (_, c) =>
    Array.from({ length: X.cols }, (_, j) => {
      let num = 0n;
      let den = 0n;
      for (let i = 0; i < X.rows; i++) {
        if (labels[i] !== c) continue;
        num += big(w[i]) * big(X.data[i * X.cols + j]);
        den += big(w[i]);
      }
      return ratio(num, den, -1074);
    }),
  );
}

/** Exact weighted inertia of X against `centers` under `labels`. */
function exactInertia(X: Matrix, w: Float64Array, centers: Matrix, labels: Int32Array): number {
  let total = 0n;
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < X.cols; j++) total += big(w[i]) * (big(X.data[i * X.cols + j]) - big(centers.data[labels[i] * X.cols + j])) ** 2n;
  }
  return fromBig(total, -3 * 1074);
}

const cases: [string, DType, number[], number][] = [
  ["float64 near the maximum (inertia beyond range)", "float64", [1.5e308, -1.2e308, 1e308], 1e306],
  ["float64 at 1e200 (squares overflow, inertia finite)", "float64", [1e200, 3e199, -2e200], 1e150],
  ["float64 tiny (squares underflow)", "float64", [1e-150, -3e-151, 2e-150], 1e-155],
  ["float64 subnormal", "float64", [1e-310, 3e-311, -2e-310], 1e-312],
  ["float32 near the maximum", "float32", [3e38, -1e38, 2e38], 1e36],
  ["float32 at 1e19 (float32 norms overflow)", "float32", [3e19, 1e19, -2e19], 1e17],
  ["float32 tiny (float32 products underflow)", "float32", [1e-30, -3e-31, 2e-30], 1e-32],
  ["float32 subnormal", "float32", [1e-39, 3e-40, -2e-39], 1e-41],
];

describe.each(Object.keys(paths) as (keyof typeof paths)[])("KMeans on the %s path", (path) => {
  const hooks = kmeansOf(paths[path]);

  test.each(cases)("%s: exact labels, centers, inertia; predict, transform and score agree", async (_, dtype, center, spread) => {
    const { X, truth } = groups(600, center, spread, dtype);
    const rtol = dtype === "float32" ? 2 ** -23 : 1e-13;
    const max = dtype === "float32" ? F32_MAX : Number.MAX_VALUE;
    const inits = [Matrix.from(Float64Array.from([...X.row(0), ...X.row(599)]), 2, 3).astype(dtype)];
    for (const sampleWeight of [new Float64Array(600).fill(1), Float64Array.from({ length: 600 }, (_, i) => 0.5 + (i % 7) / 4), Float64Array.from({ length: 600 }, (_, i) => (i % 5) * 1e300)]) {
      const model = (await hooks.fit(kmeansFitCtx(X, inits, { sampleWeight }))) as KMeansModel;
      expect(Array.from(model.labels)).toEqual(Array.from(truth));
      expect(model.clusterCenters.dtype).toBe(dtype);
      exactCenters(X, sampleWeight, truth, 2).flat().forEach((v, i) => checkValue(model.clusterCenters.data[i], v, rtol, max, `center value ${i}`));
      checkValue(model.inertia, exactInertia(X, sampleWeight, model.clusterCenters, truth), 1e-12, Number.MAX_VALUE, "inertia");

      const ctx = kmeansModelCtx(X, model.clusterCenters, { sampleWeight });
      expect(Array.from((await hooks.predict(ctx)) as Int32Array)).toEqual(Array.from(truth));
      const score = (await hooks.score(ctx)) as number;
      checkValue(-score, exactInertia(X, sampleWeight, model.clusterCenters, truth), 1e-12, Number.MAX_VALUE, "score");
      const distances = (await hooks.transform(ctx)) as Matrix;
      expect(distances.dtype).toBe(dtype);
      for (const i of [0, 1, 299, 300, 599]) {
        for (let c = 0; c < 2; c++) checkValue(distances.get(i, c), exactDistance(2, X.row(i), model.clusterCenters.row(c)), rtol, max, `distance ${i}, ${c}`);
      }
    }
  });

  test("float64 data no single scaling fits: fit is declined, predict, transform and score stay exact", async () => {
    // Squared distances of 1e300 and of 1e-300 differences cannot both be held by one power of two.
    const X = Matrix.from([[1e300, 0], [1.1e300, 0], [1e-300, 2e-300], [3e-300, 1e-300], [0, 0]]);
    const centers = Matrix.from([[1.05e300, 0], [2e-300, 1.5e-300], [-1e-300, 0]]);
    await expect(hooks.fit(kmeansFitCtx(X, [centers]))).rejects.toBeInstanceOf(NotSupportedByEngineError);
    const ctx = kmeansModelCtx(X, centers);
    const labels = (await hooks.predict(ctx)) as Int32Array;
    for (let i = 0; i < X.rows; i++) {
      const exact = [0, 1, 2].map((c) => exactDistance(2, X.row(i), centers.row(c)));
      expect(labels[i]).toBe(exact.indexOf(Math.min(...exact)));
    }
    const distances = (await hooks.transform(ctx)) as Matrix;
    for (let i = 0; i < X.rows; i++) for (let c = 0; c < 3; c++) checkValue(distances.get(i, c), exactDistance(2, X.row(i), centers.row(c)), 1e-13, Number.MAX_VALUE, `${i}, ${c}`);
    checkValue(-((await hooks.score(ctx)) as number), exactInertia(X, new Float64Array(5).fill(1), centers, labels), 1e-12, Number.MAX_VALUE, "score");
  });
});
