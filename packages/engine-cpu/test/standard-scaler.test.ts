import { Matrix, type StandardScalerModel } from "@plugml/core";
import { standardScalerHooks } from "../src/standard-scaler.js";

/** Calls a transform hook of the engine directly, on host data. */
function call(hook: "transform" | "inverseTransform", X: Matrix, model: StandardScalerModel, withMean = true, withStd = true) {
  const record = { bytesToDevice: () => undefined, bytesFromDevice: () => undefined, conversion: () => undefined, threads: () => undefined };
  const ctx = { params: { withMean, withStd }, model, X, record, toHost: async (m: Matrix) => m } as unknown as Parameters<typeof standardScalerHooks.transform>[0];
  return standardScalerHooks[hook](ctx) as Promise<Matrix>;
}

const model: StandardScalerModel = { mean: Float64Array.of(0.733), var: Float64Array.of(0.707 ** 2), scale: Float64Array.of(0.707), nSamplesSeen: 2 };

test("float32 data is rounded after each step, as scikit-learn's in-place X -= mean_; X /= scale_", async () => {
  const X = Matrix.from([[9.59]]).astype("float32");
  const x = X.data[0];
  const forward = await call("transform", X, model);
  expect(forward.data[0]).toBe(Math.fround(Math.fround(x - 0.733) / 0.707));
  // A single rounding at the end gives another float32 here.
  expect(forward.data[0]).not.toBe(Math.fround((x - 0.733) / 0.707));
  const inverse = await call("inverseTransform", X, model);
  expect(inverse.data[0]).toBe(Math.fround(Math.fround(x * 0.707) + 0.733));
  expect(inverse.data[0]).not.toBe(Math.fround(x * 0.707 + 0.733));
});

test("withMean and withStd switch their step off; float64 stays in float64", async () => {
  const X = Matrix.from([[9.59, -2]]);
  const two: StandardScalerModel = { ...model, mean: Float64Array.of(0.733, 1), scale: Float64Array.of(0.707, 4) };
  expect(Array.from((await call("transform", X, two)).data)).toEqual([(9.59 - 0.733) / 0.707, -3 / 4]);
  expect(Array.from((await call("transform", X, two, false)).data)).toEqual([9.59 / 0.707, -2 / 4]);
  expect(Array.from((await call("transform", X, two, true, false)).data)).toEqual([9.59 - 0.733, -3]);
  expect(Array.from((await call("inverseTransform", X, two, false, false)).data)).toEqual([9.59, -2]);
});
