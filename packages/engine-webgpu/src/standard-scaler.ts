/**
 * StandardScaler hooks of the WebGPU engine: two-pass column statistics reduced on the device, and the affine
 * transforms, which hand back a resident matrix inside a Pipeline.
 */
import { Matrix, type DataMatrix, type ModelContext, type StandardScalerHooks, type StandardScalerModel, type StandardScalerParamsResolved } from "@plugml/core";
import { requireDevice } from "./device.js";
import { encodeAffine } from "./kernels/affine.js";
import { columnMeanVar } from "./kernels/columns.js";
import { gate, worthRunning, type EngineSettings } from "./options.js";
import { requireFinite, scalerFitRange, scalerTransformRange } from "./range.js";
import { deliver, deviceInput, KeptUpload, uploadArray } from "./resident.js";

/** What fit returns: the statistics, and X's upload kept for the transform of fitTransform. */
interface ScalerFit {
  stats: Omit<StandardScalerModel, "scale">;
  kept?: KeptUpload;
}

type ScalerContext = ModelContext<StandardScalerParamsResolved, StandardScalerModel> & { X: DataMatrix };

/** The StandardScaler hooks for one engine configuration. */
export function standardScalerHooks(settings: EngineSettings): StandardScalerHooks {
  return {
    // Weighted fits are left out in the manifest (the device computes unweighted column statistics only).
    accepts: (ctx) => gate(ctx),
    shouldRun: (ctx) => worthRunning(settings, ctx),

    async fit(ctx): Promise<ScalerFit> {
      const gpu = await requireDevice();
      const input = await deviceInput(gpu, ctx, ctx.X, (X) => scalerFitRange(X.maxAbs, X.rows));
      let handedOver = false;
      try {
        const { mean, variance } = await columnMeanVar(gpu, input.matrix, settings.maxBindingBytes, ctx.record, ctx.signal);
        requireFinite(mean, "the column means");
        requireFinite(variance, "the column variances");
        const stats = { mean, var: variance, nSamplesSeen: ctx.nSamples };
        if (!input.uploaded || !(ctx.X instanceof Matrix)) return { stats };
        handedOver = true;
        return { stats, kept: new KeptUpload(ctx.X, input.matrix) };
      } finally {
        if (!handedOver) input.release();
      }
    },

    postFit: (ctx) => (ctx.fitResult as ScalerFit).stats,

    transform: (ctx) => affine(settings, ctx, false),
    inverseTransform: (ctx) => affine(settings, ctx, true),
  };
}

async function affine(settings: EngineSettings, ctx: ScalerContext, inverse: boolean): Promise<DataMatrix> {
  const gpu = await requireDevice();
  const { withMean, withStd } = ctx.params;
  const cols = ctx.X.cols;
  // The float32 coefficients the kernel applies: the mean (or 0), then the scale (or 1).
  const coef = new Float32Array(2 * cols);
  for (let j = 0; j < cols; j++) {
    coef[j] = withMean ? ctx.model.mean[j] : 0;
    coef[cols + j] = withStd ? ctx.model.scale[j] : 1;
  }
  const mean = coef.subarray(0, cols);
  const scale = coef.subarray(cols);
  const check = (X: { maxAbs: Float64Array }) => scalerTransformRange(X.maxAbs, mean, scale, inverse);
  const input = await deviceInput(gpu, ctx, ctx.X, check, "X", (ctx.fitState as ScalerFit | undefined)?.kept);
  const { rows } = input.matrix;
  // Per column, the largest |result| the kernel can produce from the input's bound (checked above).
  const maxAbs = Float64Array.from(input.matrix.maxAbs, (a, j) => (inverse ? a * scale[j] + Math.abs(mean[j]) : (a + Math.abs(mean[j])) / scale[j]));
  const coefBuffer = uploadArray(gpu, coef, ctx.record, "coefficients");
  try {
    return await deliver(gpu, rows, cols, maxAbs, ctx, "affine", (paced, out) => encodeAffine(gpu, paced, input.matrix, coefBuffer, out, inverse, settings.maxBindingBytes));
  } finally {
    gpu.pool.release(coefBuffer);
    input.release();
  }
}
