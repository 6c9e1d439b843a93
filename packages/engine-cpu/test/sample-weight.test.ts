// StandardScaler: weighted statistics as scikit-learn's StandardScaler(sample_weight) computes them, and column
// statistics and transforms over the whole finite range, against exact (BigInt) references.
import fc from "fast-check";
import { Matrix, type DType, type StandardScalerModel } from "@plugml/core";
import { big, checkValue, ratio } from "./exact.js";
import { cpuPaths, scalerFitCtx, scalerModelCtx, scalerOf } from "./hooks.js";

const hooks = scalerOf(cpuPaths().portable);
const F32_MAX = 3.4028234663852886e38;

/** v * 2^shift, in steps that stay representable. */
function scaled(v: number, shift: number): number {
  for (; shift > 500; shift -= 500) v *= 2 ** 500;
  for (; shift < -500; shift += 500) v *= 2 ** -500;
  return v * 2 ** shift;
}

const fit = async (X: Matrix, sampleWeight?: Float64Array) => (await hooks.fit(scalerFitCtx(X, { sampleWeight }))) as Omit<StandardScalerModel, "scale">;

/** Exact weighted mean and population variance of every column: rationals of BigInts, rounded once. */
function exactStats(X: Matrix, w: ArrayLike<number>): { mean: number[]; variance: number[] } {
  const stats = exactSums(X, w);
  return {
    mean: stats.map(({ W, S }) => ratio(S, W, -1074)),
    // var = (W Q - S^2) / W^2, in units of 2^-(1074 * 2).
    variance: stats.map(({ W, S, Q }) => ratio(W * Q - S * S, W * W, -2 * 1074)),
  };
}

/** Per column: total weight W, weighted sum S, weighted sum of squares Q and of absolute values A, exactly. */
function exactSums(X: Matrix, w: ArrayLike<number>): { W: bigint; S: bigint; Q: bigint; A: bigint }[] {
  return Array.from({ length: X.cols }, (_, j) => {
    let [W, S, Q, A] = [0n, 0n, 0n, 0n];
    for (let i = 0; i < X.rows; i++) {
      const wi = big(w[i]);
      const x = big(X.data[i * X.cols + j]);
      W += wi;
      S += wi * x;
      Q += wi * x * x;
      A += wi * (x < 0n ? -x : x);
    }
    return { W, S, Q, A };
  });
}

describe("weighted StandardScaler", () => {
  const X = Matrix.from([[1, 2], [3, 4], [10, 20], [11, 13]]);
  const w = Float64Array.of(1, 1, 5, 0.5);

  test("mean, population variance and nSamplesSeen of the weighted data (by hand: W = 7.5)", async () => {
    const model = await fit(X, w);
    // mean = (1 + 3 + 50 + 5.5) / 7.5 and (2 + 4 + 100 + 6.5) / 7.5
    expect(model.mean[0]).toBeCloseTo(59.5 / 7.5, 14);
    expect(model.mean[1]).toBeCloseTo(112.5 / 7.5, 14);
    const m0 = 59.5 / 7.5;
    const m1 = 15;
    const v0 = ((1 - m0) ** 2 + (3 - m0) ** 2 + 5 * (10 - m0) ** 2 + 0.5 * (11 - m0) ** 2) / 7.5;
    const v1 = ((2 - m1) ** 2 + (4 - m1) ** 2 + 5 * (20 - m1) ** 2 + 0.5 * (13 - m1) ** 2) / 7.5;
    expect(model.var[0]).toBeCloseTo(v0, 12);
    expect(model.var[1]).toBeCloseTo(v1, 12);
    expect(model.nSamplesSeen).toBe(7.5);
    // Unweighted, as before: n samples, plain means.
    const plain = await fit(X);
    expect(Array.from(plain.mean)).toEqual([25 / 4, 39 / 4]);
    expect(plain.nSamplesSeen).toBe(4);
  });

  test("zero weights drop their rows; integer weights equal repeated rows", async () => {
    const model = await fit(X, Float64Array.of(0, 2, 0, 1));
    const repeated = await fit(Matrix.from([[3, 4], [3, 4], [11, 13]]));
    Array.from(model.mean).forEach((v, j) => expect(v).toBeCloseTo(repeated.mean[j], 14));
    Array.from(model.var).forEach((v, j) => expect(v).toBeCloseTo(repeated.var[j], 12));
    expect(model.nSamplesSeen).toBe(3);
  });

  test("float32 data rounds the weights to float32, as scikit-learn's _check_sample_weight(dtype=X.dtype)", async () => {
    const X32 = X.astype("float32");
    const w64 = Float64Array.of(0.1, 0.2, 0.7, 1 / 3);
    const model = await fit(X32, w64);
    const rounded = Float64Array.from(w64, Math.fround);
    const expected = exactStats(X32, rounded);
    expected.mean.forEach((v, j) => expect(model.mean[j]).toBeCloseTo(v, 13));
    expect(model.nSamplesSeen).toBe(rounded.reduce((s, v) => s + v, 0));
    // The float64 weights themselves give another mean.
    expect(Math.abs(model.mean[0] - exactStats(X32, w64).mean[0])).toBeGreaterThan(1e-9);
  });

  test("weights beyond float32's range on float32 data keep their ratios", async () => {
    const model = await fit(X.astype("float32"), Float64Array.from(w, (v) => v * 1e300));
    const expected = exactStats(X, w);
    expected.mean.forEach((v, j) => expect(model.mean[j]).toBeCloseTo(v, 6));
    expected.variance.forEach((v, j) => expect(model.var[j] / v).toBeCloseTo(1, 6));
    expect(model.nSamplesSeen / 7.5e300).toBeCloseTo(1, 6);
  });
});

describe("StandardScaler over the whole range", () => {
  const SPECIAL = {
    float64: [0, 5e-324, 1e-310, 1e-300, 1e-200, 1e-160, 1, 3, 1e160, 1e200, 1e300, 8.98846567431158e307, Number.MAX_VALUE],
    float32: [0, 1.401298464324817e-45, 1e-40, 1e-30, 1, 3, 1e19, 1e30, 1.7e38, F32_MAX],
  } as const;
  const value = (dtype: DType) =>
    fc.oneof(
      fc.tuple(fc.constantFrom(...SPECIAL[dtype]), fc.boolean()).map(([v, negative]) => (negative ? -v : v)),
      dtype === "float32" ? fc.float({ noNaN: true, noDefaultInfinity: true }) : fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
  // Weights at any absolute scale (up to the float64 maximum, 2^1023) spanning up to 2^124 among themselves, and zeros.
  const weights = fc.tuple(fc.constantFrom(1, 1e-300, 1e200, 2 ** 959), fc.infiniteStream(fc.oneof(fc.constant(0), fc.double({ min: 2 ** -60, max: 2 ** 60, noNaN: true }), fc.constantFrom(2 ** 60, 2 ** 64 - 1))));

  test.each(["float64", "float32"] as const)("%s: exact weighted means, variances Infinity only beyond range, never NaN", async (dtype) => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(value(dtype), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 12 }), fc.boolean(), weights, async (rows, weighted, [scale, ratios]) => {
        const X = Matrix.from(rows).astype(dtype);
        let w: Float64Array | undefined;
        if (weighted) {
          w = Float64Array.from({ length: rows.length }, () => scale * (ratios.next().value as number));
          if (!w.some((v) => v > 0)) w[0] = 1;
        }
        const model = await fit(X, w);
        const used = w === undefined ? new Float64Array(rows.length).fill(1) : dtype === "float32" ? weightsAsFloat32(w) : w;
        exactSums(X, used).forEach(({ W, S, Q, A }, j) => {
          expect(Number.isNaN(model.mean[j]) || Number.isNaN(model.var[j])).toBe(false);
          // In exact integers (units of 2^-1074 per factor). Summation rounds to about u * sum |w x| / W
          // (cancellation is not a range error), plus half a unit of the smallest subnormal:
          // |mean - S / W| <= 1e-13 A / W + 2^-1074.
          expect(Number.isFinite(model.mean[j])).toBe(true);
          const meanError = big(model.mean[j]) * W - S;
          expect((meanError < 0n ? -meanError : meanError) * 10n ** 13n <= A + 10n ** 13n * W).toBe(true);
          // The corrected two-pass variance (W Q - S^2) / W^2 rounds to about 1e-9 var + (1e-14 A / W)^2, plus
          // the subnormal floor; Infinity only when the variance may exceed float64 within that.
          const V = W * Q - S * S;
          const unit = 1n << 1074n;
          const slack = 10n ** 19n * V + A * A + 16n * 10n ** 28n * unit * W * W;
          if (model.var[j] === Infinity) {
            expect(10n ** 28n * V + slack >= 10n ** 28n * big(Number.MAX_VALUE) * unit * W * W).toBe(true);
            return;
          }
          const varError = big(model.var[j]) * unit * W * W - V;
          expect((varError < 0n ? -varError : varError) * 10n ** 28n <= slack).toBe(true);
        });
      }),
      { numRuns: 150 },
    );
  });

  /**
   * float32 weights as the engine rounds them: to float32 precision, and where the largest is beyond float32's
   * range or below 2^-100, after scaling it to [2^100, 2^101) (only their ratios matter).
   */
  function weightsAsFloat32(w: Float64Array): Float64Array {
    const max = Math.max(...w);
    const e = max > F32_MAX || max < 2 ** -100 ? Math.floor(Math.log2(max)) - 100 : 0;
    return Float64Array.from(w, (v) => Math.fround(scaled(v, -e)));
  }

  test.each(["float64", "float32"] as const)("%s transforms: representable results even where x - mean overflows", async (dtype) => {
    const max = dtype === "float64" ? Number.MAX_VALUE : F32_MAX;
    const X = Matrix.from([[0.9 * max, -0.9 * max, 1]]).astype(dtype);
    const mean = Float64Array.of(-0.9 * max, 0.9 * max, 0);
    const scale = Float64Array.of(0.9 * max, 0.9 * max, 2);
    const forward = (await hooks.transform(scalerModelCtx(X, mean, scale))) as Matrix;
    expect(Array.from(forward.data)).toEqual([2, -2, 0.5]);
    const back = (await hooks.inverseTransform(scalerModelCtx(Matrix.from([[2, -2, 0.5]]).astype(dtype), mean, scale))) as Matrix;
    Array.from(back.data).forEach((v, j) => checkValue(v, X.data[j], dtype === "float32" ? 2 ** -23 : 1e-15, max, `inverse ${j}`));
  });
});
