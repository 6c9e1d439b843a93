/**
 * KMeans hooks of the CPU engine: the initial centers (k-means++ or random, drawn as core's reference draws them),
 * Lloyd's loop, one run per initialisation, prediction, transform and score, on the fast path when the engine has a
 * kernel runtime and the call is big enough, and on the pure-TypeScript kernels otherwise.
 *
 * Range: every hook runs on the data (and centers) times the power of two `rangeScale` picks for squared
 * distances, which is exact and leaves labels unchanged, and unscales what it returns (centers, distances, inertia),
 * so float64 data up to its largest finite values gives finite, right centers and an inertia that is Infinity only
 * when the true one exceeds float64. Weights are scaled to a sum just under 1 the same way (see {@link weightScale}). Data no
 * single scaling fits (float64 magnitudes both above about 2^450 and below about 2^-450) is predicted, transformed
 * and scored by the full-range kernels; fitting it is declined.
 */
import {
  Matrix,
  NotSupportedByEngineError,
  kmeansPlusPlusIndicesAsync,
  kmeansPlusPlusTrials,
  randomInitIndices,
  takeRows,
  type KMeansHooks,
  type KMeansInitResult,
  type KMeansModel,
  type TraceRecorder,
} from "@plugml/core";
import { Pacer, drive } from "./cancel.js";
import { fastCenterDistances } from "./fast/exact.js";
import { fastKMeansPlusPlus } from "./fast/init.js";
import { fastLloyd, fastNearestCenters, fastNearestDistances } from "./fast/lloyd.js";
import { fastMeanFeatureVariance } from "./fast/variance.js";
import { runtimeFor, type FastPath } from "./fast/runtime.js";
import { assignNearestSteps, centerDistancesSteps, wideAssignSteps } from "./kernels/argmin.js";
import { assignAndSumSteps, inertiaOfDistances, inertiaSteps, lloydSteps, type LloydArgs, type LloydResult } from "./kernels/lloyd.js";
import { exponentOf, ldexp, magnitudes, rangeScale, scaledData, scaledMatrix } from "./kernels/range.js";
import { meanFeatureVarianceSteps } from "./kernels/stats.js";

/** The exponent bringing `X` and `centers` into range for squared distances, or undefined when none does. */
function dataScale(X: Matrix, centers: readonly Matrix[]): number | undefined {
  // Float32 magnitudes (2^-149 to 2^128) always fit float64 squared distances unscaled: no pass over the data.
  if (X.dtype === "float32" && centers.every((c) => c.dtype === "float32")) return 0;
  return rangeScale(magnitudes(X.data, ...centers.map((c) => c.data)), 2, X.cols);
}

/**
 * The exponent that brings the sum of the weights to [1/2, 1), so that a weighted sum of squared distances is at
 * most the largest of them and can overflow only where the data's range already says it may. Exact, and without
 * effect on labels and centers (weighted means), so the hooks apply it whatever the weights.
 */
function weightScale(sampleWeight: Float64Array): number {
  // The default weights, all 1, sum to n.
  if (sampleWeight.every((w) => w === 1)) return -(exponentOf(sampleWeight.length) + 1);
  const heaviest = exponentOf(magnitudes(sampleWeight).max);
  let total = 0;
  for (let i = 0; i < sampleWeight.length; i++) total += ldexp(sampleWeight[i], -heaviest);
  return Math.min(1000, Math.max(-1000, -(heaviest + exponentOf(total) + 1)));
}

/** Why the full-range kernels, which have no fast-path version, run on the calling thread. */
const WIDE_THREADS = "pure-TypeScript full-range kernels on the calling thread: the float64 data spans more magnitudes than one scaling of squared distances holds";

/** Lloyd from `initCenters` on the pure-TypeScript kernels, one assignment pass at a time. */
async function lloydDriven(args: LloydArgs, signal: AbortSignal | undefined, pacer: Pacer): Promise<LloydResult> {
  const steps = lloydSteps(args);
  let step = steps.next();
  while (!step.done) {
    const { centers, labels, accumulate } = step.value;
    step = steps.next(await drive(assignAndSumSteps(args.X, args.sampleWeight, centers, labels, accumulate), signal, pacer));
  }
  const { centers, labels } = step.value;
  return { ...step.value, inertia: await drive(inertiaSteps(args.X, args.sampleWeight, centers, labels), signal, pacer) };
}

/** The KMeans hooks, on the fast path where it has a runtime and the call is big enough. */
export function kmeansHooks(fast: FastPath): KMeansHooks {
  /** Labels of `X` against `centers`, both already in range. */
  const labelsOf = (X: Matrix, centers: Matrix, record: TraceRecorder, signal: AbortSignal | undefined, pacer: Pacer) => {
    const runtime = runtimeFor(fast, X.rows * centers.rows * X.cols, record);
    if (runtime) return fastNearestCenters(runtime, X, centers, signal);
    const labels = new Int32Array(X.rows);
    return drive(assignNearestSteps(X, centers, labels), signal, pacer).then(() => labels);
  };

  return {
    async init(ctx): Promise<KMeansInitResult> {
      const X = await ctx.toHost(ctx.X);
      const k = ctx.params.nClusters;
      const indices: Int32Array[] = [];
      if (ctx.method === "random") {
        ctx.record.threads(1, "a random permutation per run, drawn on the calling thread");
        for (let run = 0; run < ctx.nInit; run++) indices.push(randomInitIndices(X.rows, k, ctx.random));
      } else {
        // Multiply-adds of the candidates' distances: every center but the first tries that many rows.
        const runtime = runtimeFor(fast, X.rows * X.cols * kmeansPlusPlusTrials(k) * k, ctx.record);
        if (runtime) indices.push(...(await fastKMeansPlusPlus(runtime, X, k, ctx.nInit, ctx.random, ctx.signal)));
        else for (let run = 0; run < ctx.nInit; run++) indices.push(await kmeansPlusPlusIndicesAsync(X, k, ctx.random, ctx.signal));
      }
      return { indices, centers: indices.map((rows) => takeRows(X, rows)) };
    },

    async fit(ctx): Promise<KMeansModel> {
      const X0 = await ctx.toHost(ctx.X);
      const { sampleWeight, initialCenters, iterations } = ctx.extra;
      const scale = dataScale(X0, initialCenters);
      if (scale === undefined) {
        throw new NotSupportedByEngineError(
          "KMeans.fit: the float64 data spans more magnitudes than squared distances can hold under one scaling (values both above about 2^450 and below about 2^-450); the CPU engine declines rather than lose the small ones.",
        );
      }
      const pacer = new Pacer(ctx.signal);
      const X = scaledMatrix(X0, scale);
      const inits = initialCenters.map((c) => scaledMatrix(c, scale));
      const wScale = weightScale(sampleWeight);
      const runtime = runtimeFor(fast, X.rows * inits[0].rows * X.cols, ctx.record);
      const variance = () => (runtime ? fastMeanFeatureVariance(runtime, X, ctx.signal) : drive(meanFeatureVarianceSteps(X), ctx.signal, pacer));
      const args = {
        X,
        sampleWeight: scaledData(sampleWeight, wScale),
        maxIter: ctx.params.maxIter,
        // As scikit-learn's _tolerance: a tolerance of 0 is 0, without a pass over the data for the variances.
        tolAbs: ctx.params.tol === 0 ? 0 : ctx.params.tol * (await variance()),
        // Shifts are reported in the data's own units.
        onIteration: (info: { iteration: number; centerShift: number; converged: boolean }) =>
          iterations.reportIteration({ ...info, centerShift: ldexp(info.centerShift, -2 * scale) }),
      };
      let best: LloydResult | undefined;
      if (runtime) best = await fastLloyd(runtime, args, inits, ctx.signal);
      else {
        for (const initCenters of inits) {
          const run = await lloydDriven({ ...args, initCenters }, ctx.signal, pacer);
          // Strictly lower, as scikit-learn: on ties the earlier initialisation is kept.
          if (!best || run.inertia < best.inertia) best = run;
        }
      }
      return {
        clusterCenters: scaledMatrix(best!.centers, -scale),
        labels: best!.labels,
        inertia: ldexp(best!.inertia, -2 * scale - wScale),
        nIter: best!.nIter,
      };
    },

    async predict(ctx) {
      const X = await ctx.toHost(ctx.X);
      const centers = ctx.model.clusterCenters;
      const pacer = new Pacer(ctx.signal);
      const scale = dataScale(X, [centers]);
      if (scale !== undefined) return labelsOf(scaledMatrix(X, scale), scaledMatrix(centers, scale), ctx.record, ctx.signal, pacer);
      ctx.record.threads(1, WIDE_THREADS);
      const labels = new Int32Array(X.rows);
      await drive(wideAssignSteps(X, centers, labels), ctx.signal, pacer);
      return labels;
    },

    async transform(ctx) {
      const X = await ctx.toHost(ctx.X);
      const C = ctx.model.clusterCenters;
      const scale = dataScale(X, [C]);
      const out = Matrix.zeros(X.rows, C.rows, X.dtype);
      if (scale === undefined) {
        ctx.record.threads(1, WIDE_THREADS);
        await drive(centerDistancesSteps(X, C, out.data, 1, true), ctx.signal);
        return out;
      }
      const [Xs, Cs] = [scaledMatrix(X, scale), scaledMatrix(C, scale)];
      const runtime = runtimeFor(fast, X.rows * C.rows * X.cols, ctx.record);
      if (runtime) return fastCenterDistances(runtime, Xs, Cs, 2 ** -scale, X.dtype, ctx.signal);
      await drive(centerDistancesSteps(Xs, Cs, out.data, 2 ** -scale, false), ctx.signal);
      return out;
    },

    async score(ctx) {
      const X = await ctx.toHost(ctx.X);
      const centers = ctx.model.clusterCenters;
      const pacer = new Pacer(ctx.signal);
      const scale = dataScale(X, [centers]);
      if (scale === undefined) {
        ctx.record.threads(1, WIDE_THREADS);
        const labels = new Int32Array(X.rows);
        const distances = new Float64Array(X.rows);
        await drive(wideAssignSteps(X, centers, labels, distances), ctx.signal, pacer);
        return -inertiaOfDistances(distances, ctx.sampleWeight);
      }
      const Xs = scaledMatrix(X, scale);
      const Cs = scaledMatrix(centers, scale);
      const wScale = weightScale(ctx.sampleWeight);
      const weights = scaledData(ctx.sampleWeight, wScale);
      const runtime = runtimeFor(fast, X.rows * centers.rows * X.cols, ctx.record);
      let total: number;
      if (runtime) {
        // Added up here in row order, as inertiaSteps adds: the same sum bit for bit.
        const distances = await fastNearestDistances(runtime, Xs, Cs, ctx.signal);
        total = 0;
        for (let i = 0; i < distances.length; i++) total += distances[i] * weights[i];
      } else {
        const labels = new Int32Array(X.rows);
        await drive(assignNearestSteps(Xs, Cs, labels), ctx.signal, pacer);
        total = await drive(inertiaSteps(Xs, weights, Cs, labels), ctx.signal, pacer);
      }
      return -ldexp(total, -2 * scale - wScale);
    },
  };
}
