// Abort latency of every long-running WebGPU hook (run after `npx tsc -b packages/engine-webgpu`):
//   node packages/engine-webgpu/bench/abort-latency.mjs
// Per hook: the duration of the whole call (inputs sized to take seconds on lavapipe), then the same call aborted
// a third of the way through: the milliseconds from abort() to the rejection, and whether the next call (not
// aborted) gives the same answer as the first.
import { KMeans, KNeighborsClassifier, Matrix, NearestNeighbors, RandomState, registerEngine, StandardScaler } from "@plugml/core";
import { createWebGPUEngine } from "@plugml/engine-webgpu";

registerEngine(createWebGPUEngine({ minElements: 0 }));
const rng = new RandomState(0);
const data = (rows, cols) => new Matrix(Float32Array.from({ length: rows * cols }, () => rng.random() * 10), rows, cols);
const on = (est) => est.setComputationalEngine("webgpu", { fallback: false });
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

async function measure(label, call, answer) {
  await call(undefined); // warm-up: device creation, shader compilation, speed estimates
  let start = performance.now();
  const first = answer(await call(undefined));
  const full = performance.now() - start;
  const controller = new AbortController();
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort();
  }, full / 3);
  const outcome = await call(controller.signal).then(
    () => "resolved",
    (e) => e.name,
  );
  // The timer only fires when the event loop is free: after synchronous host work (validation, scans, copies).
  const latency = abortedAt ? `${(performance.now() - abortedAt).toFixed(0)} ms` : "(timer fired after the result)";
  start = performance.now();
  const next = answer(await call(undefined));
  const again = performance.now() - start;
  console.log(`| ${label} | ${full.toFixed(0)} ms | ${outcome} | ${latency} | ${same(first, next) ? "same" : "DIFFERENT"} (${again.toFixed(0)} ms) |`);
}

console.log("| hook | whole call | aborted after 1/3 | abort -> rejection | next call |");
console.log("|---|---|---|---|---|");

const train = data(40_000, 32);
const queries = data(2_000, 32);
const y = Array.from({ length: train.rows }, (_, i) => i % 7);
const nn = await on(new NearestNeighbors({ nNeighbors: 10 })).fit(train);
await measure("NearestNeighbors.kneighbors 2000 x 40000 x 32, k = 10", (signal) => nn.kneighbors(queries, { signal }), (r) => Array.from(r.indices.data));
const clf = await on(new KNeighborsClassifier({ nNeighbors: 10 })).fit(train, y);
await measure("KNeighborsClassifier.predict 2000 x 40000 x 32, k = 10", (signal) => clf.predict(queries, { signal }), (r) => Array.from(r));

const X = data(200_000, 32);
const init = X.toArray().slice(0, 64);
await measure(
  "KMeans.fit 200000 x 32, k = 64, 5 iterations",
  (signal) => on(new KMeans({ nClusters: 64, init, maxIter: 5, tol: 0 })).fit(X, undefined, { signal }),
  (km) => Array.from(km.labels_),
);
const km = await on(new KMeans({ nClusters: 64, init, maxIter: 1, tol: 0 })).fit(X);
const big = data(1_000_000, 32);
await measure("KMeans.predict 1000000 x 32, k = 64", (signal) => km.predict(big, { signal }), (r) => Array.from(r));
await measure("KMeans.transform 1000000 x 32, k = 64", (signal) => km.transform(big, { signal }), (r) => Array.from(r.data));

const wide = data(4_000_000, 64);
await measure("StandardScaler.fit 4000000 x 64", (signal) => on(new StandardScaler()).fit(wide, undefined, { signal }), (s) => Array.from(s.var_));
const scaler = await on(new StandardScaler()).fit(wide);
await measure("StandardScaler.transform 4000000 x 64", (signal) => scaler.transform(wide, { signal }), (r) => Array.from(r.data.subarray(0, 1_000_000)));
