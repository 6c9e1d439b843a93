/**
 * StandardScaler on the cluster: each partition's count, mean and sum of squared deviations, combined exactly as a
 * parallel variance; transforms run partition by partition and stay on the workers inside a Pipeline.
 */
import { type DataMatrix, type ModelContext, type StandardScalerHooks, type StandardScalerModel, type StandardScalerParamsResolved } from "@plugml/core";
import { bytesOf, float64s } from "./bridge.js";
import type { Cluster } from "./cluster.js";
import { deliver } from "./results.js";

/** The weights as scikit-learn's StandardScaler uses them: rounded to float32 for float32 data (engine-cpu does too). */
function weightsFor(dtype: string, sampleWeight: Float64Array): Float64Array {
  return dtype === "float32" ? sampleWeight.map(Math.fround) : sampleWeight;
}

export function standardScalerHooks(cluster: Cluster): StandardScalerHooks {
  const transform = async (ctx: ModelContext<StandardScalerParamsResolved, StandardScalerModel> & { X: DataMatrix }, inverse: boolean) => {
    const { params, model } = ctx;
    const input = await cluster.input(ctx, ctx.X);
    try {
      const { bridge } = input;
      const cols = ctx.X.cols;
      const mean = params.withMean ? model.mean : new Float64Array(cols);
      const scale = params.withStd ? model.scale : new Float64Array(cols).fill(1);
      const reply = await bridge.request("affine", { key: input.matrix.key, mean: bytesOf(mean), scale: bytesOf(scale), inverse, output: ctx.output }, ctx.record);
      return deliver(bridge, reply, ctx.X.rows, cols, ctx.X.dtype);
    } finally {
      input.release();
    }
  };
  return {
    accepts: () => cluster.reachable(),

    async fit(ctx) {
      const input = await cluster.input(ctx, ctx.X);
      try {
        const { bridge } = input;
        const weights = ctx.extra.sampleWeight && bytesOf(weightsFor(ctx.dtype, ctx.extra.sampleWeight));
        const reply = await bridge.request("moments", { key: input.matrix.key, weights }, ctx.record);
        return { mean: Float64Array.from(float64s(reply.mean)), var: Float64Array.from(float64s(reply.var)), nSamplesSeen: reply.n as number };
      } finally {
        // A transform of the same X (fitTransform, a Pipeline's fit) takes this upload instead of sending X again.
        input.keep();
      }
    },

    transform: (ctx) => transform(ctx, false),
    inverseTransform: (ctx) => transform(ctx, true),
  };
}

