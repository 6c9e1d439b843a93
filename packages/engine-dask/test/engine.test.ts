// engine-dask on a real local cluster: results equal engine-cpu's, data read by the workers never passes through
// this process, Pipeline steps on dask hand DaskMatrix objects to each other, the trace says what crossed and where
// it ran, a missing or unreachable scheduler declines without hanging, and the bridge process exits when idle.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  KMeans,
  KNeighborsClassifier,
  Matrix,
  NearestNeighbors,
  Pipeline,
  RandomState,
  registerEngine,
  StandardScaler,
  unregisterEngine,
  type TraceEntry,
} from "@plugml/core";
import { createDaskEngine, DaskMatrix } from "@plugml/engine-dask";
import { saveNpy } from "./npy.js";
import { describeDask, startCluster, type LocalCluster } from "./local-cluster.js";

/** Gaussian-ish blobs: `centers` groups of rows in `cols` features, float32 or float64, seeded. */
function blobs(rows: number, cols: number, centers: number, dtype: "float32" | "float64", seed = 0): Matrix {
  const rng = new RandomState(seed);
  const data = dtype === "float32" ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const c = i % centers;
    for (let j = 0; j < cols; j++) data[i * cols + j] = c * 6 + ((c * 7 + j * 3) % 5) + (rng.random() + rng.random() + rng.random() - 1.5);
  }
  return new Matrix(data, rows, cols);
}

const moved = (trace: readonly TraceEntry[]) => trace.reduce((s, e) => s + e.bytesToDevice + e.bytesFromDevice, 0);

describeDask("engine-dask on a local cluster", () => {
  let cluster: LocalCluster;
  let dir: string;
  beforeAll(async () => {
    cluster = await startCluster(2);
    // DaskMatrix's readers find the scheduler where users set it, in the environment.
    process.env.PLUGML_DASK_SCHEDULER = cluster.scheduler;
    registerEngine(createDaskEngine({ scheduler: cluster.scheduler, idleMs: 300 }));
    dir = mkdtempSync(join(tmpdir(), "plugml-dask-data-"));
  }, 90_000);
  afterAll(async () => {
    delete process.env.PLUGML_DASK_SCHEDULER;
    await unregisterEngine("dask");
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it.each(["float32", "float64"] as const)("KMeans, StandardScaler and KNN equal engine-cpu's results (%s, 6,000 x 8 from the host)", async (dtype) => {
    const X = blobs(6000, 8, 5, dtype);
    const dask = await new KMeans({ nClusters: 5, randomState: 3, nInit: 2 }).setComputationalEngine("dask", { fallback: false }).fit(X);
    const cpu = await new KMeans({ nClusters: 5, randomState: 3, nInit: 2 }).setComputationalEngine("cpu").fit(X);
    expect(dask.engineUsed_).toBe("dask");
    expect(Array.from(dask.labels_)).toEqual(Array.from(cpu.labels_));
    expect(dask.nIter_).toBe(cpu.nIter_);
    expect(dask.inertia_).toBeCloseTo(cpu.inertia_, dtype === "float64" ? 6 : 2);
    const tol = dtype === "float64" ? 1e-9 : 1e-4;
    dask.clusterCenters_.data.forEach((v, i) => expect(Math.abs(v - cpu.clusterCenters_.data[i])).toBeLessThan(tol * Math.max(1, Math.abs(v))));
    expect(Array.from(await dask.predict(X))).toEqual(Array.from(await cpu.predict(X)));

    const s1 = await new StandardScaler().setComputationalEngine("dask", { fallback: false }).fit(X);
    const s2 = await new StandardScaler().setComputationalEngine("cpu").fit(X);
    Array.from(s1.var_!).forEach((v, i) => expect(Math.abs(v - s2.var_![i])).toBeLessThan(1e-9 * Math.max(1, v)));

    const y = Array.from(cpu.labels_);
    const queries = blobs(300, 8, 5, dtype, 9);
    const k1 = await new KNeighborsClassifier({ nNeighbors: 7, metric: "manhattan" }).setComputationalEngine("dask", { fallback: false }).fit(X, y);
    const k2 = await new KNeighborsClassifier({ nNeighbors: 7, metric: "manhattan" }).setComputationalEngine("cpu").fit(X, y);
    expect(await k1.predict(queries)).toEqual(await k2.predict(queries));
    const [n1, n2] = [await k1.kneighbors(queries), await k2.kneighbors(queries)];
    expect(n1.indices.toArray()).toEqual(n2.indices.toArray());
    expect(n1.distances.dtype).toBe(dtype);
  });

  it("host data crosses once per call: KMeans init's upload serves its fit, a scaler's fit serves its transform, unless X changed", async () => {
    const X = blobs(20_000, 8, 4, "float32", 4);
    const bytes = X.data.byteLength;
    const km = await new KMeans({ nClusters: 4, randomState: 0, nInit: 1 }).setComputationalEngine("dask", { fallback: false }).fit(X);
    const [init, fit] = ["init", "fit"].map((h) => km.engineTrace_.find((e) => e.hook === h)!);
    expect(init.bytesToDevice).toBeGreaterThan(bytes);
    expect(fit.bytesToDevice).toBeLessThan(0.01 * bytes);
    expect(fit.conversions).toEqual(["X already on the cluster (sent by the previous hook of this call)"]);

    const scaler = new StandardScaler().setComputationalEngine("dask", { fallback: false });
    const Z = await scaler.fitTransform(X);
    const transform = scaler.engineTrace_.find((e) => e.hook === "transform")!;
    expect(transform.bytesToDevice).toBeLessThan(0.01 * bytes);
    const cpu = await new StandardScaler().setComputationalEngine("cpu").fitTransform(X);
    // float32 results: computed in float64 on the workers and rounded once, within an ulp of engine-cpu's.
    expect(Array.from(Z.data).reduce((m: number, v, i) => Math.max(m, Math.abs(v - cpu.data[i])), 0)).toBeLessThan(1e-6);

    // Changed in place between fit and transform: the kept upload is not used, the new values are sent.
    const Y = blobs(20_000, 8, 4, "float32", 5);
    await scaler.fit(Y);
    Y.data[0] += 1000;
    const changed = await scaler.transform(Y);
    expect(scaler.engineTrace_.find((e) => e.hook === "transform")!.bytesToDevice).toBeGreaterThan(Y.data.byteLength);
    const reference = await new StandardScaler().setComputationalEngine("cpu").fit(blobs(20_000, 8, 4, "float32", 5));
    // The changed value (about 134 standard deviations out), not the stale one (near 0).
    expect(changed.data[0]).toBeCloseTo((await reference.transform(Y)).data[0], 3);
    expect(changed.data[0]).toBeGreaterThan(100);
  });

  it("a KMeans fit on .npy files the workers read moves less than 1% of their bytes through this process", async () => {
    const rows = 40_000, cols = 16, files = 4;
    const X = blobs(rows * files, cols, 8, "float32", 1);
    for (let f = 0; f < files; f++) saveNpy(join(dir, `part-${f}.npy`), X.data.subarray(f * rows * cols, (f + 1) * rows * cols) as Float32Array, rows, cols);
    const D = await DaskMatrix.readNpy(join(dir, "part-*.npy"));
    expect([D.rows, D.cols, D.dtype, D.partitions, D.workers]).toEqual([rows * files, cols, "float32", files, 2]);
    const km = await new KMeans({ nClusters: 8, randomState: 0, nInit: 1 }).setComputationalEngine("dask", { fallback: false }).fit(D);
    const bytes = moved(km.engineTrace_);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(0.01 * D.byteLength);
    const init = km.engineTrace_.find((e) => e.hook === "init")!;
    expect(init.engine).toBe("dask");
    expect(init.threads?.reason).toBe(`4 partitions on 2 of 2 Dask workers (2 threads) of the scheduler ${cluster.scheduler}`);
    // The same model as engine-cpu's on the same rows.
    const cpu = await new KMeans({ nClusters: 8, randomState: 0, nInit: 1 }).setComputationalEngine("cpu").fit(X);
    expect(Array.from(km.labels_)).toEqual(Array.from(cpu.labels_));
    expect(km.inertia_).toBeCloseTo(cpu.inertia_, 0);
    D.dispose();
  });

  it("Pipeline steps on dask hand DaskMatrix objects to each other: nothing X-sized comes back", async () => {
    const X = blobs(20_000, 6, 4, "float64", 2);
    saveNpy(join(dir, "pipe.npy"), X.data as Float64Array, X.rows, X.cols);
    const D = await DaskMatrix.readNpy(join(dir, "pipe.npy"));
    const pipe = new Pipeline([
      ["scale", new StandardScaler()],
      ["cluster", new KMeans({ nClusters: 4, randomState: 0, nInit: 1 })],
    ]).setComputationalEngine("dask", { fallback: false });
    const labels = await pipe.fitPredict(D);
    expect(pipe.engineUsed_).toEqual({ scale: "dask", cluster: "dask" });
    const fromCluster = pipe.engineTrace_.reduce((s, e) => s + e.bytesFromDevice, 0);
    expect(fromCluster).toBeLessThan(0.05 * D.byteLength); // the labels (4 bytes a row) are what comes back
    const transform = pipe.engineTrace_.find((e) => e.hook === "transform")!;
    expect(transform.bytesFromDevice).toBeLessThan(1000);
    const cpu = await new Pipeline([
      ["scale", new StandardScaler()],
      ["cluster", new KMeans({ nClusters: 4, randomState: 0, nInit: 1 })],
    ]).setComputationalEngine("cpu").fitPredict(X);
    expect(Array.from(labels)).toEqual(Array.from(cpu));
  });

  it("explainEngine names the scheduler and the cluster's size", async () => {
    const plan = await new KMeans({ nClusters: 2 }).setComputationalEngine("dask").explainEngine("fit", [[0], [1], [5]]);
    expect(plan.engine).toBe("dask");
    expect(plan.candidates[0]).toEqual({ engine: "dask", verdict: "accepted", where: `the Dask scheduler ${cluster.scheduler} (2 workers, 2 threads)` });
  });

  it("readCsv: the workers parse the files; a DaskMatrix reads back what they hold", async () => {
    writeFileSync(join(dir, "a.csv"), "x,y,label\n1,2,0\n3,4,1\n");
    writeFileSync(join(dir, "b.csv"), "x,y,label\n5,6,0\n");
    const D = await DaskMatrix.readCsv(join(dir, "*.csv"), { columns: [0, 1] });
    expect([D.rows, D.cols, D.partitions]).toEqual([3, 2, 2]);
    expect((await D.read()).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const nn = await new NearestNeighbors({ nNeighbors: 1 }).setComputationalEngine("dask", { fallback: false }).fit(D);
    expect((await nn.kneighbors([[4.9, 6.1]])).indices.toArray()).toEqual([[2]]);
  });

  it("the bridge process exits by itself when idle, and never keeps Node alive", () => {
    // A user's script: one fit, then it waits; its bridge must be gone after idleMs, and the script must end.
    const script = `
      import { execFileSync } from "node:child_process";
      import { StandardScaler, registerEngine } from "@plugml/core";
      import { createDaskEngine } from "@plugml/engine-dask";
      registerEngine(createDaskEngine({ scheduler: ${JSON.stringify(cluster.scheduler)}, idleMs: 200 }));
      const s = await new StandardScaler().setComputationalEngine("dask", { fallback: false }).fit([[1], [2], [4]]);
      const bridges = () => execFileSync("ps", ["-o", "args=", "--ppid", String(process.pid)], { encoding: "utf8" }).split("\\n").filter((l) => l.includes("bridge.py")).length;
      const during = bridges();
      // The fit's upload is kept a second for a transform of the same X; then idleMs (200 ms) passes.
      await new Promise((r) => setTimeout(r, 2500));
      console.log(s.engineUsed_, during, bridges());`;
    const start = performance.now();
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: fileURLToPath(new URL("..", import.meta.url)), encoding: "utf8", timeout: 60_000, env: { ...process.env } });
    expect(out.trim()).toBe("dask 1 0");
    expect(performance.now() - start).toBeLessThan(30_000);
  });
});

describe("engine-dask without a cluster", () => {
  it("declines with the reason when no scheduler is configured, and the CPU engine runs the call", async () => {
    const saved = process.env.PLUGML_DASK_SCHEDULER;
    delete process.env.PLUGML_DASK_SCHEDULER;
    registerEngine({ ...createDaskEngine(), name: "dask-none" });
    try {
      const scaler = await new StandardScaler().setComputationalEngine(["dask-none", "cpu"]).fit([[1], [2]]);
      expect(scaler.engineUsed_).toBe("cpu");
      expect(scaler.engineTrace_[0].reason).toBe("no Dask scheduler: set PLUGML_DASK_SCHEDULER or pass createDaskEngine({ scheduler })");
    } finally {
      await unregisterEngine("dask-none");
      if (saved !== undefined) process.env.PLUGML_DASK_SCHEDULER = saved;
    }
  });

  (describeDask === describe ? it : it.skip)("declines an unreachable scheduler within its connect timeout, never hangs", async () => {
    registerEngine({ ...createDaskEngine({ scheduler: "tcp://127.0.0.1:9", connectTimeout: 1 }), name: "dask-away" });
    try {
      const start = performance.now();
      const plan = await new KMeans({ nClusters: 1 }).setComputationalEngine("dask-away").explainEngine("fit", [[0], [1]]);
      expect(performance.now() - start).toBeLessThan(15_000);
      expect(plan.engine).toBe("cpu");
      expect(plan.candidates[0]).toMatchObject({ engine: "dask-away", verdict: "declined" });
      expect(plan.candidates[0].reason).toMatch(/^no Dask scheduler reachable at tcp:\/\/127\.0\.0\.1:9: /);
    } finally {
      await unregisterEngine("dask-away");
    }
  }, 30_000);
});
