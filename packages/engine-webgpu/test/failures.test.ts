// A hook that fails gives back every device buffer it took, whichever step failed.
import { KMeans, Matrix, type KNeighborsContext, type TraceRecorder } from "@plugml/core";
import { createWebGPUEngine, WebGPUMatrix } from "@plugml/engine-webgpu";
import { requireDevice } from "../src/device.js";
import { STORAGE_USAGE } from "../src/kernels/dispatch.js";
import { describeWebGPU } from "./adapter.js";
import { blobs, outstandingAfter, registerVariant, uniform } from "./helpers.js";

const engine = registerVariant("webgpu-failing", { minElements: 0 });

const hooks = createWebGPUEngine({ minElements: 0 }).estimators;
const record: TraceRecorder = { bytesToDevice: () => undefined, bytesFromDevice: () => undefined, conversion: () => undefined, threads: () => undefined };

describeWebGPU("failing hooks release their buffers", () => {
  it("kneighbors frees the uploaded training set when the queries cannot be put on the device", async () => {
    const gpu = await requireDevice();
    // A disposed resident matrix as the queries: the training set (a host matrix, as another engine fitted it)
    // is uploaded first, then the queries are refused.
    const queries = new WebGPUMatrix(gpu, gpu.pool.acquire(64, STORAGE_USAGE), 4, 4, new Float64Array(4));
    queries.dispose();
    const ctx = {
      estimator: "NearestNeighbors",
      hook: "kneighbors",
      params: { nNeighbors: 2, metric: "euclidean", p: 2, weights: "uniform" },
      record,
      toHost: async (X: Matrix) => X,
      model: { fitX: uniform(50, 4, 1) },
      output: "host",
      X: queries,
      nNeighbors: 2,
    } as unknown as KNeighborsContext;
    let error: unknown;
    const outstanding = await outstandingAfter(gpu, () => Promise.resolve(hooks.NearestNeighbors!.kneighbors(ctx)).catch((e: unknown) => (error = e)));
    expect((error as Error).message).toContain("disposed");
    expect(outstanding).toBe(0);
  });

  it("a KMeans fit aborted between iterations frees X, the weights and every run's buffers", async () => {
    const gpu = await requireDevice();
    const X = blobs(2000, 4, 3);
    const sampleWeight = Float64Array.from({ length: X.rows }, (_, i) => 1 + (i % 3));
    const controller = new AbortController();
    const km = new KMeans({ nClusters: 3, nInit: 2, init: "random", randomState: 0, tol: 0 }).setComputationalEngine(engine, { fallback: false });
    let error: unknown;
    const fit = () => km.fit(X, undefined, { sampleWeight, signal: controller.signal, onIteration: (info) => void (info.iteration === 2 && controller.abort()) });
    const outstanding = await outstandingAfter(gpu, () => fit().catch((e: unknown) => (error = e)));
    expect((error as Error).name).toBe("AbortError");
    expect(outstanding).toBe(0);
  });
});
