// silhouetteScore / silhouetteSamples on engine-cpu: scikit-learn's values to 1e-12 relative in float64 on both code
// paths (pure TypeScript and the SIMD kernels), the label rules, sampling, and memory bounded by the chunking.
import { readFileSync } from "node:fs";
import { KMeans, Matrix, RandomState, StandardScaler, registerEngine, silhouetteSamples, silhouetteScore, ValidationError, withConfig, type TraceEntry, addTraceListener } from "@plugml/core";
import type { SilhouetteCase } from "@plugml/core/testing";
import { createCpuEngine } from "@plugml/engine-cpu";
import { chunkRowsFor } from "../src/metrics.js";

const fixture = JSON.parse(readFileSync(new URL("../../../scripts/fixtures/sklearn-silhouette-cases.json", import.meta.url), "utf8")) as {
  cases: SilhouetteCase[];
  docs: { X: number[][]; scores: Record<string, number>; best: number };
};
const portable = createCpuEngine({ name: "cpu-portable-silhouette", wasm: false });
// A working memory of 64 KiB cuts even the fixtures' 60 rows into several chunks.
const simd = createCpuEngine({ name: "cpu-simd-silhouette", threads: 2, fastPathMinWork: 0, workingMemory: 1 << 16 });
const large = createCpuEngine({ name: "cpu-simd-16mib", threads: 2, workingMemory: 1 << 24 });
[portable, simd, large].forEach((e) => registerEngine(e));
afterAll(() => [portable, simd, large].forEach((e) => e.dispose?.()));

const on = <R>(engine: string, fn: () => Promise<R>) => withConfig({ engines: [engine], fallback: false }, fn);
const relClose = (got: ArrayLike<number>, want: ArrayLike<number>, rtol: number) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(rtol * Math.max(Math.abs(want[i]), 1e-300));
};

describe.each(["cpu-portable-silhouette", "cpu-simd-silhouette"])("%s", (engine) => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))("scikit-learn's %s to 1e-12 relative in float64", async (_, c) => {
    const samples = await on(engine, () => silhouetteSamples(c.X, c.labels, { metric: c.metric }));
    // Coefficients that are 0 (singletons, a = b = 0) must be exactly 0.
    relClose(samples, c.expected.samples, 1e-12);
    relClose([await on(engine, () => silhouetteScore(c.X, c.labels, { metric: c.metric }))], [c.expected.score], 1e-12);
  });

  it("float32 input gives scikit-learn's float64 values to float32 accuracy", async () => {
    const c = fixture.cases.find((k) => k.name === "silhouette-blobs-euclidean")!;
    const samples = await on(engine, () => silhouetteSamples(Matrix.from(c.X).astype("float32"), c.labels));
    samples.forEach((s, i) => expect(Math.abs(s - c.expected.samples[i])).toBeLessThan(1e-6));
  });
});

test("both code paths give the same sums: the SIMD distances equal the TypeScript ones, added in the same order", async () => {
  const c = fixture.cases.find((k) => k.name === "silhouette-blobs-shuffled-labels")!;
  const a = await on("cpu-portable-silhouette", () => silhouetteSamples(c.X, c.labels));
  const b = await on("cpu-simd-silhouette", () => silhouetteSamples(c.X, c.labels));
  expect(Array.from(b)).toEqual(Array.from(a));
});

test("labels: strings as numbers, and 2 to n - 1 distinct labels required (scikit-learn's check_number_of_labels)", async () => {
  const X = [[0], [1], [10], [11], [30]];
  const numeric = await silhouetteSamples(X, [0, 0, 1, 1, 2]);
  expect(await silhouetteSamples(X, ["b", "b", "a", "a", "c"])).toEqual(numeric);
  // scikit-learn: silhouette_samples([[0], [1], [10], [11], [30]], [0, 0, 1, 1, 2]) = [0.9047619047619048, 0.8947368421052632, 0.8947368421052632, 0.9047619047619048, 0]
  relClose(numeric, [0.9047619047619048, 0.8947368421052632, 0.8947368421052632, 0.9047619047619048, 0], 1e-15);
  await expect(silhouetteScore(X, [0, 0, 0, 0, 0])).rejects.toThrow(
    new ValidationError("silhouetteScore: the number of labels is 1; valid values are 2 to n_samples - 1 = 4 (inclusive)."),
  );
  await expect(silhouetteSamples(X, [0, 1, 2, 3, 4])).rejects.toThrow("silhouetteSamples: the number of labels is 5; valid values are 2 to n_samples - 1 = 4 (inclusive).");
  await expect(silhouetteScore(X, [0, 1])).rejects.toThrow(ValidationError);
  await expect(silhouetteScore(X, [0, 0, 1, 1, 1], { metric: "chebyshev" as "euclidean" })).rejects.toThrow(ValidationError);
});

test("sampleSize scores the first sampleSize rows of randomState's permutation, as scikit-learn draws them", async () => {
  const c = fixture.cases.find((k) => k.name === "silhouette-blobs-euclidean")!;
  const picked = Array.from(new RandomState(5).permutation(c.X.length).subarray(0, 25));
  const subset = await silhouetteSamples(picked.map((i) => c.X[i]), picked.map((i) => c.labels[i]));
  const expected = subset.reduce((s, v) => s + v, 0) / subset.length;
  expect(await silhouetteScore(c.X, c.labels, { sampleSize: 25, randomState: 5 })).toBe(expected);
  // Larger than n: every sample, as numpy's permutation(n)[:sampleSize].
  expect(await silhouetteScore(c.X, c.labels, { sampleSize: 1000, randomState: 5 })).toBeCloseTo(c.expected.score, 14);
});

test("memory stays O(chunk x n): 30,000 rows, whose n x n distances (7.2 GB) are never allocated", async () => {
  expect(chunkRowsFor(30000, 1 << 24)).toBe(69);
  expect(chunkRowsFor(30000, 1 << 24) * 30000 * 8).toBeLessThanOrEqual(1 << 24);
  expect(chunkRowsFor(10, 1 << 26)).toBe(10);
  const n = 30000;
  const rng = new RandomState(1);
  const X = new Float64Array(n * 2).map((_, i) => rng.random() + 20 * (Math.floor(i / 2) % 2));
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const entries: TraceEntry[] = [];
  const stop = addTraceListener((e) => entries.push(e));
  const before = process.memoryUsage().rss;
  const score = await on("cpu-simd-16mib", () => silhouetteScore(Matrix.from(X, n, 2), labels));
  stop();
  // X packed in kernel memory, one 16 MiB chunk of distances, the sums: far below 256 MiB.
  expect(process.memoryUsage().rss - before).toBeLessThan(1 << 28);
  // Two separated unit squares 20 apart: a ~ 0.52, b ~ 20, so s ~ 0.97.
  expect(score).toBeGreaterThan(0.95);
  expect(entries.find((e) => e.hook === "clusterDistanceSums")?.threads?.count).toBe(2);
}, 60000);

test("docs/clustering.md's customer segmentation: scikit-learn's scores for k = 2..6 to 1e-12, as the doc prints them", async () => {
  const segments = [[20, 2, 15], [80, 8, 30], [50, 15, 10], [120, 4, 60]];
  const customers = Array.from({ length: 40 }, (_, i) => segments[i % 4].map((v, j) => v * (1 + (((i * 7 + j * 3) % 11) - 5) / 50)));
  expect(customers).toEqual(fixture.docs.X);
  const scaled = await new StandardScaler().fitTransform(customers);
  const doc = readFileSync(new URL("../../../docs/clustering.md", import.meta.url), "utf8");
  for (let k = 2; k <= 6; k++) {
    const km = await new KMeans({ nClusters: k, init: scaled.toArray().slice(0, k) }).fit(scaled);
    const score = await silhouetteScore(scaled, km.labels_);
    relClose([score], [fixture.docs.scores[k]], 1e-12);
    expect(doc).toContain(`k = ${k}: silhouette ${fixture.docs.scores[k].toFixed(4)}`);
  }
  expect(doc).toContain(`best k: ${fixture.docs.best}`);
});
