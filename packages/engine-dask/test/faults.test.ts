// A worker killed during a fit: Dask recomputes what it held from the source (the .npy files its partitions were
// read from, or the tasks that carry host data), and the fit completes with the same model; with no worker left,
// the fit rejects with a clear error instead of hanging.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KMeans, Matrix, RandomState, registerEngine, unregisterEngine } from "@plugml/core";
import { createDaskEngine, DaskMatrix } from "@plugml/engine-dask";
import { saveNpy } from "./npy.js";
import { describeDask, startCluster, type LocalCluster } from "./local-cluster.js";

function data(rows: number, cols: number): Matrix {
  const rng = new RandomState(5);
  const X = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) X[i * cols + j] = (i % 6) * 4 + rng.random() * 3;
  return new Matrix(X, rows, cols);
}

/** A KMeans fit on dask that kills `victim` with SIGKILL after its second iteration. */
async function fitKilling(X: Matrix | DaskMatrix, victim: LocalCluster["workers"][number] | undefined) {
  const km = new KMeans({ nClusters: 6, randomState: 1, nInit: 1, tol: 0, maxIter: 30 }).setComputationalEngine("dask", { fallback: false });
  await km.fit(X, undefined, {
    onIteration: (info) => {
      if (info.iteration === 2 && victim) victim.kill("SIGKILL");
    },
  });
  return km;
}

describeDask("engine-dask when a worker dies", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "plugml-dask-faults-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a fit on .npy data completes with the same model: the lost partitions are read again from their files", async () => {
    const cluster = await startCluster(2);
    registerEngine(createDaskEngine({ scheduler: cluster.scheduler }));
    try {
      const X = data(80_000, 8);
      for (let f = 0; f < 4; f++) saveNpy(join(dir, `p${f}.npy`), X.data.subarray(f * 20_000 * 8, (f + 1) * 20_000 * 8) as Float32Array, 20_000, 8);
      const D = await DaskMatrix.readNpy(join(dir, "p*.npy"), { scheduler: cluster.scheduler });
      const calm = await fitKilling(D, undefined);
      const hit = await fitKilling(D, cluster.workers[0]);
      expect(cluster.workers[0].signalCode).toBe("SIGKILL");
      expect(hit.engineUsed_).toBe("dask");
      expect(Array.from(hit.labels_)).toEqual(Array.from(calm.labels_));
      expect(hit.clusterCenters_.toArray()).toEqual(calm.clusterCenters_.toArray());
      expect(hit.nIter_).toBe(calm.nIter_);
      D.dispose();
    } finally {
      await unregisterEngine("dask");
      await cluster.stop();
    }
  }, 120_000);

  it("a fit on host data survives one lost worker (the scheduler keeps the tasks that carry it); with none left it rejects", async () => {
    const cluster = await startCluster(2);
    registerEngine(createDaskEngine({ scheduler: cluster.scheduler }));
    try {
      const X = data(30_000, 4);
      const cpu = await new KMeans({ nClusters: 6, randomState: 1, nInit: 1, tol: 0, maxIter: 30 }).setComputationalEngine("cpu").fit(X);
      const hit = await fitKilling(X, cluster.workers[0]);
      expect(Array.from(hit.labels_)).toEqual(Array.from(cpu.labels_));
      // The last worker goes too: the fit cannot complete, and says why instead of waiting forever.
      const start = performance.now();
      const error = await fitKilling(X, cluster.workers[1]).then(() => undefined, (e: unknown) => e);
      expect(String(error)).toMatch(/BridgeError: RuntimeError: no Dask worker has been left on the cluster for 10 s/);
      expect(performance.now() - start).toBeLessThan(60_000);
    } finally {
      await unregisterEngine("dask");
      await cluster.stop();
    }
  }, 150_000);
});
