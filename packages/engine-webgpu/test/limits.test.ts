// Inputs larger than one storage binding are processed in chunks of rows (proved by lowering the binding limit),
// and calls the engine should not take are declined with a reason, falling back to the CPU engine.
import { EngineDeclinedError, KMeans, KNeighborsClassifier, NearestNeighbors, registerEngine, StandardScaler } from "@plugml/core";
import { DEFAULT_MIN_ELEMENTS, MAX_NEIGHBORS, webgpuEngine } from "@plugml/engine-webgpu";
import { describeWebGPU } from "./adapter.js";
import { blobs, maxRelDiff, registerVariant, uniform } from "./helpers.js";

const whole = registerVariant("webgpu-whole", { minElements: 0 });
// 4 KiB bindings: 3000 x 8 float32 rows (96,000 bytes) go through in dozens of chunks.
const chunked = registerVariant("webgpu-chunked", { minElements: 0, maxBindingBytes: 4096 });
registerEngine(webgpuEngine);

const on = <E extends { setComputationalEngine(e: string, o: object): E }>(e: E, name: string) => e.setComputationalEngine(name, { fallback: false });

/** Runs `body` with `observe` called on every call of the WebGPU method `Class.prototype[method]`. */
async function watching<T>(Class: string, method: string, observe: (...args: unknown[]) => void, body: () => Promise<T>): Promise<T> {
  const proto = (globalThis as unknown as Record<string, { prototype: Record<string, (...a: unknown[]) => unknown> }>)[Class].prototype;
  const original = proto[method];
  proto[method] = function (this: unknown, ...args: unknown[]) {
    observe(...args);
    return original.apply(this, args);
  };
  try {
    return await body();
  } finally {
    proto[method] = original;
  }
}

/** Counts compute dispatches while `body` runs, to show that chunking happened. */
async function countDispatches<T>(body: () => Promise<T>): Promise<{ value: T; dispatches: number }> {
  let dispatches = 0;
  const value = await watching("GPUComputePassEncoder", "dispatchWorkgroups", () => dispatches++, body);
  return { value, dispatches };
}

/** The largest buffer range bound to a kernel while `body` runs. */
async function largestBinding(body: () => Promise<unknown>): Promise<number> {
  let largest = 0;
  await watching(
    "GPUDevice",
    "createBindGroup",
    (descriptor) => {
      for (const { resource } of (descriptor as GPUBindGroupDescriptor).entries) {
        const { buffer, size } = resource as GPUBufferBinding;
        largest = Math.max(largest, size ?? buffer.size);
      }
    },
    body,
  );
  return largest;
}

describeWebGPU("chunking with a lowered binding limit", () => {
  const X = blobs(3000, 8, 4);

  it("KMeans: chunked and unchunked fits agree", async () => {
    const fit = (name: string) => countDispatches(() => on(new KMeans({ nClusters: 4, randomState: 0 }), name).fit(X));
    const [a, b] = [await fit(whole), await fit(chunked)];
    expect(b.dispatches).toBeGreaterThan(5 * a.dispatches);
    expect(Array.from(b.value.labels_)).toEqual(Array.from(a.value.labels_));
    expect(b.value.nIter_).toBe(a.value.nIter_);
    expect(maxRelDiff(b.value.clusterCenters_.data, a.value.clusterCenters_.data)).toBeLessThan(1e-6);
    // Chunk boundaries change the order of float32 partial sums, so agreement is to rounding, not bit for bit.
    expect(maxRelDiff((await b.value.transform(X)).data, (await a.value.transform(X)).data)).toBeLessThan(1e-5);
    expect(Array.from(await b.value.predict(X))).toEqual(Array.from(await a.value.predict(X)));
  });

  it("StandardScaler: chunked and unchunked statistics and transforms agree", async () => {
    const fit = (name: string) => on(new StandardScaler(), name).fit(X);
    const [a, b] = [await fit(whole), await fit(chunked)];
    expect(maxRelDiff(b.mean_!, a.mean_!)).toBeLessThan(1e-6);
    expect(maxRelDiff(b.var_!, a.var_!)).toBeLessThan(1e-6);
    expect(maxRelDiff((await b.transform(X)).data, (await a.transform(X)).data)).toBeLessThan(1e-5);
  });

  it("neighbours: chunked queries and training set give the same neighbours and votes", async () => {
    const queries = uniform(700, 8, 9);
    const train = uniform(3000, 8, 10);
    const y = Array.from({ length: train.rows }, (_, i) => i % 5);
    const fit = (name: string) => on(new KNeighborsClassifier({ nNeighbors: 6, weights: "distance" }), name).fit(train, y);
    const [a, b] = [await fit(whole), await fit(chunked)];
    const { value: nb, dispatches } = await countDispatches(() => b.kneighbors(queries));
    expect(dispatches).toBeGreaterThan(20);
    const na = await a.kneighbors(queries);
    expect(Array.from(nb.indices.data)).toEqual(Array.from(na.indices.data));
    expect(Array.from(nb.distances.data)).toEqual(Array.from(na.distances.data));
    expect(Array.from((await b.kneighbors()).indices.data)).toEqual(Array.from((await a.kneighbors()).indices.data));
    expect(await b.predict(queries)).toEqual(await a.predict(queries));
    expect(Array.from((await b.predictProba(queries)).data)).toEqual(Array.from((await a.predictProba(queries)).data));
  });

  it("kneighbors binds only chunks of the training set, so one larger than a storage binding can be searched", async () => {
    // The training set (96,000 bytes) is far above the 4 KiB bindings; every range bound must stay within one.
    const nn = await on(new NearestNeighbors({ nNeighbors: 6 }), chunked).fit(uniform(3000, 8, 10));
    for (const queries of [uniform(700, 8, 9), undefined]) {
      expect(await largestBinding(() => nn.kneighbors(queries))).toBeLessThanOrEqual(4096);
    }
  });
});

describeWebGPU("declining with a reason", () => {
  it(`inputs below minElements (${DEFAULT_MIN_ELEMENTS} by default) run on the CPU, and the trace says why`, async () => {
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine("webgpu").fit(blobs(100, 4, 2));
    expect(km.engineUsed_).toBe("cpu");
    const declined = km.engineTrace_.find((e) => e.engine === "webgpu" && e.hook === "prepareFit");
    expect(declined).toMatchObject({ hook: "prepareFit", outcome: "skipped" });
    expect(declined!.reason).toMatch(/^input too small for the device: 100 x 4 = 400 elements on the host < minElements 65536/);
  });

  it("the size threshold is a shouldRun: named with fallback: false, a small input runs on the device", async () => {
    // wine's shape: 178 x 13, far below minElements.
    const X = blobs(178, 13, 4);
    const scaler = await new StandardScaler().setComputationalEngine("webgpu", { fallback: false }).fit(X);
    expect(scaler.engineUsed_).toBe("webgpu");
    expect(scaler.engineTrace_.map((e) => `${e.hook}:${e.engine}:${e.outcome}`)).toEqual(["prepareFit:webgpu:ran", "fit:webgpu:ran", "postFit:webgpu:ran"]);
    const Z = await scaler.transform(X);
    const cpu = await new StandardScaler().setComputationalEngine("cpu").fit(X);
    expect(Array.from(Z.data)).toEqual(Array.from((await cpu.transform(X)).data).map((v) => expect.closeTo(v, 5)));
  });

  it("inputs above minElements run on the device with the default engine", async () => {
    const X = blobs(DEFAULT_MIN_ELEMENTS / 8, 8, 3);
    const scaler = await new StandardScaler().setComputationalEngine("webgpu").fit(X);
    expect(scaler.engineUsed_).toBe("webgpu");
  });

  it(`nNeighbors above ${MAX_NEIGHBORS} is declined; without fallback that is an EngineDeclinedError naming the reason`, async () => {
    const train = uniform(200, 3, 1);
    const nn = await new NearestNeighbors({ nNeighbors: MAX_NEIGHBORS + 1 }).setComputationalEngine(whole).fit(train);
    expect(nn.engineUsed_).toBe("cpu");
    expect(nn.engineTrace_.find((e) => e.engine === whole)!.reason).toBe(`nNeighbors=${MAX_NEIGHBORS + 1} is above its manifest's limit of ${MAX_NEIGHBORS}`);
    const strict = new NearestNeighbors({ nNeighbors: MAX_NEIGHBORS + 1 }).setComputationalEngine(whole, { fallback: false });
    const error = await strict.fit(train).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EngineDeclinedError);
    expect((error as Error).message).toContain(`${whole}: nNeighbors=65 is above its manifest's limit of 64`);
  });

  it("StandardScaler with sample weights is declined (the device computes unweighted statistics only)", async () => {
    const X = uniform(300, 3, 3);
    const sampleWeight = Float64Array.from({ length: X.rows }, (_, i) => 1 + (i % 4));
    const scaler = await new StandardScaler().setComputationalEngine(whole).fit(X, undefined, { sampleWeight });
    expect(scaler.engineUsed_).toBe("cpu");
    expect(scaler.engineTrace_.find((e) => e.engine === whole)).toMatchObject({
      hook: "prepareFit",
      outcome: "declined",
      reason: "sample weights are not in its manifest",
    });
    const unweighted = await new StandardScaler().setComputationalEngine("cpu").fit(X);
    expect(Array.from(scaler.mean_!)).not.toEqual(Array.from(unweighted.mean_!));
  });

  it("kneighbors asking for more neighbours than the kernel keeps falls back per call", async () => {
    const nn = await new NearestNeighbors({ nNeighbors: 3 }).setComputationalEngine(whole).fit(uniform(200, 3, 2));
    expect(nn.engineUsed_).toBe(whole);
    // 64 neighbours of each training sample (65 searched, the sample itself dropped) still run on the device.
    expect((await nn.kneighbors(undefined, { nNeighbors: MAX_NEIGHBORS })).indices.cols).toBe(MAX_NEIGHBORS);
    expect(nn.engineUsed_).toBe(whole);
    const { indices } = await nn.kneighbors(undefined, { nNeighbors: MAX_NEIGHBORS + 1 });
    expect(indices.cols).toBe(MAX_NEIGHBORS + 1);
    expect(nn.engineUsed_).toBe("cpu");
    expect(nn.engineTrace_.at(-2)).toMatchObject({ engine: whole, outcome: "declined" });
  });
});
