// Abort latency of the CPU engine's long-running hooks: each workload runs once to the end (its full time), then
// again with its signal aborted a third of the way in; printed is the time from abort() to the rejection, and how
// late the abort timer ran (the main thread was busy: up to the pure-TypeScript kernels' 20 ms between yields).
//
//   npm run build && node packages/engine-cpu/bench/abort-latency.mjs
//
// Runs the default engine ("cpu": WebAssembly on the worker pool) and the pure-TypeScript one ("cpu-portable");
// sizes are chosen so that every full call takes a few seconds on a 2-core machine.
import { KMeans, KNeighborsClassifier, Matrix, NearestNeighbors, StandardScaler, registerEngine } from "@plugml/core";
import { createCpuEngine } from "@plugml/engine-cpu";

registerEngine(createCpuEngine({ name: "cpu-portable", wasm: false }));

/** Seeded uniform data in [0, 1). */
function uniform(rows, cols, seed, dtype = "float32") {
  let s = seed;
  const data = dtype === "float32" ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 16807) % 2147483647) / 2147483647;
  return Matrix.from(data, rows, cols);
}

async function measure(name, engine, call) {
  let start = performance.now();
  await call(undefined);
  const full = performance.now() - start;
  const controller = new AbortController();
  let abortedAt = 0;
  const timer = setTimeout(() => {
    abortedAt = performance.now();
    controller.abort();
  }, full / 3);
  start = performance.now();
  const outcome = await call(controller.signal).then(
    () => "finished",
    (error) => error.name,
  );
  clearTimeout(timer);
  const latency = performance.now() - abortedAt;
  // How late the abort timer itself ran: the time the main thread was busy when the abort was due.
  const late = abortedAt - start - full / 3;
  console.log(
    `${name.padEnd(32)} ${engine.padEnd(13)} full ${(full / 1000).toFixed(2).padStart(6)} s   abort() -> ${outcome} in ${latency.toFixed(1).padStart(6)} ms` +
      `   (abort timer ${late.toFixed(1)} ms late)`,
  );
}

const y = (rows) => Int32Array.from({ length: rows }, (_, i) => i % 10);
const workloads = {
  cpu: {
    knn: { queries: 20000, train: 100000, cols: 64 },
    kmeans: { rows: 300000, cols: 32, k: 32 },
    predict: { rows: 800000, cols: 64, k: 2048 },
  },
  "cpu-portable": {
    knn: { queries: 600, train: 100000, cols: 64 },
    kmeans: { rows: 15000, cols: 32, k: 32 },
    predict: { rows: 80000, cols: 64, k: 512 },
  },
};

for (const [engine, size] of Object.entries(workloads)) {
  const T = uniform(size.knn.train, size.knn.cols, 1);
  const Q = uniform(size.knn.queries, size.knn.cols, 2);
  const nn = await new NearestNeighbors({ nNeighbors: 10 }).setComputationalEngine(engine, { fallback: false }).fit(T);
  await measure(`kneighbors ${size.knn.queries}x${size.knn.train}x${size.knn.cols}`, engine, (signal) => nn.kneighbors(Q, { signal }));
  const clf = await new KNeighborsClassifier({ nNeighbors: 10 }).setComputationalEngine(engine, { fallback: false }).fit(T, Array.from(y(T.rows)));
  await measure(`KNN predict ${size.knn.queries}x${size.knn.train}x${size.knn.cols}`, engine, (signal) => clf.predict(Q, { signal }));

  const { rows, cols, k } = size.kmeans;
  const X = uniform(rows, cols, 3);
  const fitKMeans = (signal) =>
    new KMeans({ nClusters: k, nInit: 1, maxIter: 300, tol: 0, init: Matrix.from(X.data.slice(0, k * cols), k, cols), randomState: 0 })
      .setComputationalEngine(engine, { fallback: false })
      .fit(X, undefined, { signal });
  await measure(`KMeans fit ${rows}x${cols}, k=${k}`, engine, fitKMeans);

  const P = uniform(size.predict.rows, size.predict.cols, 4);
  const model = await new KMeans({ nClusters: size.predict.k, nInit: 1, maxIter: 1, init: uniform(size.predict.k, size.predict.cols, 5), randomState: 0 })
    .setComputationalEngine(engine, { fallback: false })
    .fit(uniform(size.predict.k * 4, size.predict.cols, 6));
  await measure(`KMeans predict ${size.predict.rows}x${size.predict.cols}, k=${size.predict.k}`, engine, (signal) => model.predict(P, { signal }));
}

const S = uniform(40000000, 8, 7);
const scaler = new StandardScaler().setComputationalEngine("cpu", { fallback: false });
await measure("StandardScaler fit 40Mx8", "cpu", (signal) => scaler.fit(S, undefined, { signal }));
await measure("StandardScaler transform 40Mx8", "cpu", (signal) => scaler.transform(S, { signal }));
