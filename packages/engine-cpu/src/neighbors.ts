/**
 * Hooks of the three neighbour estimators on the CPU engine: fit keeps the training set on the host; every
 * prediction is a k-nearest search (fast path for euclidean, manhattan, chebyshev and cosine when the engine has a
 * kernel runtime, pure TypeScript otherwise and for minkowski with another p) followed by a vote or an average.
 * Radius queries take the fast path's threshold filter for the same metrics, the exact pure-TypeScript search
 * otherwise; both give the same neighbours and distances.
 */
import {
  Matrix,
  type KNeighborsClassifierHooks,
  type KNeighborsRegressorHooks,
  type ModelContext,
  type NearestNeighborsHooks,
  type NeighborsModel,
  type NeighborsParamsResolved,
  type DataMatrix,
  type RadiusNeighborsContext,
  type RadiusNeighborsResult,
} from "@plugml/core";
import { drive } from "./cancel.js";
import { fastKNearest, fastMetric } from "./fast/knn.js";
import { fastRadiusNeighbors } from "./fast/radius.js";
import { runtimeFor, type FastPath, type KernelRuntime } from "./fast/runtime.js";
import { resolveMetric } from "./kernels/metrics.js";
import { kNearestSteps } from "./kernels/neighbors.js";
import { radiusNeighborsSteps } from "./kernels/radius.js";
import { argmaxRows, classVotes, regressionMean } from "./kernels/vote.js";

type NeighborsContext = ModelContext<NeighborsParamsResolved, NeighborsModel> & { X?: DataMatrix; nNeighbors?: number };

function searcher(fast: FastPath) {
  return async (ctx: NeighborsContext) => {
    const train = await ctx.toHost(ctx.model.fitX);
    const queries = ctx.X === undefined ? train : await ctx.toHost(ctx.X);
    const k = ctx.nNeighbors ?? ctx.params.nNeighbors;
    const spec = resolveMetric(ctx.params.metric, ctx.params.p);
    const skipSelf = ctx.X === undefined;
    // The trace's threads tell which path ran: metrics without a kernel say so instead of naming the runtime.
    let runtime: KernelRuntime | undefined;
    if (fastMetric(spec)) runtime = runtimeFor(fast, queries.rows * train.rows * train.cols, ctx.record);
    else ctx.record.threads(1, `pure-TypeScript kernels on the calling thread: no SIMD kernel for minkowski with p = ${spec.p}`);
    const found =
      runtime && fastMetric(spec)
        ? await fastKNearest(runtime, queries, train, k, spec, { skipSelf, workingMemory: fast.workingMemory, signal: ctx.signal })
        : await drive(kNearestSteps(queries, train, k, spec, { skipSelf }), ctx.signal);
    return { k, rows: queries.rows, ...found };
  };
}

/** The hooks of the three neighbour estimators, on the fast path where it applies. */
export function neighborsHooks(fast: FastPath): {
  NearestNeighbors: NearestNeighborsHooks;
  KNeighborsClassifier: KNeighborsClassifierHooks;
  KNeighborsRegressor: KNeighborsRegressorHooks;
} {
  const search = searcher(fast);
  const lifecycle = {
    async fit(ctx: { X: DataMatrix; extra: { y?: Int32Array | Float64Array; nClasses?: number }; toHost(X: DataMatrix): Promise<Matrix> }): Promise<NeighborsModel> {
      return { fitX: await ctx.toHost(ctx.X), y: ctx.extra.y, nClasses: ctx.extra.nClasses };
    },
    async kneighbors(ctx: NeighborsContext) {
      const { k, rows, distances, indices } = await search(ctx);
      return { distances: Matrix.from(distances, rows, k), indices };
    },
    async radiusNeighbors(ctx: RadiusNeighborsContext): Promise<RadiusNeighborsResult> {
      const train = await ctx.toHost(ctx.model.fitX);
      const queries = ctx.X === undefined ? train : await ctx.toHost(ctx.X);
      const spec = resolveMetric(ctx.params.metric, ctx.params.p);
      const options = { skipSelf: ctx.X === undefined, sortResults: ctx.sortResults };
      if (fastMetric(spec)) {
        const runtime = runtimeFor(fast, queries.rows * train.rows * train.cols, ctx.record);
        if (runtime) return fastRadiusNeighbors(runtime, queries, train, ctx.radius, spec, { ...options, workingMemory: fast.workingMemory, signal: ctx.signal });
      } else {
        ctx.record.threads(1, `pure-TypeScript kernels on the calling thread: no SIMD kernel for minkowski with p = ${spec.p}`);
      }
      return drive(radiusNeighborsSteps(queries, train, ctx.radius, spec, options), ctx.signal);
    },
  };
  const probabilities = async (ctx: NeighborsContext): Promise<Float64Array> => {
    const { k, distances, indices } = await search(ctx);
    return classVotes(indices, distances, k, ctx.model.y as Int32Array, ctx.model.nClasses!, ctx.params.weights);
  };
  return {
    NearestNeighbors: lifecycle,
    KNeighborsClassifier: {
      ...lifecycle,
      async predict(ctx) {
        return argmaxRows(await probabilities(ctx), ctx.model.nClasses!);
      },
      async predictProba(ctx) {
        const proba = await probabilities(ctx);
        return Matrix.from(proba, proba.length / ctx.model.nClasses!, ctx.model.nClasses!);
      },
    },
    KNeighborsRegressor: {
      ...lifecycle,
      async predict(ctx) {
        const { k, distances, indices } = await search(ctx);
        return regressionMean(indices, distances, k, ctx.model.y as Float64Array, ctx.params.weights);
      },
    },
  };
}
