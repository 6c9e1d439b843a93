// One run of the chosen estimator on one engine order: fit (and for the classifier, predict on a held-out split),
// timed, with what the estimator says about the engines that ran it.
import { KMeans, KNeighborsClassifier, Matrix, trainTestSplit, type TraceEntry } from "@plugml/core";
import type { Dataset } from "./data.js";

export type EstimatorName = "KMeans" | "KNeighborsClassifier";

export interface RunSettings {
  estimator: EstimatorName;
  nClusters: number;
  init: "k-means++" | "random";
  nNeighbors: number;
  weights: "uniform" | "distance";
  testSize: number;
  randomState: number;
  /** Engine names, first choice first; only these are tried (fallback: false). */
  engines: string[];
}

export interface RunResult {
  estimator: EstimatorName;
  engines: string[];
  /** KMeans: the cluster of every row. KNeighborsClassifier: the predicted class of every test row. */
  labels: (number | string)[];
  /** Rows the labels are for: every row for KMeans, the test rows for the classifier. */
  rows: number[];
  /** KNeighborsClassifier: the training rows. */
  trainRows: number[];
  engineUsed: string | undefined;
  /** Wall time of fit (+ predict) in milliseconds. */
  ms: number;
  /** Milliseconds of the trace's hook calls, per engine. */
  msByEngine: Record<string, number>;
  trace: TraceEntry[];
  /** Thread counts the engine-cpu entries of the trace report (empty where none did). */
  threads: number[];
  summary: string;
}

function summarize(trace: TraceEntry[]): Pick<RunResult, "msByEngine" | "threads"> {
  const msByEngine: Record<string, number> = {};
  for (const e of trace) msByEngine[e.engine] = (msByEngine[e.engine] ?? 0) + e.ms;
  return { msByEngine, threads: trace.flatMap((e) => (e.threads ? [e.threads.count] : [])) };
}

export async function run(data: Dataset, s: RunSettings): Promise<RunResult> {
  // float32 on every engine: WebGPU computes in float32, so the CPU panels do too and results can be compared.
  const X = Matrix.from(data.rows).astype("float32");
  const all = data.rows.map((_, i) => i);
  if (s.estimator === "KMeans") {
    const km = new KMeans({ nClusters: s.nClusters, init: s.init, randomState: s.randomState }).setComputationalEngine(s.engines, {
      fallback: false,
    });
    const t0 = performance.now();
    await km.fit(X);
    const ms = performance.now() - t0;
    const trace = km.engineTrace_.slice();
    return {
      estimator: s.estimator,
      engines: s.engines,
      labels: Array.from(km.labels_),
      rows: all,
      trainRows: [],
      engineUsed: km.engineUsed_,
      ms,
      trace,
      ...summarize(trace),
      summary: `${km.nIter_} iterations, inertia ${km.inertia_.toPrecision(6)}`,
    };
  }
  if (!data.labels) throw new Error(`${data.name} has no label column: KNeighborsClassifier needs one (a non-numeric column).`);
  const labels = data.labels;
  // Splitting the row numbers splits X the same way and tells which rows are test rows; stratified, seeded.
  const [XTrain, XTest, trainRows, testRows] = await trainTestSplit(X, all, { testSize: s.testSize, stratify: labels, randomState: s.randomState });
  const clf = new KNeighborsClassifier<string>({ nNeighbors: s.nNeighbors, weights: s.weights }).setComputationalEngine(s.engines, {
    fallback: false,
  });
  const t0 = performance.now();
  await clf.fit(XTrain.astype("float32"), trainRows.map((i) => labels[i]));
  const predicted = await clf.predict(XTest.astype("float32"));
  const ms = performance.now() - t0;
  const trace = clf.engineTrace_.slice();
  const correct = predicted.filter((p, k) => p === labels[testRows[k]]).length;
  return {
    estimator: s.estimator,
    engines: s.engines,
    labels: predicted,
    rows: testRows,
    trainRows,
    engineUsed: clf.engineUsed_,
    ms,
    trace,
    ...summarize(trace),
    summary: `accuracy ${((100 * correct) / predicted.length).toFixed(1)} % on ${predicted.length} test rows (${correct} right)`,
  };
}
