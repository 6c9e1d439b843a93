// Every kernel over the whole finite range of its dtype: values near the largest finite float32 and float64,
// subnormals, zeros, duplicates and ties, compared with exact (BigInt) or exactly scaled references computed here.
import fc from "fast-check";
import { Matrix, type DType } from "@plugml/core";
import { fastKNearest } from "../src/fast/knn.js";
import { KernelRuntime } from "../src/fast/runtime.js";
import { classVotes, kNearest, regressionMean, resolveMetric, type Metric } from "../src/kernels/index.js";
import { kernelSpec } from "./kernels/helpers.js";
import { checkNeighbors } from "./exact.js";

const F32_MAX = 3.4028234663852886e38;
const F64_MAX = Number.MAX_VALUE;
const maxOf = (dtype: DType) => (dtype === "float32" ? F32_MAX : F64_MAX);
/** Relative accuracy asked of distances: a few units in the last place of float64, or float32's rounding. */
const rtolOf = (dtype: DType) => (dtype === "float32" ? 2 ** -23 : 1e-13);

/** Magnitudes that stress each formula: the largest values, the overflow and underflow edges of squares, subnormals. */
const SPECIAL = {
  float64: [0, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-200, 1.5e-154, 1e-100, 1, 3, 1e100, 1.4e154, 1e200, 1e300, 8.98846567431158e307, F64_MAX],
  float32: [0, 1.401298464324817e-45, 1.1754943508222875e-38, 1e-30, 1e-20, 1, 3, 1e19, 1.8446744073709552e19, 3e19, 1e30, 1.7e38, F32_MAX],
} as const;

/** A matrix whose values are drawn from the special magnitudes (random sign), from all finite values, or copies. */
function extremeMatrix(dtype: DType, rows: number, cols: number): fc.Arbitrary<Matrix> {
  const special = fc.tuple(fc.constantFrom(...SPECIAL[dtype]), fc.boolean()).map(([v, negative]) => (negative ? -v : v));
  const any = dtype === "float32" ? fc.float({ noNaN: true, noDefaultInfinity: true }) : fc.double({ noNaN: true, noDefaultInfinity: true });
  const value = fc.oneof(special, special, any);
  return fc
    .tuple(fc.array(value, { minLength: rows * cols, maxLength: rows * cols }), fc.array(fc.nat(rows - 1), { maxLength: 3 }))
    .map(([values, copies]) => {
      const data = dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
      // A few duplicate rows, for exact ties.
      for (const c of copies) data.copyWithin(((c + 1) % rows) * cols, c * cols, (c + 1) * cols);
      return Matrix.from(data, rows, cols);
    });
}

const runtimes = { workers: KernelRuntime.create({ threads: 2, idleMs: 100 })!, inline: KernelRuntime.create({ threads: 0, idleMs: 100 })! };
afterAll(() => Object.values(runtimes).forEach((runtime) => runtime.dispose()));

/** Rows in [low, 2 low) per column, as the reported bug's data, with row 13 a copy of row 6. */
function bugData(rows: number, low: number): Matrix<Float32Array> {
  let s = 12345;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const data = Float32Array.from({ length: rows * 2 }, () => low * (1 + rand()));
  data.copyWithin(26, 12, 14);
  return Matrix.from(data, rows, 2);
}

describe("k-nearest at the edges of the range", () => {
  test.each([1e19, 3e38])("float32 values from %d: a copy of row 6 finds rows 6 and 13 at 0, on every path", async (low) => {
    const train = bugData(70000, Math.min(low, F32_MAX / 2));
    const query = Matrix.from(train.data.slice(12, 14), 1, 2);
    const spec = kernelSpec("euclidean");
    const results = [kNearest(query, train, 2, spec)];
    for (const runtime of Object.values(runtimes)) results.push(await fastKNearest(runtime, query, train, 2, spec, { skipSelf: false, workingMemory: 1 << 20 }));
    for (const { indices, distances } of results) {
      expect(Array.from(indices)).toEqual([6, 13]);
      expect(Array.from(distances)).toEqual([0, 0]);
    }
  });

  test("a search whose float32 norms overflow never reads what an earlier call left in kernel memory", async () => {
    const runtime = runtimes.workers;
    const spec = kernelSpec("euclidean");
    const small = bugData(5000, 1);
    await fastKNearest(runtime, small, small, 3, spec, { skipSelf: true, workingMemory: 1 << 20 });
    const huge = bugData(5000, 1.5e38);
    const queries = Matrix.from(huge.data.slice(0, 40), 20, 2);
    const result = await fastKNearest(runtime, queries, huge, 3, spec, { skipSelf: false, workingMemory: 1 << 20 });
    checkNeighbors(result, queries, huge, 3, 2, { rtol: rtolOf("float32"), max: F32_MAX });
  });

  test("a query whose heap the kernel left unfilled is searched again, never read", async () => {
    // Fault injection: a runtime whose kernel tasks skip their last chunk, so some queries' heaps stay empty.
    const real = runtimes.workers;
    const faulty = {
      slots: real.slots,
      exclusive: <T>(body: Parameters<KernelRuntime["exclusive"]>[0], signal?: AbortSignal) =>
        real.exclusive((arena, run) => body(arena, (kernel, chunks, args) => run(kernel, Math.max(0, chunks - 1), args)), signal) as Promise<T>,
    } as unknown as KernelRuntime;
    const spec = kernelSpec("euclidean");
    const train = bugData(2000, 1);
    const queries = bugData(300, 2);
    const expected = kNearest(queries, train, 5, spec);
    const actual = await fastKNearest(faulty, queries, train, 5, spec, { skipSelf: false, workingMemory: 1 << 20 });
    expect(Array.from(actual.indices)).toEqual(Array.from(expected.indices));
    expect(Array.from(actual.distances)).toEqual(Array.from(expected.distances));
  });

  const metrics: [Metric, number][] = [["euclidean", 2], ["manhattan", 1], ["chebyshev", Infinity], ["minkowski", 3]];
  describe.each(["float64", "float32"] as const)("%s", (dtype) => {
    test.each(metrics)("pure TypeScript, %s: exact neighbours and distances (Infinity beyond the dtype)", (metric, p) => {
      const spec = resolveMetric(metric, p === Infinity ? 2 : p);
      fc.assert(
        fc.property(extremeMatrix(dtype, 12, 3), extremeMatrix(dtype, 3, 3), fc.integer({ min: 1, max: 5 }), (train, queries, k) => {
          checkNeighbors(kNearest(queries, train, k, spec), queries, train, k, p, { rtol: rtolOf(dtype), max: maxOf(dtype) });
          checkNeighbors(kNearest(train, train, k, spec, { skipSelf: true }), train, train, k, p, { skipSelf: true, rtol: rtolOf(dtype), max: maxOf(dtype) });
        }),
        { numRuns: 60 },
      );
    });

    test.each([["euclidean", 2], ["manhattan", 1], ["chebyshev", Infinity]] as const)("fast path, %s: exact neighbours and distances, on workers and inline", async (metric, p) => {
      const spec = kernelSpec(metric);
      await fc.assert(
        fc.asyncProperty(extremeMatrix(dtype, 40, 3), extremeMatrix(dtype, 9, 3), fc.integer({ min: 1, max: 6 }), async (train, queries, k) => {
          for (const runtime of Object.values(runtimes)) {
            const options = { rtol: rtolOf(dtype), max: maxOf(dtype) };
            checkNeighbors(await fastKNearest(runtime, queries, train, k, spec, { skipSelf: false, workingMemory: 4096 }), queries, train, k, p, options);
            checkNeighbors(await fastKNearest(runtime, train, train, k, spec, { skipSelf: true, workingMemory: 4096 }), train, train, k, p, { ...options, skipSelf: true });
          }
        }),
        { numRuns: 40 },
      );
    });
  });

  test.each(["float64", "float32"] as const)("%s: the fast path equals the pure-TypeScript search bit for bit, every metric", async (dtype) => {
    for (const metric of ["euclidean", "manhattan", "chebyshev", "cosine"] as const) {
      const spec = kernelSpec(metric);
      await fc.assert(
        fc.asyncProperty(extremeMatrix(dtype, 30, 3), extremeMatrix(dtype, 7, 3), fc.integer({ min: 1, max: 6 }), async (train, queries, k) => {
          for (const [q, skipSelf] of [[queries, false], [train, true]] as const) {
            const expected = kNearest(q, train, k, spec, { skipSelf });
            for (const runtime of Object.values(runtimes)) {
              const actual = await fastKNearest(runtime, q, train, k, spec, { skipSelf, workingMemory: 4096 });
              expect(Array.from(actual.indices)).toEqual(Array.from(expected.indices));
              expect(Array.from(actual.distances)).toEqual(Array.from(expected.distances));
            }
          }
        }),
        { numRuns: 25 },
      );
    }
  });

  test("float64 data spanning more than one scaling can hold takes the full-range path: exact, Infinity ordered", () => {
    // 1e300 with 1e-300: no single power of two keeps both the squares of the large and of the small differences.
    const train = Matrix.from([[1e-300], [3e-300], [-1.7e308], [-1e308], [1.7e308], [2e-300], [0]]);
    const queries = Matrix.from([[1.6e308], [2.5e-300], [-1e-300]]);
    for (const metric of ["euclidean", "manhattan", "minkowski"] as const) {
      const result = kNearest(queries, train, 7, resolveMetric(metric, 3));
      checkNeighbors(result, queries, train, 7, { euclidean: 2, manhattan: 1, minkowski: 3 }[metric], { rtol: 1e-13, max: F64_MAX });
    }
  });

  test("minkowski with a large p neither overflows nor underflows its powers", () => {
    const train = Matrix.from([[1e-5, 0], [3e-5, 1e-5], [2e3, 1e3], [2e3, 1.5e3]]);
    const queries = Matrix.from([[0, 0], [1999, 1001]]);
    const result = kNearest(queries, train, 4, resolveMetric("minkowski", 80));
    expect(Array.from(result.indices)).toEqual([0, 1, 2, 3, 2, 3, 1, 0]);
    // The distance is within (1 + 2^(1/80) - 1) of the largest difference: far from the 0 or Infinity of plain powers.
    expect(result.distances[0]).toBeCloseTo(1e-5, 20);
    expect(result.distances[4]).toBeGreaterThan(1);
    expect(result.distances[4]).toBeLessThan(1.1);
  });
});

describe("cosine over the whole range", () => {
  /**
   * scikit-learn's cosine distance with exact scaling: each row divided by its norm (taken of the row scaled by its
   * own largest power of two, so that it is finite), unless that norm is under ten epsilons of the dtype
   * (`_handle_zeros_in_scale`), then 1 - dot clipped to [0, 2], all in plain float64.
   */
  function reference(a: number[], b: number[], eps: number): number {
    const unit = (r: number[]) => {
      const m = Math.max(...r.map(Math.abs));
      if (m === 0) return r;
      const e = Math.floor(Math.log2(m));
      const scaled = r.map((v) => v * 2 ** -e);
      const norm = Math.hypot(...scaled);
      return norm * 2 ** e < 10 * eps ? r : scaled.map((v) => v / norm);
    };
    const [x, y] = [unit(a), unit(b)];
    return Math.min(Math.max(1 - x.reduce((s, v, i) => s + v * y[i], 0), 0), 2);
  }

  test.each(["float64", "float32"] as const)("%s rows near the maximum and tiny rows: right distances, never NaN", (dtype) => {
    const big = dtype === "float64" ? 1.5e308 : 3e38;
    // Tiny rows: below the 10-epsilon floor (left unnormalised) and just above it (normalised, squares underflow-free).
    const tiny = dtype === "float64" ? 1e-200 : 1e-30;
    const small = dtype === "float64" ? 1e-14 : 1e-5;
    const rows = [[big, big], [big, -big], [tiny, tiny], [3 * tiny, -tiny], [1, 2], [0, 0], [-big, big / 2], [small, small], [small, -3 * small]];
    const X = Matrix.from(rows).astype(dtype);
    const spec = resolveMetric("cosine", 2);
    const { indices, distances } = kNearest(X, X, rows.length, spec);
    for (let q = 0; q < rows.length; q++) {
      for (let j = 0; j < rows.length; j++) {
        const t = indices[q * rows.length + j];
        const d = distances[q * rows.length + j];
        expect(Number.isNaN(d)).toBe(false);
        const row = (i: number) => Array.from(X.data.subarray(i * 2, i * 2 + 2));
        // The diagonal is 0 (queries === train), as scikit-learn's.
        if (t === q) expect(d).toBe(0);
        // Distances lie in [0, 2]: an absolute tolerance of the dtype's precision.
        else expect(Math.abs(d - reference(row(q), row(t), dtype === "float32" ? 2 ** -23 : 2 ** -52))).toBeLessThanOrEqual(dtype === "float32" ? 1e-6 : 1e-15);
      }
    }
  });
});

describe("distance-weighted votes over the whole range", () => {
  test("subnormal distances weigh in their true ratio; distances beyond range weigh 0; never NaN", () => {
    const indices = Int32Array.of(0, 1, 2, 0, 1, 2);
    // Query 0: 1e-310 and 2e-310 (1/d overflows) and one beyond float64; query 1: every distance beyond range.
    const distances = Float64Array.of(1e-310, 2e-310, Infinity, Infinity, Infinity, Infinity);
    const proba = classVotes(indices, distances, 3, Int32Array.of(0, 1, 1), 2, "distance");
    expect(proba[0]).toBeCloseTo(2 / 3, 12);
    expect(proba[1]).toBeCloseTo(1 / 3, 12);
    expect([proba[2], proba[3]]).toEqual([1 / 3, 2 / 3]);
    const mean = regressionMean(indices, distances, 3, Float64Array.of(3, 6, 100), "distance");
    expect(mean[0]).toBeCloseTo((3 * 2 + 6) / 3, 12);
    expect(mean[1]).toBeCloseTo(109 / 3, 12);
  });
});
