/**
 * The neighbour estimators on the cluster, as cuML's multi-GPU brute force: the training partitions stay on the
 * workers, each query batch is broadcast, every partition computes its local top-k (float64 distances, ties to the
 * lower index), and the bridge merges them. Votes and averages run here on the k neighbours of each query.
 */
import {
  Matrix,
  type AcceptsContext,
  type DataMatrix,
  type FitContext,
  type KNeighborsClassifierHooks,
  type KNeighborsContext,
  type KNeighborsRegressorHooks,
  type ModelContext,
  type NearestNeighborsHooks,
  type NeighborsFitExtra,
  type NeighborsModel,
  type NeighborsParamsResolved,
} from "@plugml/core";
import { bytesOf, float64s, int32s } from "./bridge.js";
import type { Cluster } from "./cluster.js";
import { DaskMatrix, isDaskMatrix, type StoredInfo } from "./matrix.js";

type SearchContext = ModelContext<NeighborsParamsResolved, NeighborsModel> & { X?: DataMatrix; nNeighbors?: number };

/** Neighbours of every query: float64 distances and indices, nQueries x k, nearest first. */
interface Found {
  rows: number;
  k: number;
  distances: Float64Array;
  indices: Int32Array;
}

/** The hooks the three estimators share: fit keeps the training set on the workers, kneighbors searches it. */
function lifecycle(cluster: Cluster) {
  return {
    accepts: (_ctx: AcceptsContext<NeighborsParamsResolved, NeighborsModel>) => cluster.reachable(),

    /** The training set on the workers, owned by the model (a DaskMatrix given by the user gets its own key). */
    async fit(ctx: FitContext<NeighborsParamsResolved, NeighborsFitExtra>): Promise<NeighborsModel> {
      const input = await cluster.input(ctx, ctx.X);
      const { bridge } = input;
      const fitX = input.uploaded ? input.matrix : new DaskMatrix(bridge, (await bridge.request("alias", { key: input.matrix.key }, ctx.record)) as unknown as StoredInfo);
      return { fitX, y: ctx.extra.y, nClasses: ctx.extra.nClasses };
    },

    async kneighbors(ctx: KNeighborsContext) {
      const found = await search(cluster, ctx, ctx.nNeighbors);
      const dtype = ctx.X?.dtype ?? ctx.model.fitX.dtype;
      const distances = new Matrix(found.distances, found.rows, found.k).astype(dtype);
      return { distances, indices: found.indices };
    },
  };
}

/** k nearest training rows of each query (of the training set itself, each row left out, without X). */
async function search(cluster: Cluster, ctx: SearchContext, k: number): Promise<Found> {
  const train = await cluster.input(ctx, ctx.model.fitX);
  const { bridge } = train;
  try {
    const { metric, p } = ctx.params;
    const args: Record<string, unknown> = { key: train.matrix.key, k, metric, p };
    if (isDaskMatrix(ctx.X)) args.query_key = ctx.X.key;
    else if (ctx.X !== undefined) {
      const Q = await ctx.toHost(ctx.X);
      Object.assign(args, { queries: bytesOf(Q.data), nq: Q.rows, qdtype: Q.dtype });
    }
    const reply = await bridge.request("kneighbors", args, ctx.record);
    const rows = ctx.X?.rows ?? ctx.model.fitX.rows;
    return { rows, k, distances: Float64Array.from(float64s(reply.distances)), indices: Int32Array.from(int32s(reply.indices)) };
  } finally {
    // A training set uploaded for this call only (the model was fitted elsewhere) is freed at once.
    if (train.uploaded) train.release();
  }
}

/**
 * Each neighbour's weight, as scikit-learn's `_get_weights`: 1, or 1 / distance, where a query with neighbours at
 * distance 0 gives those all the weight.
 */
function weightsOf(found: Found, q: number, weights: NeighborsParamsResolved["weights"]): Float64Array {
  const { k, distances } = found;
  const w = new Float64Array(k);
  if (weights === "uniform") return w.fill(1);
  let exact = false;
  for (let j = 0; j < k; j++) if (distances[q * k + j] === 0) exact = true;
  for (let j = 0; j < k; j++) {
    const d = distances[q * k + j];
    w[j] = exact ? (d === 0 ? 1 : 0) : 1 / d;
  }
  return w;
}

/** Class probabilities, nQueries x nClasses, from the weighted votes of the neighbours. */
function probabilities(found: Found, y: Int32Array, nClasses: number, weights: NeighborsParamsResolved["weights"]): Float64Array {
  const out = new Float64Array(found.rows * nClasses);
  for (let q = 0; q < found.rows; q++) {
    const w = weightsOf(found, q, weights);
    let total = 0;
    for (let j = 0; j < found.k; j++) {
      out[q * nClasses + y[found.indices[q * found.k + j]]] += w[j];
      total += w[j];
    }
    if (total !== 0) for (let c = 0; c < nClasses; c++) out[q * nClasses + c] /= total;
  }
  return out;
}

export function nearestNeighborsHooks(cluster: Cluster): NearestNeighborsHooks {
  return lifecycle(cluster);
}

export function kNeighborsClassifierHooks(cluster: Cluster): KNeighborsClassifierHooks {
  const votes = async (ctx: ModelContext<NeighborsParamsResolved, NeighborsModel> & { X: DataMatrix }) => {
    const found = await search(cluster, ctx, ctx.params.nNeighbors);
    return { found, proba: probabilities(found, ctx.model.y as Int32Array, ctx.model.nClasses!, ctx.params.weights) };
  };
  return {
    ...lifecycle(cluster),
    async predict(ctx) {
      const { found, proba } = await votes(ctx);
      const c = ctx.model.nClasses!;
      const labels = new Int32Array(found.rows);
      // The first most voted class: ties go to the lowest class index, as scikit-learn's (weighted) mode.
      for (let q = 0; q < found.rows; q++) {
        let best = 0;
        for (let j = 1; j < c; j++) if (proba[q * c + j] > proba[q * c + best]) best = j;
        labels[q] = best;
      }
      return labels;
    },
    async predictProba(ctx) {
      const { found, proba } = await votes(ctx);
      return new Matrix(proba, found.rows, ctx.model.nClasses!);
    },
  };
}

export function kNeighborsRegressorHooks(cluster: Cluster): KNeighborsRegressorHooks {
  return {
    ...lifecycle(cluster),
    async predict(ctx) {
      const found = await search(cluster, ctx, ctx.params.nNeighbors);
      const y = ctx.model.y as Float64Array;
      const out = new Float64Array(found.rows);
      for (let q = 0; q < found.rows; q++) {
        const w = weightsOf(found, q, ctx.params.weights);
        let num = 0;
        let den = 0;
        for (let j = 0; j < found.k; j++) {
          num += y[found.indices[q * found.k + j]] * w[j];
          den += w[j];
        }
        out[q] = ctx.params.weights === "uniform" ? num / found.k : num / den;
      }
      return out;
    },
  };
}
