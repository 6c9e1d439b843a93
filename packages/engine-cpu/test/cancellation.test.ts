// Aborting ctx.signal stops every long-running hook between chunks of work: the call rejects with core's
// AbortError soon after the abort (not at the end of the work), and the engine's next call is right.
import { AbortError, Matrix } from "@plugml/core";
import { WorkerPool, type PlatformWorker } from "../src/parallel/pool.js";
import { kNearest, lloyd, nearestCenters, resolveMetric } from "../src/kernels/index.js";
import { classifierOf, cpuPaths, kmeansFitCtx, kmeansModelCtx, kmeansOf, knnCtx, scalerFitCtx, scalerModelCtx, scalerOf } from "./hooks.js";

const paths = cpuPaths();
afterAll(() => Object.values(paths).forEach((engine) => engine.dispose?.()));

/** Uniform data in [0, 1) (a seeded generator), as float32 or float64. */
function uniform(rows: number, cols: number, seed: number, dtype: "float32" | "float64" = "float32"): Matrix {
  let s = seed;
  const data = dtype === "float32" ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 16807) % 2147483647) / 2147483647;
  return Matrix.from(data, rows, cols);
}

/**
 * Starts `call`, aborts its signal after `after` ms and returns the milliseconds from the abort to the rejection,
 * which must be core's AbortError with the abort's reason as its cause (a call that finishes first fails the test).
 */
async function abortLatency(call: (signal: AbortSignal) => Promise<unknown>, after: number): Promise<number> {
  const controller = new AbortController();
  const reason = new Error("stop");
  let abortedAt = NaN;
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort(reason);
  }, after);
  const error = await call(controller.signal).then(
    () => new Error("the call finished before the abort"),
    (e: unknown) => e,
  );
  const latency = performance.now() - abortedAt;
  // The error itself first, so that a failure says what came instead (e.g. "the call finished before the abort").
  expect(error instanceof AbortError ? "AbortError" : String(error)).toBe("AbortError");
  expect(error).toBeInstanceOf(AbortError);
  expect((error as AbortError).message).toBe("The operation was aborted.");
  expect((error as AbortError).cause).toBe(reason);
  return latency;
}

/**
 * Bound on abort latency: generous for a shared 2-core machine, far below the calls' seconds of work. (Under jest,
 * whose module sandbox makes plain JavaScript loops many times slower than in Node, the sizes below take longer
 * still; bench/abort-latency.mjs measures the latencies outside it.)
 */
const BOUND_MS = 300;

describe.each(Object.keys(paths) as (keyof typeof paths)[])("on the %s path", (path) => {
  const engine = paths[path];
  const fast = path !== "portable";
  // Several seconds of work unaborted on each path (the portable one is about 20 times slower).
  const knn = fast ? { queries: 20000, train: 100000, cols: 32 } : { queries: 2000, train: 20000, cols: 32 };
  const train = uniform(knn.train, knn.cols, 1);
  const queries = uniform(knn.queries, knn.cols, 2);
  const y = Int32Array.from({ length: knn.train }, (_, i) => i % 3);
  const hooks = classifierOf(engine);

  test.each(["kneighbors", "predict", "predictProba"] as const)("KNN %s rejects soon after an abort; the next call is right", async (hook) => {
    const latency = await abortLatency((signal) => Promise.resolve(hooks[hook](knnCtx(train, y, 3, queries, { k: 10, signal }))), 150);
    expect(latency).toBeLessThan(BOUND_MS);
    const small = uniform(300, 4, 3);
    const found = (await hooks.kneighbors(knnCtx(small, y.subarray(0, 300), 3, undefined, { k: 4 }))) as { indices: Int32Array };
    expect(Array.from(found.indices)).toEqual(Array.from(kNearest(small, small, 4, resolveMetric("euclidean", 2), { skipSelf: true }).indices));
  });

  test("KMeans fit, predict, transform and score reject soon after an abort; the next fit is right", async () => {
    const kmeans = kmeansOf(engine);
    const X = uniform(fast ? 100000 : 30000, 32, 4);
    const init = [Matrix.from(X.data.slice(0, 64 * 32), 64, 32)];
    // Aborted 50 ms in: the fit converges in a few hundred ms, and a loaded machine delays the timer as well.
    expect(await abortLatency((signal) => Promise.resolve(kmeans.fit(kmeansFitCtx(X, init, { maxIter: 300, signal }))), 50)).toBeLessThan(BOUND_MS);
    // Many centers, so that the work is in the kernels rather than in copying the rows.
    const rows = uniform(fast ? 100000 : 20000, 32, 5);
    const centers = uniform(fast ? 1024 : 512, 32, 6);
    for (const hook of ["predict", "score"] as const) {
      expect(await abortLatency((signal) => Promise.resolve(kmeans[hook](kmeansModelCtx(rows, centers, { signal }))), 50)).toBeLessThan(BOUND_MS);
    }
    const transformed = uniform(20000, 32, 7);
    expect(await abortLatency((signal) => Promise.resolve(kmeans.transform(kmeansModelCtx(transformed, centers, { signal }))), 50)).toBeLessThan(BOUND_MS);
    const small = uniform(500, 3, 6, "float64");
    const smallInit = Matrix.from(small.data.slice(0, 12), 4, 3);
    const weights = new Float64Array(500).fill(1);
    const model = (await kmeans.fit(kmeansFitCtx(small, [smallInit], { maxIter: 50 }))) as { labels: Int32Array; inertia: number };
    const expected = lloyd(small, weights, smallInit, 50, 0, () => "continue");
    expect(Array.from(model.labels)).toEqual(Array.from(expected.labels));
    expect(model.inertia).toBeCloseTo(expected.inertia, 10);
    expect(Array.from((await kmeans.predict(kmeansModelCtx(small, smallInit))) as Int32Array)).toEqual(Array.from(nearestCenters(small, smallInit).labels));
  });
});

test("StandardScaler fit, transform and inverseTransform reject soon after an abort; the next fit is right", async () => {
  const scaler = scalerOf(paths.portable);
  const X = uniform(400000, 25, 7, "float64");
  expect(await abortLatency((signal) => Promise.resolve(scaler.fit(scalerFitCtx(X, { signal }))), 20)).toBeLessThan(BOUND_MS);
  const mean = new Float64Array(25).fill(0.5);
  const scale = new Float64Array(25).fill(0.3);
  for (const hook of ["transform", "inverseTransform"] as const) {
    expect(await abortLatency((signal) => Promise.resolve(scaler[hook](scalerModelCtx(X, mean, scale, signal))), 20)).toBeLessThan(BOUND_MS);
  }
  const model = (await scaler.fit(scalerFitCtx(Matrix.from([[1], [3]])))) as { mean: Float64Array; var: Float64Array };
  expect([model.mean[0], model.var[0]]).toEqual([2, 1]);
});

/** A scripted worker: the test decides when it replies. */
class FakeWorker implements PlatformWorker {
  reply: (reply: string | null) => void = () => undefined;
  post(): void {}
  onReply(listener: (reply: string | null) => void): void {
    this.reply = listener;
  }
  onFailure(): void {}
  keepAlive(): void {}
  terminate(): void {}
}

test("the pool stops handing out chunks on abort, rejects once the running ones are done, then runs the next task", async () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const counter = new Int32Array(memory.buffer, 0, 1);
  const created: FakeWorker[] = [];
  const pool = new WorkerPool(2, new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0)), memory, () => {
    created.push(new FakeWorker());
    return created[created.length - 1];
  });
  const controller = new AbortController();
  let settled = false;
  const task = pool.run("k", 100, [], controller.signal).finally(() => (settled = true));
  // The workers have taken chunks 0 and 1 when the abort comes.
  Atomics.add(counter, 0, 2);
  controller.abort();
  expect(Atomics.add(counter, 0, 1)).toBeGreaterThanOrEqual(100);
  created[0].reply(null);
  await Promise.resolve();
  expect(settled).toBe(false);
  created[1].reply(null);
  await expect(task).rejects.toBeInstanceOf(AbortError);
  // An aborted signal rejects at once; the next task runs as usual.
  await expect(pool.run("k", 4, [], controller.signal)).rejects.toBeInstanceOf(AbortError);
  const next = pool.run("k", 4, []);
  created.forEach((worker) => worker.reply(null));
  await next;
  expect(Atomics.load(counter, 0)).toBe(0);
});
