// Unusual but valid inputs work on every engine: typed arrays over a SharedArrayBuffer or at an offset into a larger
// buffer, negative zeros, one row or one column, the dtype's extremes and subnormals, identical rows. Each engine
// gives the pure-TypeScript CPU path's answer or declines with a reason; never a raw TypeError or a wrong answer.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  EngineDeclinedError,
  KMeans,
  KNeighborsClassifier,
  Matrix,
  NearestNeighbors,
  StandardScaler,
  addWarningListener,
  registerEngine,
  unregisterEngine,
  type DType,
} from "@plugml/core";
import { createCpuEngine } from "@plugml/engine-cpu";
import { createWebGPUEngine, webgpuAvailable } from "@plugml/engine-webgpu";

const hasWebGPU = (await webgpuAvailable()) === true;
if (process.env.CI && !hasWebGPU) throw new Error("CI needs a WebGPU adapter");
const ENGINES = ["cpu-simd", "cpu", ...(hasWebGPU ? ["webgpu"] : [])];
const REFERENCE = "cpu-ts";

let stopWarnings: () => void;
beforeAll(() => {
  registerEngine(createCpuEngine({ name: "cpu-simd", fastPathMinWork: 0 }));
  registerEngine(createCpuEngine({ name: REFERENCE, wasm: false }));
  if (hasWebGPU) registerEngine(createWebGPUEngine({ minElements: 0 }));
  stopWarnings = addWarningListener(() => {});
});
afterAll(async () => {
  stopWarnings();
  for (const name of ["cpu-simd", REFERENCE, ...(hasWebGPU ? ["webgpu"] : [])]) await unregisterEngine(name);
});

type Make = (dtype: DType) => Matrix;
const typed = (dtype: DType, values: number[]) => (dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values));
const base = [0, 0, 1, 0, 0, 1, 9, 9, 10, 9, 9, 10, 5, 5, 4.5, 5.5];

function shared(dtype: DType, values: number[]): Matrix {
  const bytes = dtype === "float32" ? 4 : 8;
  const sab = new SharedArrayBuffer(values.length * bytes);
  const data = dtype === "float32" ? new Float32Array(sab) : new Float64Array(sab);
  data.set(values);
  return new Matrix(data, values.length / 2, 2);
}
function offsetView(dtype: DType, values: number[]): Matrix {
  const padded = typed(dtype, [7, 7, 7, ...values, 7]);
  return new Matrix(padded.subarray(3, 3 + values.length), values.length / 2, 2);
}
const max = (dtype: DType) => (dtype === "float32" ? 3.4028234663852886e38 : Number.MAX_VALUE);
const subnormal = (dtype: DType) => (dtype === "float32" ? 1.401298464324817e-45 : Number.MIN_VALUE);

const INPUTS: [string, Make][] = [
  ["a SharedArrayBuffer", (dt) => shared(dt, base)],
  ["a view at an offset into a larger buffer", (dt) => offsetView(dt, base)],
  ["negative zeros", (dt) => new Matrix(typed(dt, base.map((v, i) => (v === 0 || i % 5 === 0 ? -0 : v))), 8, 2)],
  ["one column", (dt) => new Matrix(typed(dt, [0, 1, 2, 10, 11, 12, 20, 21]), 8, 1)],
  ["identical rows", (dt) => new Matrix(typed(dt, Array.from({ length: 16 }, (_, i) => (i % 2 ? 3 : -2))), 8, 2)],
  ["the dtype's largest magnitudes", (dt) => new Matrix(typed(dt, base.map((v, i) => (v / 10) * max(dt) * (i % 3 === 0 ? -1 : 1))), 8, 2)],
  ["subnormals", (dt) => new Matrix(typed(dt, base.map((v) => v * subnormal(dt))), 8, 2)],
];

let tried = 0;
/** The result on `engine`, or undefined when it declined (with a reason). */
async function on<T>(engine: string, call: (engine: string) => Promise<T>): Promise<T | undefined> {
  tried++;
  try {
    return await call(engine);
  } catch (e) {
    if (e instanceof EngineDeclinedError && e.reasons.every((r) => r.reason.length > 0)) return undefined;
    throw e;
  }
}
const values = (m: Matrix | Float64Array | Int32Array | undefined) => (m === undefined ? undefined : Array.from(m instanceof Matrix ? m.data : m));

describe.each(ENGINES)("on %s", (engine) => {
  describe.each(["float32", "float64"] as DType[])("%s", (dtype) => {
    it.each(INPUTS)("%s", async (_what, make) => {
      const X = make(dtype);
      const k = Math.min(2, X.rows);
      const run = async (name: string) => ({
        scaler: await on(name, async (n) => {
          const s = await new StandardScaler().setComputationalEngine(n, { fallback: false }).fit(X);
          return { mean: values(s.mean_), var: values(s.var_), Z: values(await s.transform(X)) };
        }),
        kmeans: await on(name, async (n) => {
          const km = await new KMeans({ nClusters: 2, init: [Array.from(X.row(0)), Array.from(X.row(X.rows - 1))], maxIter: 10 })
            .setComputationalEngine(n, { fallback: false })
            .fit(X);
          return { centers: values(km.clusterCenters_), labels: values(km.labels_), predicted: values(await km.predict(X)) };
        }),
        neighbors: await on(name, async (n) => {
          const nn = await new NearestNeighbors({ nNeighbors: k }).setComputationalEngine(n, { fallback: false }).fit(X);
          const { distances, indices } = await nn.kneighbors(X);
          return { distances: values(distances), indices: Array.from(indices.data) };
        }),
        classifier: await on(name, async (n) => {
          const y = Array.from({ length: X.rows }, (_, i) => (i < X.rows / 2 ? "a" : "b"));
          const clf = await new KNeighborsClassifier({ nNeighbors: 1 }).setComputationalEngine(n, { fallback: false }).fit(X, y);
          return await clf.predict(X);
        }),
      });
      const expected = await run(REFERENCE);
      const actual = await run(engine);
      // The reference runs every input: the exact path exists for each.
      for (const part of Object.values(expected)) expect(part).toBeDefined();
      const rel = engine === "webgpu" ? 1e-5 : dtype === "float32" ? 1e-6 : 1e-12;
      const near = (a: unknown, b: unknown): boolean => {
        if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => near(v, b[i]));
        if (typeof a === "number" && typeof b === "number") {
          // Infinities must match; NaN matches nothing (for finite input it is always wrong).
          if (!Number.isFinite(b) || !Number.isFinite(a)) return a === b;
          return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) || Math.abs(a - b) <= 1e-300;
        }
        if (a && b && typeof a === "object" && typeof b === "object") return Object.keys(b).every((key) => near((a as never)[key], (b as never)[key]));
        return a === b;
      };
      for (const [part, value] of Object.entries(actual)) {
        if (value === undefined) continue; // declined, with a reason
        expect({ part, ok: near(value, expected[part as keyof typeof expected]) }).toEqual({ part, ok: true });
      }
      if (engine !== "webgpu") for (const part of Object.values(actual)) expect(part).toBeDefined();
    });
  });
});

afterAll(() => console.log(`unusual inputs: ${tried} estimator calls tried`));

describe.each(ENGINES)("sample weights up to float64's maximum on %s", (engine) => {
  it("KMeans gives the centers scaled-down weights give, never NaN", async () => {
    const X = new Matrix(Float64Array.from(base), 8, 2);
    const big = [1e308, 1e308, 5e307, 1e308, 2e307, 1e308, 1e308, 3e307];
    const init = [Array.from(X.row(0)), Array.from(X.row(3))];
    const fit = (w: number[]) => new KMeans({ nClusters: 2, init }).setComputationalEngine(engine, { fallback: false }).fit(X, undefined, { sampleWeight: w });
    const huge = await fit(big);
    const small = await fit(big.map((w) => w / 1e300));
    expect(Array.from(huge.clusterCenters_.data).every(Number.isFinite)).toBe(true);
    expect(Array.from(huge.clusterCenters_.data)).toEqual(Array.from(small.clusterCenters_.data).map((v) => expect.closeTo(v, 5)));
    expect(Array.from(huge.labels_)).toEqual(Array.from(small.labels_));
  });
});
