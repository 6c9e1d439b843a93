// KMeans.init on every path of the CPU engine picks the rows core's TypeScript reference picks for the same
// generator, run after run (the stream continuing across runs), on duplicates, constant data, k = 1, k = n and at
// both ends of float64's range; it reports its threads, and an abort rejects it with core's AbortError.
import {
  AbortError,
  KMeans,
  Matrix,
  RandomState,
  kmeansPlusPlusIndices,
  randomInitIndices,
  registerEngine,
  unregisterEngine,
  type DType,
  type Engine,
  type KMeansHooks,
} from "@plugml/core";
import { createCpuEngine } from "../src/engine.js";

const paths = {
  workers: createCpuEngine({ name: "cpu-init-workers", threads: 2, fastPathMinWork: 0, idleMs: 200 }),
  inline: createCpuEngine({ name: "cpu-init-inline", threads: 0, fastPathMinWork: 0, idleMs: 200 }),
  portable: createCpuEngine({ name: "cpu-init-portable", wasm: false }),
};
afterAll(() => Object.values(paths).forEach((engine) => engine.dispose?.()));

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Rows with integer parts (exact ties among distances) plus noise. */
function data(rows: number, cols: number, seed: number, dtype: DType, scale = 1): Matrix {
  const rand = random(seed);
  return Matrix.from(Float64Array.from({ length: rows * cols }, () => scale * (Math.floor(rand() * 5) + (rand() < 0.3 ? 0 : rand()))), rows, cols).astype(dtype);
}

/** Calls the engine's init hook as core does; returns its result, the threads it reported, and the generator. */
async function init(engine: Engine, X: Matrix, k: number, options: { method?: "k-means++" | "random"; nInit?: number; seed?: number; signal?: AbortSignal } = {}) {
  const threads: [number, string][] = [];
  const rng = new RandomState(options.seed ?? 0);
  const ctx = {
    estimator: "KMeans",
    hook: "init",
    params: { nClusters: k, maxIter: 300, tol: 1e-4 },
    signal: options.signal,
    record: { bytesToDevice: () => undefined, bytesFromDevice: () => undefined, conversion: () => undefined, threads: (n: number, why: string) => threads.push([n, why]) },
    toHost: async (m: Matrix) => m,
    X,
    nSamples: X.rows,
    nFeatures: X.cols,
    dtype: X.dtype,
    method: options.method ?? "k-means++",
    nInit: options.nInit ?? 1,
    random: rng,
  } as unknown as Parameters<NonNullable<KMeansHooks["init"]>>[0];
  const result = await (engine.estimators.KMeans as KMeansHooks).init!(ctx);
  return { ...result, threads, rng };
}

/** The reference's indices for `nInit` runs from `seed`, and the generator after them. */
function reference(X: Matrix, k: number, nInit: number, seed: number, method: "k-means++" | "random" = "k-means++") {
  const rng = new RandomState(seed);
  const indices = Array.from({ length: nInit }, () => Array.from(method === "random" ? randomInitIndices(X.rows, k, rng) : kmeansPlusPlusIndices(X, k, rng)));
  return { indices, rng };
}

/** Checks indices, centers (X's rows, X's dtype) and the generator's state against the reference. */
async function expectReference(engine: Engine, X: Matrix, k: number, nInit: number, seed: number, method: "k-means++" | "random" = "k-means++") {
  const got = await init(engine, X, k, { method, nInit, seed });
  const want = reference(X, k, nInit, seed, method);
  expect(got.indices.map((a) => Array.from(a))).toEqual(want.indices);
  got.centers.forEach((centers, run) => {
    expect(centers.dtype).toBe(X.dtype);
    expect(centers.toArray()).toEqual(want.indices[run].map((row) => Array.from(X.row(row))));
  });
  // The stream continues where the reference's leaves it.
  expect(got.rng.random()).toBe(want.rng.random());
}

describe.each(Object.keys(paths) as (keyof typeof paths)[])("KMeans.init (%s)", (path) => {
  const engine = paths[path];

  describe.each(["float64", "float32"] as const)("%s", (dtype) => {
    test.each(Array.from({ length: 12 }, (_, i) => i + 1))("k-means++ equals the reference, 3 runs (seed %d)", async (seed) => {
      const n = 60 + 53 * seed;
      const k = 2 + ((seed * 7) % 40);
      await expectReference(engine, data(n, 1 + (seed % 9), seed, dtype), k, 3, seed);
    });

    test("random init equals the reference, 4 runs", async () => {
      const X = data(97, 3, 5, dtype);
      await expectReference(engine, X, 11, 4, 3, "random");
      expect((await init(engine, X, 11, { method: "random" })).threads.at(-1)?.[0]).toBe(1);
    });

    test("duplicates and constant data (all potentials 0)", async () => {
      const constant = Matrix.from(new Float64Array(50 * 3).fill(2.5), 50, 3).astype(dtype);
      await expectReference(engine, constant, 7, 2, 1);
      const zeros = Matrix.zeros(40, 2, dtype);
      await expectReference(engine, zeros, 40, 1, 2);
      // Four distinct rows, each repeated: the potential reaches 0 after the fourth center.
      const repeated = Matrix.from(Float64Array.from({ length: 64 * 2 }, (_, i) => (Math.floor(i / 2) % 4) * (1 + (i % 2))), 64, 2).astype(dtype);
      await expectReference(engine, repeated, 9, 3, 4);
    });

    test("k = 1 and k = n", async () => {
      const X = data(37, 4, 9, dtype);
      await expectReference(engine, X, 1, 3, 6);
      await expectReference(engine, X, 37, 2, 6);
    });

    test("magnitudes near the ends of the dtype's range", async () => {
      const big = dtype === "float64" ? 1e307 : 3e37;
      const tiny = dtype === "float64" ? 1e-310 : 1e-42;
      await expectReference(engine, data(301, 5, 3, dtype, big), 13, 2, 8);
      await expectReference(engine, data(301, 5, 4, dtype, tiny), 13, 2, 8);
    });
  });

  test("float64 values near 1.8e308 and subnormals at 5e-324", async () => {
    const rand = random(17);
    const huge = Matrix.from(Float64Array.from({ length: 200 * 3 }, () => (rand() < 0.5 ? -1 : 1) * 1.79e308 * rand()), 200, 3);
    await expectReference(engine, huge, 10, 2, 1);
    const subnormal = Matrix.from(Float64Array.from({ length: 200 * 3 }, () => Math.floor(rand() * 9) * 5e-324), 200, 3);
    await expectReference(engine, subnormal, 10, 2, 1);
  });

  test("reports its threads", async () => {
    const { threads } = await init(engine, data(50, 2, 1, "float64"), 4);
    const [count, why] = threads.at(-1)!;
    if (path === "workers") expect([count, why]).toEqual([2, expect.stringContaining("WebAssembly SIMD on 2 worker threads")]);
    else expect([count, why]).toEqual([1, expect.stringContaining(path === "inline" ? "WebAssembly SIMD on the calling thread" : "pure-TypeScript")]);
  });

  test("an abort during init rejects with AbortError", async () => {
    const X = data(30000, 16, 2, "float64");
    const controller = new AbortController();
    const pending = init(engine, X, 400, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    const started = performance.now();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    // The whole init takes seconds on any path; the abort lands within a few chunks.
    expect(performance.now() - started).toBeLessThan(1000);
    const aborted = new AbortController();
    aborted.abort();
    await expect(init(engine, X, 4, { signal: aborted.signal })).rejects.toBeInstanceOf(AbortError);
  });
});

test("KMeans.fit traces init on the CPU engine, with threads, and fits from the reference's centers", async () => {
  const engine = createCpuEngine({ name: "cpu-init-trace", threads: 2, fastPathMinWork: 0, idleMs: 200 });
  registerEngine(engine);
  registerEngine(createCpuEngine({ name: "cpu-init-trace-portable", wasm: false }));
  try {
    const X = data(500, 3, 11, "float32");
    const km = await new KMeans({ nClusters: 5, nInit: 2, maxIter: 1, randomState: 3 }).setComputationalEngine("cpu-init-trace", { fallback: false }).fit(X);
    const entry = km.engineTrace_.find((e) => e.hook === "init");
    expect(entry).toMatchObject({ engine: "cpu-init-trace", outcome: "ran", threads: { count: 2 } });
    const portable = await new KMeans({ nClusters: 5, nInit: 2, maxIter: 1, randomState: 3 }).setComputationalEngine("cpu-init-trace-portable", { fallback: false }).fit(X);
    expect(km.clusterCenters_.toArray()).toEqual(portable.clusterCenters_.toArray());
  } finally {
    await unregisterEngine("cpu-init-trace");
    await unregisterEngine("cpu-init-trace-portable");
  }
});
