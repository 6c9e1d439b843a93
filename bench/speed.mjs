// `npm run bench`: plugml's engines against scikit-learn and the JavaScript peers on the same data, side by side in
// one invocation (the machine is shared, so only ratios from one run are comparable). Prints one table per workload
// and writes bench/results/speed.json and bench/results/speed.md.
//
//   node bench/speed.mjs                   the whole comparison (about eight minutes; bench/silhouette.mjs and
//                                          bench/radius.mjs run as part of it)
//   node bench/speed.mjs --no-peers        skip the JavaScript peers
//   node bench/speed.mjs --no-webgpu       skip the webgpu engine
//   node bench/speed.mjs --rss-child=NAME  (internal) one workload alone ("knn" or "cosine"), reporting its peak
//                                          resident memory
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KMeans, KNeighborsClassifier, Matrix, NearestNeighbors, registerEngine } from "@plugml/core";
import { cpuEngine, createCpuEngine } from "@plugml/engine-cpu";
import { simdCeiling } from "./lib/ceiling.mjs";
import { blobs } from "./lib/data.mjs";
import { bestOf, peakRss } from "./lib/measure.mjs";
import { markdownReport, printSummary, printTable } from "./lib/report.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const flags = new Set(process.argv.slice(2));

// ---- Workloads ------------------------------------------------------------------------------------------------
const KM = { rows: 100_000, cols: 32, k: 32, maxIter: 50 };
/** Fits per KMeans timing, best taken, on both sides: a fit is short (0.1-0.2 s), so one noisy moment weighs less. */
const KM_REPEATS = 5;
const KNN = { rows: 100_000, cols: 64, classes: 10, queries: 10_000, k: 10 };
/** Embedding search: sentence-embedding-sized vectors, cosine. */
const COS = { rows: 50_000, cols: 384, centers: 50, queries: 1_000, k: 10 };
/** The other metrics, on the KNN data with fewer queries (each is one NearestNeighbors.kneighbors call). */
const METRICS = [
  { metric: "manhattan", queries: 2_000, flopsPerElement: 3 },
  { metric: "chebyshev", queries: 2_000, flopsPerElement: 3 },
  { metric: "minkowski", p: 3, queries: 200, flopsPerElement: 4 },
];
const SUBSET = { portableKnn: 100, mlKnn: 20, tfjs: 500, portableKmeansIter: 5, webgpuKnn: 200, webgpuKmeansIter: 5, webgpuCosine: 50 };

/** KMeans data: heavily overlapping blobs, so that Lloyd runs its 50 iterations; the first k rows start it. */
function kmeansData() {
  const { X } = blobs({ rows: KM.rows, cols: KM.cols, centers: 100, spread: 2, seed: 1 });
  return { X, init: X.slice(0, KM.k * KM.cols) };
}

/** KNN data: 10 classes; train and queries drawn from the same blobs. */
function knnData() {
  const all = blobs({ rows: KNN.rows + KNN.queries, cols: KNN.cols, centers: KNN.classes, spread: 3, seed: 2 });
  return {
    T: all.X.subarray(0, KNN.rows * KNN.cols),
    y: all.y.subarray(0, KNN.rows),
    Q: all.X.subarray(KNN.rows * KNN.cols),
  };
}

/** Cosine data: blobs around 50 directions, training rows and queries from the same blobs. */
function cosineData() {
  const all = blobs({ rows: COS.rows + COS.queries, cols: COS.cols, centers: COS.centers, spread: 1, seed: 3 });
  return { T: all.X.subarray(0, COS.rows * COS.cols), Q: all.X.subarray(COS.rows * COS.cols) };
}

const kmeansFlops = (nIter) => 2 * KM.rows * KM.k * KM.cols * nIter;
// The default path's work: k-means++ compares 2 + ln k candidates per center with every row, then one Lloyd pass.
const kmeansDefaultFlops = () => 2 * KM.rows * KM.cols * (KM.k * (2 + Math.floor(Math.log(KM.k))) + KM.k);
const knnFlops = (queries) => 2 * queries * KNN.rows * KNN.cols;
const cosineFlops = (queries) => 2 * queries * COS.rows * COS.cols;


// ---- plugml ---------------------------------------------------------------------------------------------------
const portable = createCpuEngine({ name: "cpu-portable", wasm: false, threads: 0 });
registerEngine(cpuEngine);
registerEngine(portable);

async function plugmlKMeans(engine, data, dtype, maxIter, repeats) {
  const X = Matrix.from(data.X, KM.rows, KM.cols).astype(dtype);
  const init = Matrix.from(data.init, KM.k, KM.cols).astype(dtype);
  const km = new KMeans({ nClusters: KM.k, init, nInit: 1, maxIter, tol: 0 }).setComputationalEngine(engine, { fallback: false });
  const { seconds } = await bestOf(repeats, () => km.fit(X));
  return { seconds, nIter: km.nIter_, labels: Array.from(km.labels_.subarray(0, 1000)) };
}

async function plugmlKnn(engine, data, dtype, queries, repeats) {
  const T = Matrix.from(data.T, KNN.rows, KNN.cols).astype(dtype);
  const Q = Matrix.from(data.Q.subarray(0, queries * KNN.cols), queries, KNN.cols).astype(dtype);
  const clf = await new KNeighborsClassifier({ nNeighbors: KNN.k }).setComputationalEngine(engine, { fallback: false }).fit(T, Array.from(data.y));
  const { seconds, out } = await bestOf(repeats, () => clf.predict(Q));
  return { seconds, predict: out.slice(0, 1000) };
}

/** The default KMeans path, timed end to end: k-means++ (on the engine when it implements KMeans.init) and one iteration. */
async function plugmlKMeansDefault(engine, data, dtype, repeats) {
  const X = Matrix.from(data.X, KM.rows, KM.cols).astype(dtype);
  const km = new KMeans({ nClusters: KM.k, maxIter: 1, randomState: 0 }).setComputationalEngine(engine, { fallback: false });
  const { seconds } = await bestOf(repeats, () => km.fit(X));
  const init = km.engineTrace_.find((e) => e.hook === "init" && e.outcome === "ran");
  return { seconds, inertia: km.inertia_, initOn: init?.engine, initMs: init?.ms };
}

/** One NearestNeighbors.kneighbors call: `rows` x `cols` training data, the first `queries` queries. */
async function plugmlNeighbors(engine, { T, Q }, shape, dtype, queries, params, repeats) {
  const train = Matrix.from(T, shape.rows, shape.cols).astype(dtype);
  const query = Matrix.from(Q.subarray(0, queries * shape.cols), queries, shape.cols).astype(dtype);
  const nn = await new NearestNeighbors({ nNeighbors: shape.k, ...params }).setComputationalEngine(engine, { fallback: false }).fit(train);
  const { seconds, out } = await bestOf(repeats, () => nn.kneighbors(query));
  return { seconds, indices: out.indices.toArray().slice(0, 100), threads: nn.engineTrace_.at(-1)?.threads };
}

// ---- Peak memory of one workload, in a process of its own -----------------------------------------------------
const rssChild = process.argv.find((a) => a.startsWith("--rss-child="))?.slice("--rss-child=".length);
if (rssChild) {
  const start = performance.now();
  if (rssChild === "knn") await plugmlKnn("cpu", knnData(), "float32", KNN.queries, 1);
  else await plugmlNeighbors("cpu", cosineData(), COS, "float32", COS.queries, { metric: "cosine" }, 1);
  console.log(JSON.stringify({ maxRssBytes: peakRss(), seconds: (performance.now() - start) / 1000 }));
  process.exit(0);
}


function measureRss(workload) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--rss-child=${workload}`], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`RSS child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop());
}

// ---- scikit-learn ---------------------------------------------------------------------------------------------
function findPython() {
  for (const candidate of [process.env.PLUGML_PYTHON, "python3", "/usr/bin/python3", "python"].filter(Boolean)) {
    const probe = spawnSync(candidate, ["-c", "import sklearn, threadpoolctl"], { encoding: "utf8" });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

function runSklearn(python, km, knn, cos, workloads) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "plugml-bench-"));
  try {
    const arrays = {};
    const put = (name, data, shape) => {
      const file = path.join(dir, `${name}.f64`);
      writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      arrays[name] = { file, shape };
    };
    put("kmX", km.X, [KM.rows, KM.cols]);
    put("kmInit", km.init, [KM.k, KM.cols]);
    put("knnT", knn.T, [KNN.rows, KNN.cols]);
    put("knnY", knn.y, [KNN.rows]);
    put("knnQ", knn.Q, [KNN.queries, KNN.cols]);
    put("cosT", cos.T, [COS.rows, COS.cols]);
    put("cosQ", cos.Q, [COS.queries, COS.cols]);
    const manifest = path.join(dir, "manifest.json");
    writeFileSync(manifest, JSON.stringify({ arrays, workloads }));
    const run = spawnSync(python, [path.join(here, "sklearn_bench.py"), manifest], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (run.status !== 0) throw new Error(`scikit-learn bench failed: ${run.stderr}`);
    return JSON.parse(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- WebGPU ---------------------------------------------------------------------------------------------------
/** The adapter scripts/webgpu-probe.mjs finds, or why there is none (the probe runs in a process of its own). */
function webgpuAdapter() {
  const probe = spawnSync(process.execPath, [path.join(here, "..", "scripts", "webgpu-probe.mjs")], { encoding: "utf8" });
  if (probe.status !== 0) return `no WebGPU adapter (scripts/webgpu-probe.mjs exited with ${probe.status})`;
  const field = (name) => probe.stdout.match(new RegExp(`^\\s*${name}:\\s*(.*)$`, "m"))?.[1]?.trim() ?? "";
  return { description: field("description") || field("device") || "an adapter", software: field("architecture") === "software" || field("fallback") === "true" };
}

// ---- The comparison -------------------------------------------------------------------------------------------
const agree = (a, b) => (a && b ? a.filter((v, i) => JSON.stringify(v) === JSON.stringify(b[i])).length / a.length : undefined);

async function main() {
  console.log(`plugml speed bench: node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} x ${os.availableParallelism()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB\n`);
  console.log("WebAssembly SIMD ceiling (bench/lib/ceiling.mjs) ...");
  const ceiling = await simdCeiling();
  const km = kmeansData();
  const knn = knnData();
  const cos = cosineData();
  const tables = [];
  const table = (id, title, flopsOf, dtype) => {
    const t = { id, title, flopsOf, dtype, rows: [] };
    tables.push(t);
    return t;
  };
  const dtypes = ["float32", "float64"];
  const n = (v) => v.toLocaleString("en");
  const kmT = Object.fromEntries(dtypes.map((d) => [d, table(`kmeans-${d}`, `KMeans, explicit init, ${KM.maxIter} Lloyd iterations, ${n(KM.rows)} x ${KM.cols}, k = ${KM.k}, ${d}`, kmeansFlops, d)]));
  const kmdT = Object.fromEntries(dtypes.map((d) => [d, table(`kmeans-default-${d}`, `KMeans default path (k-means++ init + 1 iteration), ${n(KM.rows)} x ${KM.cols}, k = ${KM.k}, ${d}`, kmeansDefaultFlops, d)]));
  const knnT = Object.fromEntries(dtypes.map((d) => [d, table(`knn-${d}`, `KNeighborsClassifier: ${n(KNN.queries)} queries vs ${n(KNN.rows)} x ${KNN.cols}, k = ${KNN.k}, euclidean, ${d}`, knnFlops, d)]));
  const cosT = table("cosine-float32", `NearestNeighbors cosine (embedding search): ${n(COS.queries)} queries vs ${n(COS.rows)} x ${COS.cols}, k = ${COS.k}, float32`, cosineFlops, "float32");
  const metricT = Object.fromEntries(
    METRICS.flatMap((m) =>
      dtypes.map((d) => {
        const name = m.p === undefined ? m.metric : `${m.metric} p = ${m.p}`;
        const flops = (q) => m.flopsPerElement * q * KNN.rows * KNN.cols;
        return [`${m.metric}-${d}`, table(`${m.metric}-${d}`, `NearestNeighbors ${name}: ${n(m.queries)} queries vs ${n(KNN.rows)} x ${KNN.cols}, k = ${KNN.k}, ${d}`, flops, d)];
      }),
    ),
  );

  const python = findPython();
  let sklearn;
  if (python) {
    console.log(`scikit-learn (${python}) ...`);
    const workloads = dtypes.flatMap((dtype) => [
      { id: `kmeans-${dtype}`, kind: "kmeans", dtype, X: "kmX", init: "kmInit", maxIter: KM.maxIter, repeats: KM_REPEATS },
      { id: `kmeans-default-${dtype}`, kind: "kmeans-default", dtype, X: "kmX", k: KM.k, repeats: KM_REPEATS },
      { id: `knn-${dtype}`, kind: "knn", dtype, train: "knnT", y: "knnY", queries: "knnQ", queries_n: KNN.queries, k: KNN.k, repeats: 2 },
      ...METRICS.map((m) => ({ id: `${m.metric}-${dtype}`, kind: "nn", dtype, train: "knnT", queries: "knnQ", queries_n: m.queries, k: KNN.k, metric: m.metric, p: m.p, repeats: 1 })),
    ]);
    workloads.push({ id: "cosine-float32", kind: "nn", dtype: "float32", train: "cosT", queries: "cosQ", queries_n: COS.queries, k: COS.k, metric: "cosine", repeats: 2 });
    sklearn = runSklearn(python, km, knn, cos, workloads);
    const label = `scikit-learn ${sklearn.version}`;
    for (const r of sklearn.results) {
      const t = tables.find((x) => x.id === r.id);
      const work = r.id.startsWith("kmeans-default") ? 1 : r.id.startsWith("kmeans") ? r.nIter : r.id.startsWith("cosine") ? COS.queries : r.id.startsWith("knn") ? KNN.queries : METRICS.find((m) => r.id.startsWith(m.metric)).queries;
      t.rows.push({ engine: label, ...r, work, reference: true });
    }
  } else {
    console.log("scikit-learn not found (python3 -c 'import sklearn' failed): no reference column.");
  }
  const reference = (id) => sklearn?.results.find((r) => r.id === id);
  const inertiaNote = (mine, id) => (reference(id) ? `inertia ${(mine / reference(id).inertia).toFixed(4)}x scikit-learn's (other random draws)` : undefined);

  for (const d of dtypes) {
    console.log(`plugml ${d} ...`);
    const k = await plugmlKMeans("cpu", km, d, KM.maxIter, KM_REPEATS);
    kmT[d].rows.push({ engine: "plugml cpu", ...k, work: k.nIter, agreement: agree(k.labels, reference(`kmeans-${d}`)?.labels) });
    const p = await plugmlKMeans("cpu-portable", km, d, SUBSET.portableKmeansIter, 1);
    kmT[d].rows.push({ engine: "plugml cpu-portable", seconds: (p.seconds * KM.maxIter) / p.nIter, work: KM.maxIter, scaledFrom: `${p.nIter} iterations` });
    const kd = await plugmlKMeansDefault("cpu", km, d, KM_REPEATS);
    kmdT[d].rows.push({ engine: "plugml cpu", ...kd, work: 1, note: [inertiaNote(kd.inertia, `kmeans-default-${d}`), `init on ${kd.initOn} (${kd.initMs?.toFixed(0)} ms)`].filter(Boolean).join("; ") });
    const nk = await plugmlKnn("cpu", knn, d, KNN.queries, 2);
    knnT[d].rows.push({ engine: "plugml cpu", ...nk, work: KNN.queries, agreement: agree(nk.predict, reference(`knn-${d}`)?.predict) });
    const np = await plugmlKnn("cpu-portable", knn, d, SUBSET.portableKnn, 1);
    knnT[d].rows.push({ engine: "plugml cpu-portable", seconds: (np.seconds * KNN.queries) / SUBSET.portableKnn, work: KNN.queries, scaledFrom: `${SUBSET.portableKnn} queries` });
    for (const m of METRICS) {
      const r = await plugmlNeighbors("cpu", knn, KNN, d, m.queries, { metric: m.metric, p: m.p }, m.p === undefined ? 2 : 1);
      metricT[`${m.metric}-${d}`].rows.push({ engine: "plugml cpu", ...r, work: m.queries, agreement: agree(r.indices, reference(`${m.metric}-${d}`)?.indices) });
    }
  }
  console.log("plugml cosine ...");
  const c = await plugmlNeighbors("cpu", cos, COS, "float32", COS.queries, { metric: "cosine" }, 2);
  cosT.rows.push({ engine: "plugml cpu", ...c, work: COS.queries, agreement: agree(c.indices, reference("cosine-float32")?.indices) });

  if (!flags.has("--no-peers")) {
    console.log("JavaScript peers ...");
    const { mlKMeans, mlKnn, tfjsKnn } = await import("./lib/peers.mjs");
    const m = mlKMeans(km.X, KM.rows, KM.cols, km.init, KM.k, KM.maxIter);
    kmT.float32.rows.push({ engine: "ml-kmeans 7.0.1 (float64 arithmetic)", ...m, work: m.nIter });
    const mk = mlKnn(knn.T, knn.y, KNN.rows, KNN.cols, knn.Q, SUBSET.mlKnn, KNN.k);
    knnT.float32.rows.push({ engine: "ml-knn 3.0.0 (float64 arithmetic)", seconds: (mk.seconds * KNN.queries) / SUBSET.mlKnn, work: KNN.queries, scaledFrom: `${SUBSET.mlKnn} queries` });
    const tf = await tfjsKnn(knn.T, KNN.rows, KNN.cols, knn.Q, SUBSET.tfjs, KNN.k);
    knnT.float32.rows.push({ engine: `tfjs 4.22.0 ${tf.backend} backend`, seconds: (tf.seconds * KNN.queries) / SUBSET.tfjs, work: KNN.queries, scaledFrom: `${SUBSET.tfjs} queries` });
  }
  const adapter = flags.has("--no-webgpu") ? "--no-webgpu given" : webgpuAdapter();
  if (typeof adapter === "string") {
    console.log(`webgpu engine: not run (${adapter}).`);
  } else {
    console.log(`webgpu engine on ${adapter.description}${adapter.software ? " (a CPU emulation: correctness only, not GPU speed)" : ""} ...`);
    const { webgpuEngine } = await import("@plugml/engine-webgpu");
    registerEngine(webgpuEngine);
    const label = `plugml webgpu${adapter.software ? " (software adapter)" : ""}`;
    const w = await plugmlKMeans("webgpu", km, "float32", SUBSET.webgpuKmeansIter, 1);
    kmT.float32.rows.push({ engine: label, seconds: (w.seconds * KM.maxIter) / w.nIter, work: KM.maxIter, scaledFrom: `${w.nIter} iterations` });
    const wd = await plugmlKMeansDefault("webgpu", km, "float32", 1);
    kmdT.float32.rows.push({ engine: label, ...wd, work: 1, note: `init on ${wd.initOn} (${wd.initMs?.toFixed(0)} ms)` });
    const wn = await plugmlKnn("webgpu", knn, "float32", SUBSET.webgpuKnn, 1);
    knnT.float32.rows.push({ engine: label, seconds: (wn.seconds * KNN.queries) / SUBSET.webgpuKnn, work: KNN.queries, scaledFrom: `${SUBSET.webgpuKnn} queries` });
    const wc = await plugmlNeighbors("webgpu", cos, COS, "float32", SUBSET.webgpuCosine, { metric: "cosine" }, 1);
    cosT.rows.push({ engine: label, seconds: (wc.seconds * COS.queries) / SUBSET.webgpuCosine, work: COS.queries, scaledFrom: `${SUBSET.webgpuCosine} queries` });
  }

  console.log("peak RSS of the float32 KNN and cosine workloads (child processes) ...\n");
  const rss = { knn: measureRss("knn").maxRssBytes, cosine: measureRss("cosine").maxRssBytes };

  for (const t of tables) {
    for (const row of t.rows) {
      row.gflops = t.flopsOf(row.work) / row.seconds / 1e9;
      if (row.engine === "plugml cpu") row.ofCeiling = row.gflops / ceiling[t.dtype].allThreads;
    }
  }
  for (const t of tables) printTable(t);
  const summary = summaryRows(tables);
  printSummary(summary, ceiling);
  console.log(`Peak RSS, whole process incl. data generation (VmHWM of a child process): float32 KNN ${(rss.knn / 2 ** 20).toFixed(0)} MiB, cosine ${(rss.cosine / 2 ** 20).toFixed(0)} MiB`);

  const others = otherWorkloads();

  const results = {
    others,
    date: new Date().toISOString(),
    machine: { node: process.version, cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGiB: os.totalmem() / 2 ** 30 },
    sklearn: sklearn && { version: sklearn.version, numpy: sklearn.numpy, threadpools: sklearn.threadpools },
    ceiling,
    summary,
    tables: tables.map(({ title, rows }) => ({ title, rows: rows.map(({ labels, predict, indices, ...row }) => row) })),
    peakRssBytes: rss,
  };
  mkdirSync(path.join(here, "results"), { recursive: true });
  writeFileSync(path.join(here, "results", "speed.json"), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(path.join(here, "results", "speed.md"), markdownReport(results));
  console.log(`\nwrote bench/results/speed.json and bench/results/speed.md`);
}

/**
 * The workloads with scripts of their own (each against scikit-learn on the same data, with the peak RSS of a
 * child run): silhouetteScore on 20,000 x 32 and radiusNeighbors on 100,000 x 64. Run as child processes, so that
 * their memory is their own; their lines are printed and kept in the report.
 */
function otherWorkloads() {
  return ["silhouette.mjs", "radius.mjs"].map((script) => {
    console.log(`\nbench/${script} ...`);
    const child = spawnSync(process.execPath, [path.join(here, script)], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`bench/${script} failed: ${child.stderr}`);
    const lines = child.stdout.trim().split("\n");
    for (const line of lines) console.log(`  ${line}`);
    return { script: `bench/${script}`, lines };
  });
}

/** One line per workload: scikit-learn's time, plugml cpu's, their ratio and plugml's share of the SIMD ceiling. */
function summaryRows(tables) {
  return tables.map((t) => {
    const ref = t.rows.find((r) => r.reference);
    const cpu = t.rows.find((r) => r.engine === "plugml cpu");
    return { workload: t.title, sklearn: ref?.seconds, plugml: cpu?.seconds, ratio: ref && cpu ? cpu.seconds / ref.seconds : undefined, ofCeiling: cpu?.ofCeiling };
  });
}

await main();
