// Data stays on the device between Pipeline steps: X is uploaded once per call and only results come back.
import { KMeans, kmeansPlusPlusTrials, NearestNeighbors, Pipeline, StandardScaler, TransferNotAllowedError, isResident, type TraceEntry } from "@plugml/core";
import { WebGPUMatrix } from "@plugml/engine-webgpu";
import { describeWebGPU } from "./adapter.js";
import { blobs, registerVariant } from "./helpers.js";

registerVariant("webgpu", { minElements: 0 });

const sum = (trace: TraceEntry[], key: "bytesToDevice" | "bytesFromDevice", engine = "webgpu") =>
  trace.filter((e) => e.engine === engine).reduce((n, e) => n + e[key], 0);

describeWebGPU("device residency", () => {
  const n = 4000;
  const d = 8;
  const k = 4;
  const X = blobs(n, d, k);
  const xBytes = n * d * 4;
  // One scaled row of each blob (rows i % k belong to blob i): no cluster starts empty, so no relocation traffic.
  let init: number[][] = [];
  beforeAll(async () => {
    const scaler = await new StandardScaler().setComputationalEngine("cpu").fit(X);
    init = (await scaler.transform(X)).toArray().slice(0, k);
  });

  it('transfers: "error" refuses a CPU step reading a GPU step\'s resident output; "allow" moves it and counts it', async () => {
    const mixed = (transfers: "allow" | "error") =>
      new Pipeline([
        ["scale", new StandardScaler().setComputationalEngine("webgpu", { fallback: false })],
        ["cluster", new KMeans({ nClusters: k, init }).setComputationalEngine("cpu", { transfers })],
      ]);
    const error = await mixed("error").fit(X).then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(TransferNotAllowedError);
    expect(error!.message).toBe(
      `KMeans.fit on engine "cpu" would read ${xBytes} bytes of X back from engine "webgpu", and transfers: "error" forbids moving data between devices.`,
    );
    const allowed = mixed("allow");
    await allowed.fit(X);
    expect(sum(allowed.engineTrace_, "bytesFromDevice", "cpu")).toBe(xBytes);
  });

  it("StandardScaler -> KMeans uploads X once in fit and once in predict, and reads back only results", async () => {
    const pipe = new Pipeline([
      ["scale", new StandardScaler()],
      ["cluster", new KMeans({ nClusters: k, init })],
    ]).setComputationalEngine("webgpu", { fallback: false });
    await pipe.fit(X);
    const km = pipe.namedSteps.cluster as KMeans;
    const fitTrace = pipe.engineTrace_;
    expect(fitTrace.every((e) => e.engine === "webgpu" && e.outcome === "ran")).toBe(true);
    // To the device: X once (the scaler's fit upload is reused by its transform), the scaler's mean and scale,
    // the initial centers. Nothing else: the scaled X never leaves the device.
    expect(sum(fitTrace, "bytesToDevice")).toBe(xBytes + 2 * d * 4 + k * d * 4);
    // From the device: column statistics (scaler, and KMeans' tolerance), 16 bytes of status per iteration, the
    // inertia, the centers and the labels.
    expect(sum(fitTrace, "bytesFromDevice")).toBe(3 * d * 4 + 3 * d * 4 + 16 * km.nIter_ + 4 + k * d * 4 + n * 4);

    const seen = pipe.steps.map(([, est]) => est.engineTrace_!.length);
    const labels = (await pipe.predict(X)) as Int32Array;
    expect(labels.length).toBe(n);
    const predictTrace = pipe.steps.flatMap(([, est], i) => est.engineTrace_!.slice(seen[i]));
    expect(predictTrace.map((e) => `${e.estimator}.${e.hook}`)).toEqual(["StandardScaler.transform", "KMeans.predict"]);
    expect(sum(predictTrace, "bytesToDevice")).toBe(xBytes + 2 * d * 4 + k * d * 4);
    expect(sum(predictTrace, "bytesFromDevice")).toBe(n * 4);
    expect(Array.from(labels)).toEqual(Array.from(km.labels_));
  });

  it("with k-means++ the initialisation runs on the device too: no X-sized readback anywhere", async () => {
    const pipe = new Pipeline([
      ["scale", new StandardScaler()],
      ["cluster", new KMeans({ nClusters: k, randomState: 0 })],
    ]).setComputationalEngine("webgpu", { fallback: false });
    await pipe.fit(X.astype("float64"));
    const trace = pipe.engineTrace_;
    expect(trace.filter((e) => e.conversions.includes("X float64 -> float32"))).toHaveLength(1);
    // X, the scaler's mean and scale, the draws of k-means++ (one float per candidate), the initial centers.
    expect(sum(trace, "bytesToDevice")).toBe(xBytes + 2 * d * 4 + (k - 1) * kmeansPlusPlusTrials(k) * 4 + k * d * 4);
    expect(trace.find((e) => e.hook === "init")).toMatchObject({ engine: "webgpu", outcome: "ran" });
    // Back: what the explicit-init fit above reads, plus k-means++'s draws' rows and candidates' potentials (4
    // bytes each per center after the first), the first center's potential, and the chosen rows.
    const km = pipe.namedSteps.cluster as KMeans;
    const trials = kmeansPlusPlusTrials(k);
    const lloydBytes = 3 * d * 4 + 3 * d * 4 + 16 * km.nIter_ + 4 + k * d * 4 + n * 4;
    expect(sum(trace, "bytesFromDevice")).toBe(lloydBytes + 4 + (k - 1) * 2 * trials * 4 + k * d * 4);
    expect(sum(trace, "bytesFromDevice", "core")).toBe(0);
  });

  it("transform with output 'engine' returns a WebGPUMatrix that the next webgpu step binds without a readback", async () => {
    const scaler = await new StandardScaler().setComputationalEngine("webgpu", { fallback: false }).fit(X);
    const Z = await scaler.transform(X, { output: "engine" });
    expect(Z).toBeInstanceOf(WebGPUMatrix);
    expect(isResident(Z) && [Z.engine, Z.rows, Z.cols, Z.dtype]).toEqual(["webgpu", n, d, "float32"]);
    const back = await scaler.inverseTransform(Z);
    expect(scaler.engineTrace_.at(-1)).toMatchObject({ bytesToDevice: 2 * d * 4, bytesFromDevice: xBytes });
    for (let i = 0; i < X.data.length; i++) expect(Math.abs(back.data[i] - X.data[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(X.data[i])));
    // A host engine receiving it reads it back through ctx.toHost, and core counts the bytes.
    const km = await new KMeans({ nClusters: k, init }).setComputationalEngine("cpu", { fallback: false }).fit(Z);
    expect(km.engineTrace_.find((e) => e.hook === "fit")).toMatchObject({ engine: "cpu", bytesFromDevice: xBytes });
    (Z as WebGPUMatrix).dispose();
    await expect((Z as WebGPUMatrix).read()).rejects.toThrow("disposed");
  });

  it("a KNN fit keeps fitX resident and the fitted model answers without uploading the training set again", async () => {
    const nn = await new NearestNeighbors({ nNeighbors: 3 }).setComputationalEngine("webgpu", { fallback: false }).fit(X);
    expect(nn.engineTrace_.find((e) => e.hook === "fit")).toMatchObject({ bytesToDevice: xBytes });
    await nn.kneighbors();
    expect(nn.engineTrace_.at(-1)).toMatchObject({ bytesToDevice: 0, bytesFromDevice: n * 3 * 8 });
  });
});
