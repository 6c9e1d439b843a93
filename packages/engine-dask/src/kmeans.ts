/**
 * KMeans on the cluster. Lloyd's loop runs here, one request per iteration: the centers go out, each partition
 * assigns its rows (the labels stay on the workers) and returns its clusters' float64 sums and weights, and only
 * those cross the network. The update, empty-cluster relocation and convergence test are engine-cpu's (scikit-learn
 * 1.2.1's), so the same initial centers give the same model. k-means++ draws from core's seeded generator here and
 * hands the draws to the workers, so the same randomState picks the same rows as on every other engine.
 */
import {
  Matrix,
  NotSupportedByEngineError,
  kmeansPlusPlusTrials,
  randomInitIndices,
  takeRows,
  type DataMatrix,
  type KMeansHooks,
  type KMeansInitResult,
  type KMeansModel,
  type TraceRecorder,
} from "@plugml/core";
import { bytesOf, float64s, int32s, type Bridge } from "./bridge.js";
import type { Cluster } from "./cluster.js";
import { deliver, hostMatrix } from "./results.js";
import type { DaskMatrix } from "./matrix.js";

/** Largest |x| whose squared distances (summed over features and rows) stay finite and exact enough in float64. */
const SAFE_MAX = 2 ** 200;

export function kmeansHooks(cluster: Cluster): KMeansHooks {
  return {
    accepts: () => cluster.reachable(),

    async init(ctx): Promise<KMeansInitResult> {
      const k = ctx.params.nClusters;
      const input = await cluster.input(ctx, ctx.X);
      try {
        const { bridge } = input;
        let indices: Int32Array[];
        if (ctx.method === "random") {
          indices = Array.from({ length: ctx.nInit }, () => randomInitIndices(ctx.nSamples, k, ctx.random));
        } else {
          await requireSafeRange(input.matrix, ctx.record);
          // The draws of core's reference, in its order: per run randInt(n), then per further center its trials.
          const trials = kmeansPlusPlusTrials(k);
          const firsts: number[] = [];
          const uniforms = new Float64Array(ctx.nInit * (k - 1) * trials);
          let u = 0;
          for (let run = 0; run < ctx.nInit; run++) {
            firsts.push(ctx.random.randInt(ctx.nSamples));
            for (let c = 1; c < k; c++) for (let t = 0; t < trials; t++) uniforms[u++] = ctx.random.random();
          }
          const reply = await bridge.request("kmeans_plusplus", { key: input.matrix.key, k, trials, firsts, uniforms: bytesOf(uniforms) }, ctx.record);
          const all = int32s(reply.indices);
          indices = firsts.map((_, run) => Int32Array.from(all.subarray(run * k, (run + 1) * k)));
        }
        // Host X gives its own rows (exactly, as the contract wants); a DaskMatrix gives the chosen rows only.
        const centers = isHost(ctx.X) ? indices.map((rows) => takeRows(ctx.X as Matrix, rows)) : await rowsOf(bridge, input.matrix, indices, ctx.record);
        return { indices, centers };
      } finally {
        // fit comes next with the same X: it takes this upload instead of sending X again.
        input.keep();
      }
    },

    async fit(ctx): Promise<KMeansModel> {
      const input = await cluster.input(ctx, ctx.X);
      try {
        const { bridge } = input;
        const matrix = input.matrix;
        await requireSafeRange(matrix, ctx.record);
        const { sampleWeight, initialCenters, iterations } = ctx.extra;
        const { nClusters: k, maxIter, tol } = ctx.params;
        let tolAbs = 0;
        if (tol !== 0) {
          // As scikit-learn's _tolerance: tol times the mean of the (unweighted) column variances.
          const moments = await bridge.request("moments", { key: matrix.key }, ctx.record);
          const variances = float64s(moments.var);
          tolAbs = tol * (variances.reduce((s, v) => s + v, 0) / variances.length);
        }
        const weights = sampleWeight.every((w) => w === 1) ? undefined : bytesOf(sampleWeight);
        let best: { run: LloydRun; session: string } | undefined;
        for (const init of initialCenters) {
          const { session } = (await bridge.request("lloyd_start", { key: matrix.key, k, weights }, ctx.record)) as { session: string };
          let run: LloydRun;
          try {
            run = await lloyd(bridge, session, matrix, init, maxIter, tolAbs, ctx.record, (i) => iterations.reportIteration(i));
          } catch (e) {
            await bridge.request("lloyd_cancel", { session }).catch(() => undefined);
            throw e;
          }
          // Strictly lower, as scikit-learn: on ties the earlier initialisation is kept.
          if (!best || run.inertia < best.run.inertia) {
            if (best) await bridge.request("lloyd_cancel", { session: best.session });
            best = { run, session };
          } else {
            await bridge.request("lloyd_cancel", { session });
          }
        }
        const bits = Math.max(1, Math.ceil(Math.log2(k)));
        const reply = await bridge.request("lloyd_labels", { session: best!.session, bits }, ctx.record);
        await bridge.request("lloyd_cancel", { session: best!.session });
        return { clusterCenters: best!.run.centers, labels: unpack(reply.labels as Uint8Array, bits, matrix.rows), inertia: best!.run.inertia, nIter: best!.run.nIter };
      } finally {
        input.release();
      }
    },

    async predict(ctx) {
      const { reply } = await modelCall(cluster, ctx, "labels");
      return Int32Array.from(int32s(reply.labels));
    },

    async transform(ctx) {
      const { bridge, reply } = await modelCall(cluster, ctx, "transform", { output: ctx.output });
      return deliver(bridge, reply, ctx.X.rows, ctx.model.clusterCenters.rows, ctx.X.dtype);
    },

    async score(ctx) {
      const weights = ctx.sampleWeight.every((w) => w === 1) ? undefined : bytesOf(ctx.sampleWeight);
      const { reply } = await modelCall(cluster, ctx, "score", { weights });
      return reply.score as number;
    },
  };
}

function isHost(X: DataMatrix): X is Matrix {
  return X instanceof Matrix;
}

/** The model hooks' one request: X on the cluster, the centers broadcast with the task. */
async function modelCall(
  cluster: Cluster,
  ctx: { X: DataMatrix; model: Readonly<KMeansModel>; record: TraceRecorder } & Parameters<Cluster["input"]>[0],
  what: "labels" | "transform" | "score",
  extra: Record<string, unknown> = {},
): Promise<{ bridge: Bridge; reply: Record<string, unknown> }> {
  const input = await cluster.input(ctx, ctx.X);
  try {
    const { bridge } = input;
    const C = ctx.model.clusterCenters.astype(ctx.X.dtype);
    const reply = await bridge.request("kmeans_predict", { key: input.matrix.key, centers: bytesOf(C.data), k: C.rows, what, ...extra }, ctx.record);
    return { bridge, reply };
  } finally {
    input.release();
  }
}

/**
 * Declines data whose squared distances float64 cannot hold (engine-cpu rescales those); init and fit of one call
 * share the matrix, so the pass over it runs once.
 */
async function requireSafeRange(matrix: DaskMatrix, record: TraceRecorder): Promise<void> {
  const maxAbs = await matrix.maxAbs(record);
  if (!(maxAbs <= SAFE_MAX)) {
    throw new NotSupportedByEngineError(`values up to ${maxAbs} would overflow squared distances in float64 on the workers (the limit is 2^200)`);
  }
}

async function rowsOf(bridge: Bridge, matrix: DaskMatrix, indices: Int32Array[], record: TraceRecorder): Promise<Matrix[]> {
  const out: Matrix[] = [];
  for (const rows of indices) {
    const reply = await bridge.request("take_rows", { key: matrix.key, indices: bytesOf(rows) }, record);
    out.push(hostMatrix(reply.data, rows.length, matrix.cols, matrix.dtype));
  }
  return out;
}

/** What one Lloyd run ends with. */
interface LloydRun {
  centers: Matrix;
  inertia: number;
  nIter: number;
}

/** Labels packed `bits` bits each (see the bridge's `pack`), unpacked. */
export function unpack(bytes: Uint8Array, bits: number, n: number): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0, pos = 0; i < n; i++) {
    let v = 0;
    for (let b = 0; b < bits; b++, pos++) v |= ((bytes[pos >> 3] >> (pos & 7)) & 1) << b;
    labels[i] = v;
  }
  return labels;
}

/**
 * Lloyd's algorithm, as engine-cpu's `lloydSteps` (scikit-learn 1.2.1's `_kmeans_single_lloyd`), with the
 * assignment passes on the cluster: stops when no label changes (strict convergence), when the total squared
 * center shift is at most `tolAbs`, after `maxIter` iterations, or when `report` says "stop"; unless the labels
 * converged strictly, they are then reassigned to the final centers.
 */
async function lloyd(
  bridge: Bridge,
  session: string,
  matrix: DaskMatrix,
  init: Matrix,
  maxIter: number,
  tolAbs: number,
  record: TraceRecorder,
  report: (info: { iteration: number; centerShift: number; converged: boolean }) => "continue" | "stop",
): Promise<LloydRun> {
  const { dtype, cols } = matrix;
  const k = init.rows;
  let centers = init.astype(dtype);
  let nIter = 0;
  let strict = false;
  while (nIter < maxIter) {
    const step = await bridge.request("lloyd_step", { session, centers: bytesOf(centers.data) }, record);
    const sums = Float64Array.from(float64s(step.sums));
    const weights = Float64Array.from(float64s(step.weights));
    await relocateEmptyClusters(bridge, session, centers, sums, weights, record);
    const centersNew = Matrix.zeros(k, cols, dtype);
    for (let j = 0; j < k; j++) {
      // scikit-learn's _average_centers multiplies by the reciprocal, and leaves a cluster still empty at its raw sum.
      const alpha = weights[j] > 0 ? 1 / weights[j] : 1;
      for (let f = 0; f < cols; f++) centersNew.data[j * cols + f] = sums[j * cols + f] * alpha;
    }
    let shift = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let f = 0; f < cols; f++) {
        const d = centersNew.data[j * cols + f] - centers.data[j * cols + f];
        s += d * d;
      }
      // Squaring the square root reproduces scikit-learn's rounding: it stores per-cluster euclidean shifts.
      const one = Math.sqrt(s);
      shift += one * one;
    }
    centers = centersNew;
    nIter++;
    strict = nIter > 1 && step.changed === 0;
    const converged = strict || shift <= tolAbs;
    const action = report({ iteration: nIter, centerShift: shift, converged });
    if (converged || action === "stop") break;
  }
  if (!strict) await bridge.request("lloyd_step", { session, centers: bytesOf(centers.data) }, record);
  const { inertia } = (await bridge.request("lloyd_inertia", { session, centers: bytesOf(centers.data) }, record)) as { inertia: number };
  return { centers, inertia, nIter };
}

/**
 * engine-cpu's `relocateEmptyClusters` (scikit-learn 1.2.1's `_relocate_empty_clusters_dense`): each cluster with
 * total weight 0 takes one of the points farthest from their assigned (old) center, farthest first, ties to the
 * lower row index; the workers find them, only those rows come back.
 */
async function relocateEmptyClusters(bridge: Bridge, session: string, centers: Matrix, sums: Float64Array, weights: Float64Array, record: TraceRecorder): Promise<void> {
  const empty: number[] = [];
  for (let j = 0; j < weights.length; j++) if (weights[j] === 0) empty.push(j);
  if (empty.length === 0) return;
  const cols = centers.cols;
  const far = await bridge.request("lloyd_farthest", { session, centers: bytesOf(centers.data), count: empty.length }, record);
  const rows = float64s(far.rows);
  const w = float64s(far.weights);
  const labels = int32s(far.labels);
  for (let e = 0; e < empty.length && e < labels.length; e++) {
    const target = empty[e];
    const source = labels[e];
    for (let f = 0; f < cols; f++) {
      const value = rows[e * cols + f] * w[e];
      sums[source * cols + f] -= value;
      sums[target * cols + f] = value;
    }
    weights[target] = w[e];
    weights[source] -= w[e];
  }
}
