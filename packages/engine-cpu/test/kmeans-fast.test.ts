// KMeans transform and score on the fast path equal the pure-TypeScript kernels bit for bit (the same float64
// direct differences, summed in the same order), in both dtypes, with weights, and where the hooks scale the data
// into range; both report their threads, and an abort rejects them with core's AbortError. The fit's tolerance
// statistic on the fast path is the pure-TypeScript one bit for bit, over the whole finite range.
import { AbortError, Matrix, type DType, type KMeansHooks } from "@plugml/core";
import { KernelRuntime } from "../src/fast/runtime.js";
import { fastMeanFeatureVariance } from "../src/fast/variance.js";
import { meanFeatureVariance } from "../src/kernels/stats.js";
import { cpuPaths, kmeansModelCtx, kmeansOf } from "./hooks.js";

const paths = cpuPaths();
afterAll(() => Object.values(paths).forEach((engine) => engine.dispose?.()));

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

function data(rows: number, cols: number, seed: number, dtype: DType, scale: number): Matrix {
  const rand = random(seed);
  return Matrix.from(Float64Array.from({ length: rows * cols }, () => scale * (Math.floor(rand() * 4) + rand())), rows, cols).astype(dtype);
}

/** The hook's result and the threads it reported last. */
async function call<R>(hook: (ctx: Parameters<KMeansHooks["score"]>[0]) => R, X: Matrix, centers: Matrix, sampleWeight?: Float64Array) {
  const threads: [number, string][] = [];
  const ctx = kmeansModelCtx(X, centers, { sampleWeight });
  const value = await hook({ ...ctx, record: { ...ctx.record, threads: (n: number, why: string) => threads.push([n, why]) } });
  return { value, threads: threads.at(-1) };
}

const portable = kmeansOf(paths.portable);

describe.each(["workers", "inline"] as const)("KMeans transform and score on the fast path (%s)", (path) => {
  const hooks = kmeansOf(paths[path]);

  describe.each(["float64", "float32"] as const)("%s", (dtype) => {
    const scales = dtype === "float64" ? [1, 1e300, 1e-300] : [1, 1e30];
    test.each(scales)("equal the pure-TypeScript kernels bit for bit (magnitudes x %d)", async (scale) => {
      for (const [n, d, k] of [[1, 1, 1], [13, 3, 5], [1001, 7, 9], [257, 33, 20]]) {
        const X = data(n, d, n + d, dtype, scale);
        const centers = data(k, d, k, dtype, scale);
        const weights = Float64Array.from({ length: n }, (_, i) => 0.5 + (i % 5));
        const fast = await call((ctx) => hooks.transform(ctx), X, centers);
        const slow = await call((ctx) => portable.transform(ctx), X, centers);
        const [a, b] = [fast.value as Matrix, slow.value as Matrix];
        expect(a.dtype).toBe(dtype);
        expect(Array.from(a.data)).toEqual(Array.from(b.data));
        for (const w of [undefined, weights]) {
          const score = await call((ctx) => hooks.score(ctx), X, centers, w);
          expect(score.value).toBe((await call((ctx) => portable.score(ctx), X, centers, w)).value);
          expect(score.threads?.[1]).toContain("WebAssembly SIMD");
        }
        expect(fast.threads?.[0]).toBe(path === "workers" ? 2 : 1);
        expect(fast.threads?.[1]).toContain("WebAssembly SIMD");
      }
    });
  });

  test("an abort during transform or score rejects with AbortError", async () => {
    const X = data(20000, 16, 1, "float64", 1);
    const centers = data(2000, 16, 2, "float64", 1);
    for (const hook of [hooks.transform, hooks.score]) {
      const controller = new AbortController();
      const ctx = kmeansModelCtx(X, centers, { signal: controller.signal });
      const pending = Promise.resolve(hook(ctx));
      setTimeout(() => controller.abort(new Error("stop")), 10);
      await expect(pending).rejects.toBeInstanceOf(AbortError);
    }
  });
});

test("the full-range path (no single scaling fits) reports one thread", async () => {
  const X = Matrix.from([[1e300, 1e-300], [-1e300, 2e-300]]);
  const centers = Matrix.from([[0, 0]]);
  for (const hook of [kmeansOf(paths.workers).transform, kmeansOf(paths.workers).score, kmeansOf(paths.workers).predict]) {
    const { threads } = await call((ctx) => hook(ctx), X, centers);
    expect(threads).toEqual([1, expect.stringContaining("full-range")]);
  }
});

describe.each(["float64", "float32"] as const)("the tolerance's mean column variance on the fast path (%s)", (dtype) => {
  const runtime = KernelRuntime.create({ threads: 2, idleMs: 100 })!;
  afterAll(() => runtime.dispose());
  const scales = dtype === "float64" ? [1, 1e300, 1e-300, 1e-320] : [1, 3e37, 1e-40];
  test.each(scales)("equals meanFeatureVariance bit for bit (magnitudes x %d)", async (scale) => {
    for (const [n, d] of [[1, 1], [5, 3], [33, 1], [1000, 32], [257, 7]]) {
      const rand = random(n * d + 3);
      // Signed values, not centred, so that the two-pass correction matters.
      const X = Matrix.from(Float64Array.from({ length: n * d }, () => (rand() - 0.3) * scale * (1 + Math.floor(rand() * 3))), n, d).astype(dtype);
      expect(await fastMeanFeatureVariance(runtime, X)).toBe(meanFeatureVariance(X));
    }
  });
});
