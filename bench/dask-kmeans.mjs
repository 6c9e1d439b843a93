// KMeans on a Dask cluster from .npy files the workers read: `node bench/dask-kmeans.mjs [rows] [files]` writes
// rows x 16 float32 blobs in `files` .npy files (numpy, in a Python child), starts a local cluster (a scheduler and
// two single-threaded workers on 127.0.0.1), and fits KMeans (k = 8, k-means++, one run) on dask in a fresh Node
// process, printing the time per iteration, the bytes that crossed between that process and the cluster (from the
// trace), and its peak RSS (VmHWM), against the data's size. Pass --address tcp://host:port to use a running
// scheduler whose workers see the same paths instead.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const address = args.includes("--address") ? args[args.indexOf("--address") + 1] : undefined;
const [rows = 4_000_000, files = 8] = args.filter((a) => /^\d+$/.test(a)).map(Number);
const cols = 16;
const python = ["python3", "/usr/bin/python3"].find((p) => {
  try {
    execFileSync(p, ["-c", "import distributed"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});
if (!python) throw new Error("bench/dask-kmeans.mjs needs dask.distributed (apt-get install python3-distributed)");

const dir = mkdtempSync(join(tmpdir(), "plugml-dask-bench-"));
console.log(`writing ${rows.toLocaleString("en")} x ${cols} float32 rows in ${files} .npy files to ${dir}`);
execFileSync(python, ["-c", `
import numpy as np
rng = np.random.default_rng(0)
centers = rng.uniform(-20, 20, size=(8, ${cols}))
per = ${rows} // ${files}
for f in range(${files}):
    labels = rng.integers(0, 8, size=per)
    X = (centers[labels] + rng.normal(scale=8.0, size=(per, ${cols}))).astype(np.float32)
    np.save("${dir}/part-%02d.npy" % f, X)
`]);

const procs = [];
let scheduler = address;
if (!scheduler) {
  const file = join(dir, "scheduler.json");
  const quiet = { stdio: "ignore" };
  procs.push(spawn("dask-scheduler", ["--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", file], quiet));
  while (!existsSync(file) || !readFileSync(file, "utf8").includes("address")) await new Promise((r) => setTimeout(r, 100));
  scheduler = JSON.parse(readFileSync(file, "utf8")).address;
  for (let w = 0; w < 2; w++) procs.push(spawn("dask-worker", [scheduler, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--memory-limit", "0", "--local-directory", dir], quiet));
  const joined = () => execFileSync(python, ["-c", `from distributed import Client; c = Client("${scheduler}", timeout=5); print(len(c.scheduler_info()["workers"])); c.close()`], { encoding: "utf8" }).trim();
  while (Number(joined()) < 2) await new Promise((r) => setTimeout(r, 200));
}

const fit = `
import { readFileSync } from "node:fs";
import { KMeans } from "@plugml/core";
import { DaskMatrix } from "@plugml/engine-dask";
const t0 = performance.now();
const X = await DaskMatrix.readNpy(${JSON.stringify(join(dir, "part-*.npy"))});
const tRead = performance.now();
const stamps = [];
const km = new KMeans({ nClusters: 8, randomState: 0, nInit: 1 }).setComputationalEngine("dask", { fallback: false });
const tStart = performance.now();
await km.fit(X, undefined, { onIteration: (i) => void stamps.push([performance.now(), i.centerShift]) });
const tFit = performance.now();
const entry = (h) => km.engineTrace_.find((e) => e.hook === h && e.outcome === "ran");
const moved = km.engineTrace_.reduce((s, e) => s + e.bytesToDevice + e.bytesFromDevice, 0);
const hwm = Number(/^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
console.log(JSON.stringify({ rows: X.rows, cols: X.cols, partitions: X.partitions, workers: X.workers, bytes: X.byteLength, readMs: tRead - t0, initMs: entry("init").ms, fitMs: entry("fit").ms, totalMs: tFit - tRead,
  iterations: km.nIter_, stamps: stamps.map(([t]) => t), fitStart: tStart + entry("init").ms, moved, init: [entry("init").bytesToDevice, entry("init").bytesFromDevice], fitBytes: [entry("fit").bytesToDevice, entry("fit").bytesFromDevice], hwm, inertia: km.inertia_, threads: entry("fit").threads }));
X.dispose();
`;
try {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", fit], { cwd: root, encoding: "utf8", env: { ...process.env, PLUGML_DASK_SCHEDULER: scheduler, PLUGML_DASK_PYTHON: python }, maxBuffer: 1 << 24 });
  const r = JSON.parse(out.trim().split("\n").pop());
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  // Iteration i ends at its report; the first starts when init ends (approximately: the trace's init time).
  const gaps = r.stamps.map((t, i) => t - (i === 0 ? r.fitStart : r.stamps[i - 1]));
  console.log(`data: ${r.rows.toLocaleString("en")} x ${r.cols} float32 = ${mib(r.bytes)} in ${r.partitions} partitions on ${r.workers} workers (${r.threads.reason})`);
  console.log(`readNpy: ${r.readMs.toFixed(0)} ms (the workers load the files)`);
  console.log(`init (k-means++ on the workers): ${r.initMs.toFixed(0)} ms, ${r.init[0]} bytes out, ${r.init[1]} bytes back`);
  console.log(`fit: ${r.iterations} iterations in ${r.fitMs.toFixed(0)} ms; per iteration ${gaps.map((g) => g.toFixed(0)).join(", ")} ms (${gaps.length ? `range ${Math.min(...gaps).toFixed(0)}-${Math.max(...gaps).toFixed(0)} ms, median ${[...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)].toFixed(0)} ms)` : "-"}; ${r.fitBytes[0]} bytes out, ${r.fitBytes[1]} bytes back (labels packed in 3 bits)`);
  console.log(`through this process: ${r.moved.toLocaleString("en")} bytes = ${((100 * r.moved) / r.bytes).toFixed(3)}% of the data`);
  console.log(`peak RSS of this process: ${mib(r.hwm)} = ${((100 * r.hwm) / r.bytes).toFixed(1)}% of the data's size; inertia ${r.inertia.toExponential(6)}`);
} finally {
  for (const p of procs) p.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
