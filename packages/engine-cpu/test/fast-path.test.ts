// The fast path (WebAssembly SIMD kernels, on workers or inline) returns exactly what the pure-TypeScript kernels
// return, including where float32 dot products alone would reorder neighbours or flip cluster assignments.
import { Matrix, type DType } from "@plugml/core";
import { fastLloyd, fastNearestCenters } from "../src/fast/lloyd.js";
import { fastKNearest } from "../src/fast/knn.js";
import { kernelSpec } from "./kernels/helpers.js";
import { KernelRuntime } from "../src/fast/runtime.js";
import { kNearest, lloyd, nearestCenters } from "../src/kernels/index.js";

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Rows with integer parts (many exact ties) plus noise, scaled by `scale` and shifted by `offset`. */
function data(rows: number, cols: number, dtype: DType, seed: number, scale = 1, offset = 0): Matrix {
  const rand = random(seed);
  return Matrix.from(Float64Array.from({ length: rows * cols }, () => offset + scale * (Math.floor(rand() * 4) + (rand() < 0.5 ? 0 : rand()))), rows, cols).astype(dtype);
}

const runtimes = { workers: KernelRuntime.create({ threads: 2, idleMs: 100 })!, inline: KernelRuntime.create({ threads: 0, idleMs: 100 })! };
afterAll(() => Object.values(runtimes).forEach((runtime) => runtime.dispose()));

describe.each(["workers", "inline"] as const)("fast path (%s)", (mode) => {
  const runtime = runtimes[mode];

  describe.each(["float64", "float32"] as const)("%s", (dtype) => {
    test.each([
      ["small values", 1, 0],
      ["large magnitudes (the float32 norms trap)", 1, 1000],
    ])("nearest centers and Lloyd equal the pure-TypeScript kernels: %s", async (_, scale, offset) => {
      const X = data(1001, 7, dtype, 3, scale, offset);
      const centers = data(9, 7, dtype, 5, scale, offset);
      expect(Array.from(await fastNearestCenters(runtime, X, centers))).toEqual(Array.from(nearestCenters(X, centers).labels));
      const weights = Float64Array.from({ length: X.rows }, (_, i) => 1 + (i % 3));
      const expected = lloyd(X, weights, centers, 30, 0, () => "continue");
      const args = { X, sampleWeight: weights, maxIter: 30, tolAbs: 0, onIteration: () => "continue" as const };
      const actual = await fastLloyd(runtime, args, [centers]);
      expect(actual.nIter).toBe(expected.nIter);
      expect(Array.from(actual.labels)).toEqual(Array.from(expected.labels));
      const rtol = dtype === "float32" ? 1e-6 : 1e-12;
      actual.centers.data.forEach((v, i) => expect(Math.abs(v - expected.centers.data[i])).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(v))));
      expect(Math.abs(actual.inertia - expected.inertia)).toBeLessThanOrEqual(rtol * expected.inertia);
    });

    test.each([
      ["euclidean", 0],
      ["euclidean", 1000],
      ["manhattan", 0],
      ["manhattan", 1000],
      ["chebyshev", 0],
      ["chebyshev", 1000],
      ["cosine", 0],
      ["cosine", 1000],
    ] as const)("%s k-nearest (offset %d) equals the pure-TypeScript search, with and without skipSelf", async (metric, offset) => {
      const train = data(403, 5, dtype, 7, 1, offset);
      const queries = data(37, 5, dtype, 11, 1, offset);
      const spec = kernelSpec(metric);
      for (const [q, skipSelf] of [[queries, false], [train, true]] as const) {
        const expected = kNearest(q, train, 6, spec, { skipSelf });
        // A tiny working memory forces many query batches.
        const actual = await fastKNearest(runtime, q, train, 6, spec, { skipSelf, workingMemory: 4096 });
        expect(Array.from(actual.indices)).toEqual(Array.from(expected.indices));
        expect(Array.from(actual.distances)).toEqual(Array.from(expected.distances));
        expect(actual.distances.constructor).toBe(expected.distances.constructor);
      }
    });
  });
});

test("k larger than a panel and odd feature counts", async () => {
  const train = data(50, 3, "float32", 13);
  const queries = data(5, 3, "float32", 17);
  const spec = kernelSpec("euclidean");
  const expected = kNearest(queries, train, 50, spec);
  const actual = await fastKNearest(runtimes.workers, queries, train, 50, spec, { skipSelf: false, workingMemory: 1 << 20 });
  expect(Array.from(actual.indices)).toEqual(Array.from(expected.indices));
});

test("argument errors are the pure-TypeScript kernels' errors", async () => {
  const spec = kernelSpec("euclidean");
  await expect(fastKNearest(runtimes.inline, data(2, 2, "float64", 1), data(3, 2, "float64", 2), 4, spec, { skipSelf: false, workingMemory: 1 << 20 })).rejects.toThrow(RangeError);
});

test("Lloyd's centers are bit-identical to the pure-TypeScript kernels' on any number of threads", async () => {
  // float64 and several 256-row chunks: partial sums filled per thread used to make the last bits depend on which
  // thread took which chunk, between thread counts and from run to run.
  const X = data(3000, 6, "float64", 19, 10);
  const centers = data(5, 6, "float64", 23, 10);
  const weights = Float64Array.from({ length: X.rows }, (_, i) => 0.5 + (i % 7) / 3);
  const expected = lloyd(X, weights, centers, 20, 0, () => "continue");
  for (const threads of [0, 1, 2, 3, 2]) {
    const runtime = KernelRuntime.create({ threads, idleMs: 100 })!;
    try {
      const args = { X, sampleWeight: weights, maxIter: 20, tolAbs: 0, onIteration: () => "continue" as const };
      const actual = await fastLloyd(runtime, args, [centers]);
      expect(Array.from(actual.centers.data)).toEqual(Array.from(expected.centers.data));
      expect(actual.inertia).toBe(expected.inertia);
    } finally {
      runtime.dispose();
    }
  }
});

test("Lloyd with unit weights is bit-identical to the pure-TypeScript kernels, on partial blocks and panels", async () => {
  // Shapes that leave partial row blocks, a partial panel of centers and an odd column, in both flavors.
  for (const [rows, cols, k] of [[1001, 7, 9], [777, 33, 5], [3000, 16, 32]] as const) {
    for (const dtype of ["float32", "float64"] as const) {
      const X = data(rows, cols, dtype, 29, 3);
      const centers = data(k, cols, dtype, 31, 3);
      const weights = new Float64Array(rows).fill(1);
      const expected = lloyd(X, weights, centers, 15, 0, () => "continue");
      for (const runtime of Object.values(runtimes)) {
        const actual = await fastLloyd(runtime, { X, sampleWeight: weights, maxIter: 15, tolAbs: 0, onIteration: () => "continue" }, [centers]);
        expect(Array.from(actual.labels)).toEqual(Array.from(expected.labels));
        expect(Array.from(actual.centers.data)).toEqual(Array.from(expected.centers.data));
        expect(actual.inertia).toBe(expected.inertia);
      }
    }
  }
});

test("mixed dtypes are compared in float64, as the pure-TypeScript kernels do", async () => {
  // Rounding the float64 side to float32 would turn each of these into an exact tie, won by the lower index.
  const euclidean = kernelSpec("euclidean");
  const train = Matrix.from([[0], [1]]).astype("float32");
  const query = Matrix.from([[0.5 + 1e-9]]);
  const expected = kNearest(query, train, 2, euclidean);
  expect(Array.from(expected.indices)).toEqual([1, 0]);
  const centers = Matrix.from([[0], [1 - 1e-9]]);
  const X = Matrix.from([[0.5]]).astype("float32");
  expect(nearestCenters(X, centers).labels[0]).toBe(1);
  for (const runtime of Object.values(runtimes)) {
    const actual = await fastKNearest(runtime, query, train, 2, euclidean, { skipSelf: false, workingMemory: 1 << 20 });
    expect(Array.from(actual.indices)).toEqual(Array.from(expected.indices));
    expect(Array.from(actual.distances)).toEqual(Array.from(expected.distances));
    expect(Array.from(await fastNearestCenters(runtime, X, centers))).toEqual([1]);
  }
});
