// silhouetteScore on 20,000 x 32 float32 blobs: engine-cpu against scikit-learn on the same data, times and peak
// resident memory of a child process running one call (VmHWM, see peakRss). Run by `npm run bench` too.
//   node bench/silhouette.mjs                 the comparison
//   node bench/silhouette.mjs --rss-child     (internal) one plugml call alone, reporting its peak RSS
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Matrix, registerEngine, silhouetteScore, withConfig } from "@plugml/core";
import { cpuEngine } from "@plugml/engine-cpu";
import { blobs } from "./lib/data.mjs";
import { peakRss } from "./lib/measure.mjs";

const SHAPE = { rows: 20000, cols: 32, centers: 8, spread: 6, seed: 11 };
const RUNS = 3;

function data() {
  const { X, y } = blobs(SHAPE);
  return { X: Matrix.from(Float32Array.from(X), SHAPE.rows, SHAPE.cols), labels: Int32Array.from(y) };
}


registerEngine(cpuEngine);
const onCpu = (fn) => withConfig({ engines: ["cpu"], fallback: false }, fn);

if (process.argv.includes("--rss-child")) {
  const { X, labels } = data();
  const score = await onCpu(() => silhouetteScore(X, labels));
  console.log(JSON.stringify({ score, maxRssBytes: peakRss() }));
  process.exit(0);
}

const SKLEARN = `
import json, sys, time
import numpy as np
from sklearn.metrics import silhouette_score
X = np.fromfile(sys.argv[1], dtype=np.float32).reshape(${SHAPE.rows}, ${SHAPE.cols})
labels = np.fromfile(sys.argv[2], dtype=np.int32)
best = float("inf")
for _ in range(${RUNS}):
    start = time.perf_counter()
    score = silhouette_score(X, labels)
    best = min(best, time.perf_counter() - start)
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0] * 1024
print(json.dumps({"score": float(score), "seconds": best, "maxRssBytes": hwm}))
`;

function runSklearn(X, labels) {
  const python = [process.env.PLUGML_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean).find((p) => spawnSync(p, ["-c", "import sklearn"]).status === 0);
  if (!python) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), "plugml-silhouette-"));
  try {
    const xFile = path.join(dir, "X.f32");
    const yFile = path.join(dir, "labels.i32");
    writeFileSync(xFile, new Uint8Array(X.data.buffer, X.data.byteOffset, X.data.byteLength));
    writeFileSync(yFile, new Uint8Array(labels.buffer));
    const run = spawnSync(python, ["-c", SKLEARN, xFile, yFile], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`scikit-learn failed: ${run.stderr}`);
    return JSON.parse(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { X, labels } = data();
console.log(`silhouetteScore, ${SHAPE.rows} x ${SHAPE.cols} float32 blobs (${SHAPE.centers} clusters), best of ${RUNS}; node ${process.version}, ${os.availableParallelism()} cores`);
let best = Infinity;
let score;
for (let r = 0; r < RUNS; r++) {
  const start = performance.now();
  score = await onCpu(() => silhouetteScore(X, labels));
  best = Math.min(best, (performance.now() - start) / 1000);
}
const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--rss-child"], { encoding: "utf8" });
if (child.status !== 0) throw new Error(`RSS child failed: ${child.stderr}`);
const rss = JSON.parse(child.stdout.trim().split("\n").pop());
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(`plugml engine-cpu: ${best.toFixed(3)} s, score ${score}, peak RSS of a child run ${mib(rss.maxRssBytes)}`);
const sk = runSklearn(X, labels);
if (sk) {
  console.log(`scikit-learn:      ${sk.seconds.toFixed(3)} s, score ${sk.score}, peak RSS ${mib(sk.maxRssBytes)}`);
  console.log(`speedup ${(sk.seconds / best).toFixed(2)}x, |score difference| ${Math.abs(sk.score - score).toExponential(1)}`);
} else {
  console.log("scikit-learn not found: no reference column.");
}
await cpuEngine.dispose?.();
process.exit(0);
