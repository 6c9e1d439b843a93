/**
 * Normalizer hooks of the WebGPU engine: rows divided by their norm in one kernel, handing back a resident matrix
 * inside a Pipeline (so Normalizer -> NearestNeighbors keeps the data on the device).
 */
import type { NormalizerHooks } from "@plugml/core";
import { requireDevice } from "./device.js";
import { encodeRowNormalize } from "./kernels/row-norms.js";
import { gate, worthRunning, type EngineSettings } from "./options.js";
import { largest, normalizerRange } from "./range.js";
import { deliver, deviceInput } from "./resident.js";

/** Machine epsilon of each input dtype: scikit-learn leaves rows of norm below 10 eps unchanged. */
export const EPS = { float32: 2 ** -23, float64: Number.EPSILON };

/** The Normalizer hooks for one engine configuration. */
export function normalizerHooks(settings: EngineSettings): NormalizerHooks {
  return {
    accepts: (ctx) => gate(ctx),
    shouldRun: (ctx) => worthRunning(settings, ctx),

    // Nothing to learn: fit selects the engine, as every fit does.
    fit: () => ({}),

    async transform(ctx) {
      const gpu = await requireDevice();
      const { norm } = ctx.params;
      const cols = ctx.X.cols;
      const input = await deviceInput(gpu, ctx, ctx.X, (X) => normalizerRange(norm, cols, largest(X.maxAbs)));
      // Normalised values are at most 1 (plus float32 rounding); rows left unchanged have norms, so values, below 10 eps.
      const maxAbs = input.matrix.maxAbs.map((a) => (a === 0 ? 0 : 1 + 2 ** -20));
      try {
        const tiny = 10 * EPS[ctx.X.dtype];
        return await deliver(gpu, input.matrix.rows, cols, maxAbs, ctx, "affine", (paced, out) =>
          encodeRowNormalize(gpu, paced, input.matrix, out, norm, tiny, settings.maxBindingBytes),
        );
      } finally {
        input.release();
      }
    },
  };
}
