// Normalizer on the device: scikit-learn's results to float32 accuracy, range checks that decline, and
// Normalizer -> NearestNeighbors (the cosine path) keeping the normalised data on the device.
import { isResident, Matrix, NearestNeighbors, Normalizer, Pipeline, type TraceEntry } from "@plugml/core";
import { describeWebGPU } from "./adapter.js";
import { blobs, registerVariant } from "./helpers.js";

registerVariant("webgpu", { minElements: 0 });

const sum = (trace: TraceEntry[], key: "bytesToDevice" | "bytesFromDevice") => trace.filter((e) => e.engine === "webgpu").reduce((n, e) => n + e[key], 0);

describeWebGPU("Normalizer on WebGPU", () => {
  it("Normalizer -> NearestNeighbors uploads X once, keeps the normalised rows on the device and ranks as cosine", async () => {
    const n = 2000;
    const d = 16;
    const X = blobs(n, d, 5);
    const queries = blobs(50, d, 5, 1);
    const pipe = new Pipeline([
      ["unit", new Normalizer()],
      ["nn", new NearestNeighbors({ nNeighbors: 5 })],
    ]).setComputationalEngine("webgpu", { fallback: false });
    await pipe.fit(X);
    expect(pipe.engineTrace_.every((e) => e.engine === "webgpu" && e.outcome === "ran")).toBe(true);
    // X goes up once; nothing but the nearest-neighbour model's bookkeeping comes back.
    expect(sum(pipe.engineTrace_, "bytesToDevice")).toBe(n * d * 4);
    expect(sum(pipe.engineTrace_, "bytesFromDevice")).toBe(0);
    const unit = pipe.namedSteps.unit as Normalizer;
    const nn = pipe.namedSteps.nn as NearestNeighbors;
    const Q = await unit.transform(queries, { output: "engine" });
    expect(isResident(Q)).toBe(true);
    const got = await nn.kneighbors(Q);
    // The same ranking by cosine distance on the host: Euclidean distance between unit rows is sqrt(2 cos_dist).
    const cosine = await new NearestNeighbors({ nNeighbors: 5, metric: "cosine" }).setComputationalEngine("cpu").fit(X.astype("float64"));
    const want = await cosine.kneighbors(queries.astype("float64"));
    expect(got.indices.toArray()).toEqual(want.indices.toArray());
    want.distances.data.forEach((c, i) => expect(got.distances.data[i]).toBeCloseTo(Math.sqrt(2 * c), 4));
  });

  it("computes scikit-learn's values in float32 and leaves zero rows unchanged", async () => {
    // scikit-learn 1.2.1: normalize([[3, -4, 0], [0, 0, 0], [1, 2, 2]], norm) for each norm
    const X = Matrix.from([[3, -4, 0], [0, 0, 0], [1, 2, 2]]).astype("float32");
    const expected = {
      l2: [[0.6, -0.8, 0], [0, 0, 0], [1 / 3, 2 / 3, 2 / 3]],
      l1: [[3 / 7, -4 / 7, 0], [0, 0, 0], [0.2, 0.4, 0.4]],
      max: [[0.75, -1, 0], [0, 0, 0], [0.5, 1, 1]],
    };
    for (const norm of ["l2", "l1", "max"] as const) {
      const Z = await new Normalizer({ norm }).setComputationalEngine("webgpu", { fallback: false }).fitTransform(X);
      expect(Z.dtype).toBe("float32");
      Z.toArray().flat().forEach((v, i) => expect(v).toBeCloseTo(expected[norm].flat()[i], 6));
    }
  });

  it("uses the threshold of X's dtype: 10 eps of float64 for float64 input, of float32 for float32 input", async () => {
    const rows = [[1e-10, 0], [1e-7, 0], [3, 4]];
    const run = (dtype: "float32" | "float64") =>
      new Normalizer().setComputationalEngine("webgpu", { fallback: false }).fitTransform(Matrix.from(rows).astype(dtype));
    // scikit-learn: normalize(float64 rows) = [[1, 0], [1, 0], [0.6, 0.8]]; normalize(float32 rows) leaves rows 0 and 1 unchanged.
    (await run("float64")).toArray().flat().forEach((v, i) => expect(v).toBeCloseTo([1, 0, 1, 0, 0.6, 0.8][i], 6));
    const f32 = (await run("float32")).toArray();
    expect(f32.slice(0, 2)).toEqual([[Math.fround(1e-10), 0], [Math.fround(1e-7), 0]]);
  });

  it("declines values whose row sums could overflow float32, and the CPU engine takes the call", async () => {
    const normalizer = new Normalizer().setComputationalEngine(["webgpu", "cpu"]);
    const X = Matrix.from([[3e19, 4e19], [1, 1]]);
    const Z = await normalizer.fitTransform(X);
    expect(normalizer.engineUsed_).toBe("cpu");
    expect(Z.toArray()).toEqual([[0.6, 0.8], [1 / Math.SQRT2, 1 / Math.SQRT2]]);
    const declined = normalizer.engineTrace_.find((e) => e.hook === "transform" && e.engine === "webgpu");
    expect(declined?.outcome).toBe("declined");
    expect(declined?.reason).toBe(
      "values with |x| up to 4.0e+19: too large for the device's float32 arithmetic: the l2 norms of rows of 2 features need max |x| <= 6.5e+18 (d max|x|^2 <= 2^126), so that the row sums stay below 2^126",
    );
  });
});
