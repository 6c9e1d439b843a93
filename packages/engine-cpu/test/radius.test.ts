// Radius queries and the neighbour graphs on engine-cpu, through the three estimators: inclusive radius, order by
// index or by distance, the training set queried against itself, every metric agreeing with kneighbors' distances,
// float32 rows kept float32, graphs in both modes, and the checks of the arguments.
import { CsrMatrix, KNeighborsClassifier, KNeighborsRegressor, Matrix, NearestNeighbors, ValidationError } from "@plugml/core";
import { readFileSync } from "node:fs";
import { kNearest, resolveMetric } from "../src/kernels/index.js";
import { radiusNeighbors, type RadiusResult } from "../src/kernels/radius.js";
import { fastRadiusNeighbors } from "../src/fast/radius.js";
import { KernelRuntime } from "../src/fast/runtime.js";
import type { MetricSpec } from "../src/kernels/metrics.js";
import type { KernelMetric } from "../src/wasm/kernels.js";

const runtimes = { workers: KernelRuntime.create({ threads: 2, idleMs: 100 })!, inline: KernelRuntime.create({ threads: 0, idleMs: 100 })! };
afterAll(() => Object.values(runtimes).forEach((runtime) => runtime.dispose()));

const line = [[0], [1], [3], [7], [3]];

describe("radiusNeighbors on engine-cpu", () => {
  it("finds every training sample within the radius, inclusive, by index or nearest first", async () => {
    const nn = await new NearestNeighbors({ radius: 2 }).setComputationalEngine("cpu", { fallback: false }).fit(line);
    const byIndex = await nn.radiusNeighbors([[1], [5], [20]]);
    expect(byIndex.indices.map((r) => Array.from(r))).toEqual([[0, 1, 2, 4], [2, 3, 4], []]);
    expect(byIndex.distances.map((r) => Array.from(r))).toEqual([[1, 0, 2, 2], [2, 2, 2], []]);
    expect(byIndex.distances[0]).toBeInstanceOf(Float64Array);
    const sorted = await nn.radiusNeighbors([[1]], { sortResults: true, radius: 1 });
    expect(Array.from(sorted.indices[0])).toEqual([1, 0]);
    expect(Array.from(sorted.distances[0])).toEqual([0, 1]);
    expect(nn.engineUsed_).toBe("cpu");
  });

  it("without X leaves each sample out of its own neighbours but keeps its duplicates", async () => {
    const nn = await new NearestNeighbors({ radius: 1 }).fit(line);
    const { indices } = await nn.radiusNeighbors(undefined, { returnDistance: false });
    expect(indices.map((r) => Array.from(r))).toEqual([[1], [0], [4], [], [2]]);
  });

  it("keeps float32 for Float32Array rows (embeddings) and agrees with kneighbors for every metric", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => Float32Array.from([Math.sin(i), Math.cos(3 * i), (i % 7) / 3, 1]));
    for (const [metric, p] of [["euclidean", 2], ["manhattan", 1], ["chebyshev", 2], ["cosine", 2], ["minkowski", 3]] as const) {
      const nn = await new NearestNeighbors({ metric, p, nNeighbors: 39 }).fit(rows);
      const all = await nn.kneighbors(rows.slice(0, 5));
      expect(all.distances.dtype).toBe("float32");
      for (let q = 0; q < 5; q++) {
        // A radius between the 6th and 7th smallest distances finds exactly the 6 nearest, with kneighbors' distances.
        const radius = (all.distances.get(q, 5) + all.distances.get(q, 6)) / 2;
        expect(all.distances.get(q, 6)).toBeGreaterThan(all.distances.get(q, 5));
        const found = await nn.radiusNeighbors([rows[q]], { radius, sortResults: true });
        expect(found.distances[0]).toBeInstanceOf(Float32Array);
        expect(new Set(found.indices[0])).toEqual(new Set(all.indices.row(q).slice(0, 6)));
        expect(Array.from(found.distances[0])).toEqual(Array.from(all.distances.row(q)).slice(0, 6));
      }
    }
  });

  it("is there on the classifier and the regressor, with their radius parameter", async () => {
    const clf = await new KNeighborsClassifier({ nNeighbors: 1, radius: 1.5 }).fit(line, ["a", "a", "b", "c", "b"]);
    expect((await clf.radiusNeighbors([[2]])).indices.map((r) => Array.from(r))).toEqual([[1, 2, 4]]);
    const reg = await new KNeighborsRegressor({ nNeighbors: 1 }).fit(line, [1, 2, 3, 4, 5]);
    expect((await reg.radiusNeighbors([[2]])).indices.map((r) => Array.from(r))).toEqual([[1, 2, 4]]);
  });

  it("checks the radius and the options", async () => {
    expect(() => new NearestNeighbors({ radius: -1 })).toThrow(ValidationError);
    expect(() => new NearestNeighbors({ radius: Infinity })).toThrow(ValidationError);
    const nn = await new NearestNeighbors().fit(line);
    await expect(nn.radiusNeighbors([[0]], { radius: NaN })).rejects.toThrow("NearestNeighbors.radiusNeighbors: radius must be a finite number >= 0, got NaN.");
    await expect(nn.radiusNeighbors([[0]], { returnDistance: false, sortResults: true })).rejects.toThrow(
      "NearestNeighbors.radiusNeighbors: sortResults needs returnDistance (the order is by distance).",
    );
    await expect(nn.radiusNeighbors([[0, 1]])).rejects.toThrow(ValidationError);
    await expect(nn.kneighborsGraph(undefined, { mode: "dist" as never })).rejects.toThrow('mode must be "connectivity" or "distance", got "dist"');
  });
});

describe("neighbour graphs", () => {
  it("kneighborsGraph: each sample's k nearest others, 1s or distances, as scikit-learn's kneighbors_graph", async () => {
    const nn = await new NearestNeighbors({ nNeighbors: 2 }).fit(line);
    const g = await nn.kneighborsGraph();
    expect(g).toBeInstanceOf(CsrMatrix);
    expect([g.rows, g.cols, g.nnz]).toEqual([5, 5, 10]);
    expect(Array.from(g.indptr)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(g.toDense().toArray()).toEqual([
      [0, 1, 1, 0, 0],
      [1, 0, 1, 0, 0],
      [0, 1, 0, 0, 1],
      [0, 0, 1, 0, 1],
      [0, 1, 1, 0, 0],
    ]);
    const d = await nn.kneighborsGraph([[6]], { nNeighbors: 1, mode: "distance" });
    expect(d.toDense().toArray()).toEqual([[0, 0, 0, 1, 0]]);
  });

  it("radiusNeighborsGraph: rows of different lengths, explicit zeros for distance 0, sorted on request", async () => {
    const nn = await new NearestNeighbors({ radius: 2 }).fit(line);
    const g = await nn.radiusNeighborsGraph([[1], [20], [3]], { mode: "distance" });
    expect(Array.from(g.indptr)).toEqual([0, 4, 4, 7]);
    expect(Array.from(g.row(0).indices)).toEqual([0, 1, 2, 4]);
    expect(Array.from(g.row(0).data)).toEqual([1, 0, 2, 2]);
    expect(Array.from(g.row(2).data)).toEqual([2, 0, 0]);
    expect(g.toDense().toArray()[2]).toEqual([0, 2, 0, 0, 0]);
    const sorted = await nn.radiusNeighborsGraph([[3]], { sortResults: true, mode: "distance" });
    expect(Array.from(sorted.row(0).indices)).toEqual([2, 4, 1]);
    const ones = await nn.radiusNeighborsGraph(undefined, { radius: 1 });
    expect(Array.from(ones.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(ones.indices)).toEqual([1, 0, 4, 2]);
  });

  it("CsrMatrix checks its structure", () => {
    expect(() => new CsrMatrix(2, 2, Int32Array.from([0, 1]), new Int32Array(1), new Float64Array(1))).toThrow(ValidationError);
    expect(() => new CsrMatrix(1, 2, Int32Array.from([0, 1]), Int32Array.from([2]), new Float64Array(1))).toThrow("column 2 at 0 is outside [0, 2)");
    expect(new CsrMatrix(1, 3, Int32Array.from([0, 2]), Int32Array.from([2, 2]), Float64Array.from([1, 2])).toDense().toArray()).toEqual([[0, 0, 3]]);
  });
});

describe("the exact radius kernel", () => {
  it("finds, in both orders, what kNearest's distances put within the radius, for every metric and over the full range", () => {
    const values = [0, 1, -2, 1e-300, 3e300, -1e300, 0.5];
    const X = Matrix.from(Array.from({ length: 14 }, (_, i) => [values[i % 7], values[(3 * i) % 7]]));
    for (const metric of ["euclidean", "manhattan", "chebyshev", "minkowski", "cosine"] as const) {
      const spec = resolveMetric(metric, 3);
      const all = kNearest(X, X, X.rows - 1, spec, { skipSelf: true });
      for (const radius of [0, 1, 2.5, 1e300, 4e300]) {
        const byIndex = radiusNeighbors(X, X, radius, spec, { skipSelf: true });
        const sorted = radiusNeighbors(X, X, radius, spec, { skipSelf: true, sortResults: true });
        for (let q = 0; q < X.rows; q++) {
          const k = X.rows - 1;
          const within = Array.from({ length: k }, (_, s) => s).filter((s) => all.distances[q * k + s] <= radius);
          const expected = within.map((s) => [all.indices[q * k + s], all.distances[q * k + s]]);
          expect(Array.from(sorted.indices[q])).toEqual(expected.map(([t]) => t));
          expect(Array.from(sorted.distances[q])).toEqual(expected.map(([, d]) => d));
          expected.sort((a, b) => a[0] - b[0]);
          expect(Array.from(byIndex.indices[q])).toEqual(expected.map(([t]) => t));
          expect(Array.from(byIndex.distances[q])).toEqual(expected.map(([, d]) => d));
        }
      }
    }
  });
});

describe("docs/neighbors.md", () => {
  it("the embedding search sample shows scikit-learn's results on its data", () => {
    const fixture = JSON.parse(readFileSync(new URL("../../../scripts/fixtures/sklearn-radius-cases.json", import.meta.url), "utf8"));
    const c = fixture.cases.find((x: { name: string }) => x.name === "radius-embeddings-cosine");
    const doc = readFileSync(new URL("../../../docs/neighbors.md", import.meta.url), "utf8");
    const section = doc.slice(doc.indexOf("## Embedding search"));
    const rows = [...section.matchAll(/Float32Array\.of\(([^)]*)\)/g)].map((m) => m[1].split(",").map(Number));
    expect(rows.slice(0, -1)).toEqual(c.Xtrain);
    expect(rows.slice(-1)).toEqual(c.Xquery);
    expect(section).toContain(`radius: ${c.params.radius}, sortResults`);
    const show = (values: number[]) => values.map((v) => v.toFixed(4)).join(" ");
    const { kneighbors, indices, distances, kneighborsGraph } = c.expected;
    const expected = [
      `kneighbors: ${kneighbors.indices[0].join(" ")} | ${show(kneighbors.distances[0])}`,
      `radiusNeighbors: ${indices[0].join(" ")} | ${show(distances[0])} | Float32Array`,
      `kneighborsGraph: 6 x 6 with ${kneighborsGraph.nNeighbors * 6} entries`,
      ...kneighborsGraph.dense.map(show),
    ].join("\n");
    const shown = section.slice(section.indexOf("```text\n") + 8);
    expect(shown.slice(0, shown.indexOf("```")).trim()).toBe(expected);
  });
});

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Small integer values (exact ties at many radii), some noise, duplicated rows and zero rows, times `scale`. */
function data(rows: number, cols: number, dtype: "float32" | "float64", seed: number, scale = 1): Matrix {
  const rand = random(seed);
  const values = Float64Array.from({ length: rows * cols }, () => scale * (Math.floor(rand() * 3) - 1 + (rand() < 0.7 ? 0 : rand())));
  for (let r = 3; r < rows; r += 7) values.copyWithin(r * cols, (r - 3) * cols, (r - 2) * cols);
  for (let r = 5; r < rows; r += 11) values.fill(0, r * cols, (r + 1) * cols);
  return Matrix.from(values, rows, cols).astype(dtype);
}

const plain = (r: RadiusResult) => ({ indices: r.indices.map((x) => Array.from(x)), distances: r.distances.map((x) => Array.from(x)), types: r.distances.map((x) => x.constructor.name) });

describe("the radius fast path (float32 filter, exact re-check)", () => {
  const metrics: KernelMetric[] = ["euclidean", "manhattan", "chebyshev", "cosine"];
  const spec = (metric: KernelMetric) => resolveMetric(metric, 2) as MetricSpec & { metric: KernelMetric };

  it("returns exactly the reference's neighbours and distances: radii at exact ties, both dtypes, mixed, self, overflowing rooms, tiny batches", async () => {
    const actuals: Promise<void>[] = [];
    for (const metric of metrics) {
      for (const dtype of ["float64", "float32"] as const) {
        const train = data(300, 7, dtype, 11);
        const queries = data(37, 7, dtype, 5);
        const mixed = data(37, 7, dtype === "float32" ? "float64" : "float32", 5);
        // Exact ties: the distances between integer rows are often exactly 1, 2, sqrt(2)...; 6 reaches past 256 rows.
        const radii = metric === "cosine" ? [0, 0.2, 0.5, 1, 1.5] : [0, 1, Math.SQRT2, 2, 6];
        radii.forEach((radius, r) => {
          // Sorted and by index alternate over the radii, small and large working memory over the runtimes.
          const sortResults = r % 2 === 1;
          for (const [q, t, skipSelf] of [[queries, train, false], [mixed, train, false], [train, train, true]] as const) {
            const expected = plain(radiusNeighbors(q, t, radius, spec(metric), { skipSelf, sortResults }));
            for (const [runtime, workingMemory] of [[runtimes.workers, 4096], [runtimes.inline, 1 << 24]] as const) {
              actuals.push(fastRadiusNeighbors(runtime, q, t, radius, spec(metric), { skipSelf, sortResults, workingMemory }).then((a) => expect(plain(a)).toEqual(expected)));
            }
          }
        });
      }
    }
    await Promise.all(actuals);
  });

  it("covers data near float64's limits (scaled exact units) and takes the reference where no scaling fits", async () => {
    for (const metric of ["euclidean", "manhattan", "chebyshev"] as const) {
      for (const scale of [1e-300, 1e300]) {
        const train = data(60, 5, "float64", 3, scale);
        const queries = data(9, 5, "float64", 4, scale);
        for (const radius of [scale, 2 * scale, Math.SQRT2 * scale]) {
          const expected = plain(radiusNeighbors(queries, train, radius, spec(metric), { sortResults: true }));
          expect(plain(await fastRadiusNeighbors(runtimes.inline, queries, train, radius, spec(metric), { skipSelf: false, sortResults: true, workingMemory: 4096 }))).toEqual(
            expected,
          );
        }
      }
      const wide = Matrix.from([[1e-300, 0], [3e300, 1], [0, -1e300], [1, 1]]);
      const expected = plain(radiusNeighbors(wide, wide, 2e300, spec(metric), { skipSelf: true }));
      expect(plain(await fastRadiusNeighbors(runtimes.inline, wide, wide, 2e300, spec(metric), { skipSelf: true, sortResults: false, workingMemory: 4096 }))).toEqual(expected);
    }
  });

  it("is what the estimators run for large enough searches, and the trace says so", async () => {
    const train = data(400, 16, "float32", 9);
    const nn = await new NearestNeighbors({ radius: 3 }).setComputationalEngine("cpu", { fallback: false }).fit(train);
    const found = await nn.radiusNeighbors(data(50, 16, "float32", 2));
    const entry = nn.engineTrace_.find((e) => e.hook === "radiusNeighbors");
    expect(entry?.threads?.reason).toMatch(/WebAssembly SIMD/);
    expect(plain(found)).toEqual(plain(radiusNeighbors(data(50, 16, "float32", 2), train, 3, spec("euclidean"))));
  });
});
