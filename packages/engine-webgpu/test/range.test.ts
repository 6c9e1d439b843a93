// The device computes in float32 and may flush subnormals: input whose magnitudes would overflow or underflow that
// arithmetic is declined with the bound (and runs on the CPU), never answered with NaN, Infinity or flushed values;
// ordinary data stays on the device.
import { EngineDeclinedError, KMeans, KNeighborsRegressor, Matrix, NearestNeighbors, NotSupportedByEngineError, Pipeline, StandardScaler } from "@plugml/core";
import { distanceRange, kmeansRange, requireFinite, scalerFitRange } from "../src/range.js";
import { describeWebGPU } from "./adapter.js";
import { blobs, registerVariant, uniform } from "./helpers.js";

const engine = registerVariant("webgpu-range", { minElements: 0 });

/** 1000 x 4 float32 values i % 7 times `scale`. */
const scaled = (scale: number) => Matrix.from(Float32Array.from({ length: 4000 }, (_, i) => (i % 7) * scale), 1000, 4);
const finite = (values: ArrayLike<number>) => Array.from(values).every(Number.isFinite);
/** The reason the WebGPU engine gave for declining the estimator's last call. */
const declined = (est: { engineTrace_: { engine: string; outcome: string; reason?: string }[] }) => est.engineTrace_.filter((e) => e.engine === engine && e.outcome === "declined").at(-1)?.reason;

describeWebGPU("inputs outside the device's float32 range are declined", () => {
  it("StandardScaler on values up to 3e38: declined with the bound, and the CPU's statistics are finite", async () => {
    const scaler = await new StandardScaler().setComputationalEngine(engine).fit(scaled(5e37));
    expect(scaler.engineUsed_).toBe("cpu");
    expect(declined(scaler)).toBe(
      "column 0 has |x| up to 3.0e+38: too large for the device's float32 arithmetic: StandardScaler needs max |x| <= 2^62 / sqrt(n) = 1.5e+17 " +
        "per column for n = 1000 rows, so that sums of squared deviations stay below 2^126",
    );
    expect(finite(scaler.mean_!) && finite(scaler.var_!)).toBe(true);
    const strict = new StandardScaler().setComputationalEngine(engine, { fallback: false });
    await expect(strict.fit(scaled(5e37))).rejects.toThrow(EngineDeclinedError);
  });

  it("StandardScaler on tiny values (variances that would underflow): declined, so no negative or flushed variance", async () => {
    const scaler = await new StandardScaler().setComputationalEngine(engine).fit(scaled(1e-30).astype("float64"));
    expect(scaler.engineUsed_).toBe("cpu");
    expect(declined(scaler)).toMatch(/^column 0 has \|x\| up to 6\.0e-30: too small .* >= 2\^-50 \* sqrt\(n\) = 2\.8e-14 per column/);
    expect(Array.from(scaler.var_!).every((v) => v > 0)).toBe(true);
  });

  it("StandardScaler.transform of values a fitted scaler would take past 2^126 declines per call", async () => {
    const scaler = await new StandardScaler().setComputationalEngine(engine).fit(scaled(1));
    expect(scaler.engineUsed_).toBe(engine);
    const Z = await scaler.transform(scaled(5e37));
    expect(scaler.engineTrace_.at(-1)).toMatchObject({ engine: "cpu", outcome: "ran" });
    expect(declined(scaler)).toMatch(/^column 0 has \|x\| up to 3\.0e\+38, giving results up to .*: too large .* \(x - mean\) \/ scale must stay below 2\^126/);
    expect(finite(Z.data)).toBe(true);
  });

  it("KMeans on values up to 3e38, or with initial centers that large, or with negligible weights: declined, finite centers", async () => {
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine(engine).fit(scaled(5e37));
    expect(km.engineUsed_).toBe("cpu");
    expect(declined(km)).toMatch(/^values with \|x\| up to 3\.0e\+38: too large .* KMeans over 4 features and 1000 rows needs max \|x\| <= /);
    expect(finite(km.clusterCenters_.data)).toBe(true);
    const init = [[0, 0, 0, 0], [1e30, 1e30, 1e30, 1e30]];
    const withInit = await new KMeans({ nClusters: 2, init }).setComputationalEngine(engine).fit(scaled(1));
    expect(withInit.engineUsed_).toBe("cpu");
    expect(declined(withInit)).toMatch(/^values with \|x\| up to 1\.0e\+30: too large/);
    // Float64 X: core rounds the weights of float32 X to float32, where 1e-120 is 0 for every engine.
    const sampleWeight = Float64Array.from({ length: 1000 }, (_, i) => (i < 500 ? 1 : 1e-120));
    const light = await new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine(engine).fit(scaled(1).astype("float64"), undefined, { sampleWeight });
    expect(light.engineUsed_).toBe("cpu");
    expect(declined(light)).toMatch(/^sample weights down to 1\.0e-120: too small .* every positive weight >= /);
  });

  it("KMeans.predict, transform and score on queries out of range decline per call; the model stays on the device", async () => {
    const km = await new KMeans({ nClusters: 3, randomState: 0 }).setComputationalEngine(engine).fit(blobs(600, 4, 3));
    expect(km.engineUsed_).toBe(engine);
    // Squared distances of 1e30 overflow float32; the distances themselves do not.
    for (const call of [() => km.predict(scaled(1e30)), () => km.transform(scaled(1e30)), () => km.score(scaled(1e30))]) {
      await call();
      expect(km.engineTrace_.at(-1)).toMatchObject({ engine: "cpu", outcome: "ran" });
      expect(declined(km)).toMatch(/too large for the device's float32 arithmetic/);
    }
    expect(finite((await km.transform(scaled(1e30))).data)).toBe(true);
  });

  it("neighbours: a training set or queries out of range decline, and so do regression targets too small to average", async () => {
    const nn = await new NearestNeighbors({ nNeighbors: 3 }).setComputationalEngine(engine).fit(scaled(5e37));
    expect(nn.engineUsed_).toBe("cpu");
    expect(declined(nn)).toMatch(/^values with \|x\| up to 3\.0e\+38: too large .* euclidean distances over 4 features need max \|x\| <= 2\.3e\+18/);
    const fitted = await new NearestNeighbors({ nNeighbors: 3 }).setComputationalEngine(engine).fit(scaled(1));
    const { distances } = await fitted.kneighbors(scaled(1e30));
    expect(fitted.engineTrace_.at(-1)).toMatchObject({ engine: "cpu", outcome: "ran" });
    expect(finite(distances.data)).toBe(true);
    // Minkowski p = 10 on data of magnitude 1: differences below 2^-12.6 vanish in float32 once raised to the 10th power.
    const p10 = await new NearestNeighbors({ nNeighbors: 3, metric: "minkowski", p: 10 }).setComputationalEngine(engine).fit(uniform(500, 4, 1));
    expect(p10.engineUsed_).toBe("cpu");
    expect(declined(p10)).toMatch(/too small .* minkowski distances over 4 features need max \|x\| >= /);
    const y = Array.from({ length: 1000 }, (_, i) => i * 1e-110);
    const reg = await new KNeighborsRegressor({ nNeighbors: 2 }).setComputationalEngine(engine).fit(scaled(1), y);
    expect(reg.engineUsed_).toBe("cpu");
    expect(declined(reg)).toMatch(/^regression targets with \|y\| up to 1\.0e-107: too small/);
  });

  it("ordinary data stays on the device: blobs, standardised data, embeddings in [-1, 1], magnitudes 1e-6 and 1e6", async () => {
    const embeddings = Matrix.from(Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i * 12.9898)), 1000, 4);
    for (const X of [blobs(1000, 4, 3), embeddings, scaled(1e-6), scaled(1e6), scaled(1e6).astype("float64")]) {
      const scaler = await new StandardScaler().setComputationalEngine(engine).fit(X);
      const Z = await scaler.transform(X);
      const km = await new KMeans({ nClusters: 3, randomState: 0 }).setComputationalEngine(engine).fit(Z);
      const nn = await new NearestNeighbors({ nNeighbors: 3 }).setComputationalEngine(engine).fit(X);
      await nn.kneighbors(X);
      expect([scaler, km, nn].map((e) => e.engineUsed_)).toEqual([engine, engine, engine]);
    }
  });

  it("a resident matrix carries its producer's bound: StandardScaler's output feeds KMeans on the device", async () => {
    const pipe = new Pipeline([
      ["scale", new StandardScaler()],
      ["cluster", new KMeans({ nClusters: 3, randomState: 0 })],
    ]).setComputationalEngine(engine, { fallback: false });
    await pipe.fit(blobs(1000, 4, 3, 0, 1e6));
    expect(pipe.engineUsed_).toEqual({ scale: engine, cluster: engine });
  });

  it("the bounds follow the arithmetic", () => {
    // n (2 a)^2 <= 2^126 per column; a >= 2^-50 sqrt(n).
    expect(scalerFitRange(Float64Array.of(2 ** 61), 4)).toBe(true);
    expect(scalerFitRange(Float64Array.of(2 ** 61 * 1.01), 4)).toMatch(/too large/);
    expect(scalerFitRange(Float64Array.of(2 ** -49), 4)).toBe(true);
    expect(scalerFitRange(Float64Array.of(2 ** -49 * 0.99), 4)).toMatch(/too small/);
    expect(scalerFitRange(Float64Array.of(0), 4)).toBe(true);
    // d (2 a)^2 <= 2^126; a >= 2^-39 sqrt(d).
    expect(distanceRange("euclidean", 2, 16, 2 ** 60)).toBe(true);
    expect(distanceRange("euclidean", 2, 16, 2 ** 60 * 1.01)).toMatch(/too large/);
    expect(distanceRange("euclidean", 2, 16, 2 ** -37)).toBe(true);
    expect(distanceRange("euclidean", 2, 16, 2 ** -37 * 0.99)).toMatch(/too small/);
    expect(distanceRange("cosine", 2, 16, 2 ** -120)).toBe(true);
    // 4 d a^2 max(n, sum w) <= 2^126 and a sum w <= 2^126.
    expect(kmeansRange(2 ** 51, 2 ** 20, 2 ** 2, undefined, true)).toBe(true);
    expect(kmeansRange(2 ** 51 * 1.01, 2 ** 20, 2 ** 2, undefined, true)).toMatch(/too large/);
    expect(kmeansRange(1, 100, 2, { sum: 2 ** 127, minPositive: 1 }, false)).toMatch(/total weight/);
  });

  it("the last line of defence: a non-finite device result declines the call (NotSupportedByEngineError), never reaches the user", () => {
    expect(() => requireFinite(Float32Array.of(1, Infinity), "the centers")).toThrow(NotSupportedByEngineError);
    expect(() => requireFinite(Float32Array.of(1, NaN), "the centers")).toThrow("the device computed NaN in the centers from finite input");
    expect(() => requireFinite(Float32Array.of(1, -2), "the centers")).not.toThrow();
  });
});
