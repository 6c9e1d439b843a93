// Radius queries: NearestNeighbors.radiusNeighbors on engine-cpu against scikit-learn on the same data.
// 100,000 x 64 float32 training rows (bench/lib/data.mjs blobs), 1,000 queries from the same blobs, a radius set so
// that queries have tens to hundreds of neighbours (the median query's 100th nearest distance). Prints the best of
// a few runs on both sides, how many neighbours both found, and the peak RSS (VmHWM) of a child process that fits
// and queries once. Usage: node bench/radius.mjs (after building the packages; python3 with scikit-learn optional).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Matrix, NearestNeighbors } from "@plugml/core";
import "@plugml/engine-cpu";
import { blobs } from "./lib/data.mjs";
import { bestOf, peakRss } from "./lib/measure.mjs";

const ROWS = 100_000;
const COLS = 64;
const QUERIES = 1_000;
const REPEATS = 3;

/** Training rows and queries, float32, from one draw of the blobs (the queries are its last rows). */
function data() {
  const { X } = blobs({ rows: ROWS + QUERIES, cols: COLS, centers: 100, spread: 2, seed: 7 });
  const all = Float32Array.from(X);
  return { T: new Matrix(all.subarray(0, ROWS * COLS), ROWS, COLS), Q: new Matrix(all.subarray(ROWS * COLS), QUERIES, COLS) };
}

/** The median over 25 queries of the distance to their 100th nearest training row. */
async function chooseRadius(nn, Q) {
  const sample = new Matrix(Q.data.subarray(0, 25 * COLS), 25, COLS);
  const { distances } = await nn.kneighbors(sample, { nNeighbors: 100 });
  const hundredth = Array.from({ length: 25 }, (_, q) => distances.get(q, 99)).sort((a, b) => a - b);
  return hundredth[12];
}



const SKLEARN = `
import json, sys, time
import numpy as np
from sklearn.neighbors import NearestNeighbors
T = np.fromfile(sys.argv[1], dtype="<f4").reshape(${ROWS}, ${COLS})
Q = np.fromfile(sys.argv[2], dtype="<f4").reshape(${QUERIES}, ${COLS})
nn = NearestNeighbors(radius=float(sys.argv[3]), algorithm="brute").fit(T)
best = float("inf")
for _ in range(${REPEATS}):
    start = time.perf_counter()
    dist, ind = nn.radius_neighbors(Q)
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "counts": [len(i) for i in ind]}))
`;

function runSklearn(T, Q, radius) {
  const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import sklearn"]).status === 0);
  if (!python) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), "plugml-radius-"));
  try {
    const put = (name, m) => {
      const file = path.join(dir, name);
      writeFileSync(file, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
      return file;
    };
    const run = spawnSync(python, ["-c", SKLEARN, put("T.f32", T), put("Q.f32", Q), String(radius)], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (run.status !== 0) throw new Error(`scikit-learn failed: ${run.stderr}`);
    return JSON.parse(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const child = process.argv.find((a) => a.startsWith("--rss-child="))?.slice("--rss-child=".length);
if (child) {
  const { T, Q } = data();
  const nn = await new NearestNeighbors({ radius: Number(child) }).setComputationalEngine("cpu", { fallback: false }).fit(T);
  await nn.radiusNeighbors(Q);
  console.log(JSON.stringify({ peakRssBytes: peakRss() }));
  process.exit(0);
}

const { T, Q } = data();
const nn = await new NearestNeighbors().setComputationalEngine("cpu", { fallback: false }).fit(T);
const radius = await chooseRadius(nn, Q);
const { seconds, out } = await bestOf(REPEATS, () => nn.radiusNeighbors(Q, { radius }));
const counts = out.indices.map((row) => row.length);
const sorted = [...counts].sort((a, b) => a - b);
const threads = nn.engineTrace_.at(-1)?.threads;
console.log(`radiusNeighbors: ${ROWS} x ${COLS} float32 training rows, ${QUERIES} queries, radius ${radius.toFixed(4)}`);
console.log(`neighbours per query: min ${sorted[0]}, median ${sorted[QUERIES >> 1]}, max ${sorted[QUERIES - 1]}, total ${counts.reduce((a, b) => a + b, 0)}`);
console.log(`plugml engine-cpu: ${seconds.toFixed(3)} s (best of ${REPEATS}; ${threads ? `${threads.count} threads: ${threads.reason}` : "threads not traced"})`);
const sk = runSklearn(T, Q, radius);
if (sk) {
  const same = sk.counts.filter((c, q) => c === counts[q]).length;
  console.log(`scikit-learn brute: ${sk.seconds.toFixed(3)} s (best of ${REPEATS}); same neighbour count on ${same} of ${QUERIES} queries`);
} else {
  console.log("scikit-learn not found (python3 -c 'import sklearn' failed): no reference time.");
}
const rss = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--rss-child=${radius}`], { encoding: "utf8" });
if (rss.status !== 0) throw new Error(`RSS child failed: ${rss.stderr}`);
const { peakRssBytes } = JSON.parse(rss.stdout.trim().split("\n").pop());
console.log(`peak RSS of a child that fits and queries once: ${(peakRssBytes / 2 ** 20).toFixed(0)} MiB (VmHWM)`);
