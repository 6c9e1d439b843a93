import { Matrix, Normalizer, registerEngine, type NormalizerNorm } from "@plugml/core";
import { cpuEngine } from "@plugml/engine-cpu";

registerEngine(cpuEngine);
afterAll(() => cpuEngine.dispose?.());

async function normalize(rows: number[][], norm: NormalizerNorm = "l2", dtype: "float32" | "float64" = "float64"): Promise<Matrix> {
  const X = Matrix.from(rows).astype(dtype);
  const normalizer = new Normalizer({ norm }).setComputationalEngine("cpu", { fallback: false });
  const Z = await normalizer.fitTransform(X);
  expect(normalizer.engineUsed_).toBe("cpu");
  return Z;
}

test("rows whose norm is below 10 eps of X's dtype are left unchanged, as scikit-learn's _handle_zeros_in_scale", async () => {
  // scikit-learn 1.2.1: normalize([[1e-15, 0], [1e-14, 0], [3, 4]]) = [[1e-15, 0], [1, 0], [0.6, 0.8]]
  expect((await normalize([[1e-15, 0], [1e-14, 0], [3, 4]])).toArray()).toEqual([[1e-15, 0], [1, 0], [0.6, 0.8]]);
  // float32's threshold is 10 * 2^-23 = 1.19e-6: normalize(float32 [[1e-6, 0], [2e-6, 0]]) = [[9.999999974752427e-07, 0], [1, 0]]
  const f32 = await normalize([[1e-6, 0], [2e-6, 0]], "l2", "float32");
  expect(f32.dtype).toBe("float32");
  expect(f32.toArray()).toEqual([[9.999999974752427e-7, 0], [1, 0]]);
  expect((await normalize([[1e-6, 0]], "max", "float64")).toArray()).toEqual([[1, 0]]);
});

test("float32 quotients are x / norm rounded once, with the norm rounded to float32 as scikit-learn's", async () => {
  const rows = [[0.1, 0.7, -2.3], [1e30, 3e30, -2e30]];
  const Z = await normalize(rows, "l2", "float32");
  const x = Matrix.from(rows).astype("float32").data;
  for (let i = 0; i < 2; i++) {
    const n = Math.fround(Math.hypot(x[3 * i], x[3 * i + 1], x[3 * i + 2]));
    for (let j = 0; j < 3; j++) expect(Z.data[3 * i + j]).toBe(Math.fround(x[3 * i + j] / n));
  }
});

test("float64 norms that overflow still give the representable quotients (scikit-learn returns zeros there)", async () => {
  // Summed squares overflow, the norm does not: scikit-learn gives [[0, 0], [0, 0]].
  // The quotients are those of the same float64 arithmetic on the row scaled by 2^-e (exact): within an ulp of 0.6.
  const scaled = await normalize([[3e200, 4e200], [1e308, 1e308]]);
  [0.6, 0.8, Math.SQRT1_2, Math.SQRT1_2].forEach((v, j) => expect(Math.abs(scaled.data[j] - v)).toBeLessThanOrEqual(2 ** -52));
  // The norm itself overflows (about 2.9e308): quotients 1/sqrt(3), and a tiny value underflows to 0 as it should.
  const big = await normalize([[1.7e308, -1.7e308, 1.7e308, 1e-300]]);
  const third = 1 / Math.sqrt(3);
  expect(big.data[0]).toBeCloseTo(third, 15);
  expect(big.data[1]).toBeCloseTo(-third, 15);
  expect(big.data[3]).toBe(0);
  // l1: |x| summed overflows; scikit-learn gives [[0, 0]].
  expect((await normalize([[1e308, 1e308]], "l1")).toArray()).toEqual([[0.5, 0.5]]);
  expect((await normalize([[1.5e308, -1.5e308, 1e308]], "l1")).toArray()).toEqual([[1.5 / 4, -1.5 / 4, 1 / 4]]);
  expect((await normalize([[1.7e308, -1e308]], "max")).toArray()).toEqual([[1, -1e308 / 1.7e308]]);
});

test("exactly x / norm in float64: the quotient of each value by the row's norm", async () => {
  const rows = [[0.1, 0.2, 0.3], [-5, 12, 0], [1e-9, 2e-9, 2e-9]];
  const Z = await normalize(rows);
  rows.forEach((r, i) => {
    const n = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
    r.forEach((v, j) => expect(Z.data[3 * i + j]).toBe(v / n));
  });
  expect((await normalize([[-5, 12, 0]], "l1")).toArray()).toEqual([[-5 / 17, 12 / 17, 0]]);
});
