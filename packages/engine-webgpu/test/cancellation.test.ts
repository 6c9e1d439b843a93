// An abort takes effect within one submission: every long hook runs as a series of short submissions and checks
// its signal between them, waits for the one in flight, frees its buffers and rejects with core's AbortError; the
// next call is unaffected. The abort is fired from inside the second queue.submit, and the pace is lowered so that
// every call below spans several submissions on any device. (bench/abort-latency.mjs measures the latency on
// inputs that take seconds.)
import { AbortError, KMeans, KNeighborsClassifier, Matrix, NearestNeighbors, StandardScaler } from "@plugml/core";
import { requireDevice } from "../src/device.js";
import { describeWebGPU } from "./adapter.js";
import { faultAtSubmit, outstandingAfter, registerVariant, slowDown } from "./helpers.js";

const engine = registerVariant("webgpu-abort", { minElements: 0 });
/** Deterministic data, cheap to make (a seeded generator takes seconds for millions of values under jest). */
/** Element-wise equality; jest's toEqual takes seconds on arrays of millions. */
const same = (a: ArrayLike<unknown>, b: ArrayLike<unknown>) => a.length === b.length && Array.prototype.every.call(a, (v: unknown, i: number) => v === b[i]);
const wave = (rows: number, cols: number, phase: number) => new Matrix(Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.618 + phase) * 5), rows, cols);
const on = <E extends { setComputationalEngine(e: string, o: object): E }>(e: E) => e.setComputationalEngine(engine, { fallback: false });

interface Aborted {
  error: unknown;
  /** Milliseconds from abort() to the rejection. */
  latency: number;
  /** Submissions made after abort() (0: the call stopped after the one in flight). */
  submitsAfter: number;
  /** Pool buffers the call had not given back when it settled. */
  outstanding: number;
}

/** Runs `call` with a signal that is aborted from inside its second queue submission. */
async function abortedAtSecondSubmit(call: (signal: AbortSignal) => Promise<unknown>): Promise<Aborted> {
  const gpu = await requireDevice();
  const controller = new AbortController();
  let outstanding = 0;
  const { error, faultedAt, submitsAfter } = await faultAtSubmit(
    2,
    () => controller.abort(),
    async () => {
      let failure: unknown;
      outstanding = await outstandingAfter(gpu, () => call(controller.signal).catch((e: unknown) => (failure = e)));
      if (failure) throw failure;
    },
  );
  return { error, latency: performance.now() - faultedAt, submitsAfter, outstanding };
}

function expectPromptAbort(a: Aborted): void {
  expect(a.error).toBeInstanceOf(AbortError);
  expect((a.error as Error).message).toBe("The operation was aborted.");
  expect(a.submitsAfter).toBe(0);
  expect(a.outstanding).toBe(0);
  // One submission (SUBMISSION_MS at the device's measured speed) plus slack for a loaded machine.
  expect(a.latency).toBeLessThan(1000);
}

describeWebGPU("cancellation within one submission", () => {
  it("kneighbors and KNeighborsClassifier.predict", async () => {
    const train = wave(8_000, 16, 1);
    const queries = wave(500, 16, 2);
    const nn = await on(new NearestNeighbors({ nNeighbors: 5 })).fit(train);
    const clf = await on(new KNeighborsClassifier({ nNeighbors: 5 })).fit(train, Array.from({ length: train.rows }, (_, i) => i % 4));
    const [neighbors, classes] = [await nn.kneighbors(queries), await clf.predict(queries)];
    await slowDown("neighbors", (500 * 8_000 * 16) / 20);
    expectPromptAbort(await abortedAtSecondSubmit((signal) => nn.kneighbors(queries, { signal })));
    expect(same((await nn.kneighbors(queries)).indices.data, neighbors.indices.data)).toBe(true);
    await slowDown("neighbors", (500 * 8_000 * 16) / 20);
    expectPromptAbort(await abortedAtSecondSubmit((signal) => clf.predict(queries, { signal })));
    expect(same(await clf.predict(queries), classes)).toBe(true);
  });

  it("KMeans.fit within one Lloyd iteration, predict and transform", async () => {
    const X = wave(30_000, 16, 3);
    const init = Array.from({ length: 32 }, (_, c) => Array.from(X.data.subarray(c * 16, c * 16 + 16)));
    const fit = (signal?: AbortSignal) => on(new KMeans({ nClusters: 32, init, maxIter: 1, tol: 0 })).fit(X, undefined, { signal });
    const km = await fit();
    const [labels, distances] = [await km.predict(X), await km.transform(X)];
    for (const call of [fit, (signal: AbortSignal) => km.predict(X, { signal }), (signal: AbortSignal) => km.transform(X, { signal })]) {
      await slowDown("lloyd", (30_000 * 16 * 32) / 20);
      await slowDown("distances", (30_000 * 16 * 32) / 20);
      expectPromptAbort(await abortedAtSecondSubmit(call));
    }
    expect(same((await fit()).labels_, km.labels_)).toBe(true);
    expect(same(await km.predict(X), labels)).toBe(true);
    expect(same((await km.transform(X)).data, distances.data)).toBe(true);
  });

  it("StandardScaler fit and transform", async () => {
    const X = wave(60_000, 16, 4);
    const scaler = await on(new StandardScaler()).fit(X);
    const Z = await scaler.transform(X);
    await slowDown("columns", (60_000 * 16) / 20);
    expectPromptAbort(await abortedAtSecondSubmit((signal) => on(new StandardScaler()).fit(X, undefined, { signal })));
    expect(same((await on(new StandardScaler()).fit(X)).var_!, scaler.var_!)).toBe(true);
    await slowDown("affine", (60_000 * 16) / 20);
    expectPromptAbort(await abortedAtSecondSubmit((signal) => scaler.transform(X, { signal })));
    expect(same((await scaler.transform(X)).data, Z.data)).toBe(true);
  });
});
