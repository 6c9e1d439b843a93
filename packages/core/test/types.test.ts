// Types that fit what the methods return. This file fails to compile (`npx tsc -p tsconfig.test.json`) when they
// regress: results are assigned to explicitly typed variables, and `@ts-expect-error` marks what must not compile.
// The runtime expectations check that the types describe the values.
import { CsrMatrix, KMeans, KNeighborsClassifier, KNeighborsRegressor, Matrix, NearestNeighbors, Pipeline, StandardScaler, type PipelineStep } from "@plugml/core";

const X = [[0, 1], [0, 2], [9, 9], [9, 8]];

describe("types", () => {
  it("radiusNeighbors gives one array per query, without distances when returnDistance is false; Float32Array rows are input", async () => {
    const nn = await new NearestNeighbors({ radius: 1 }).fit([Float32Array.of(0, 0), Float32Array.of(0, 1)]);
    const { distances, indices }: { distances: (Float32Array | Float64Array)[]; indices: Int32Array[] } = await nn.radiusNeighbors([Float32Array.of(0, 0.5)]);
    const only = await nn.radiusNeighbors(undefined, { returnDistance: false });
    // @ts-expect-error no distances were asked for
    const none = only.distances;
    const graph: CsrMatrix = await nn.radiusNeighborsGraph();
    expect(Array.from(indices[0])).toEqual([0, 1]);
    expect(distances[0]).toBeInstanceOf(Float32Array);
    expect(none).toBeUndefined();
    expect(graph.toDense().toArray()).toEqual([[0, 1], [1, 0]]);
  });

  it("predictProba is a float64 matrix, so its rows reduce to numbers", async () => {
    const clf = await new KNeighborsClassifier({ nNeighbors: 2 }).fit(X, [0, 0, 1, 1]);
    const proba: Matrix<Float64Array> = await clf.predictProba([[0, 1.5]]);
    const total: number = proba.row(0).reduce((a, b) => a + b, 0);
    // @ts-expect-error probabilities are never float32
    const float32: Float32Array = proba.row(0);
    expect(total).toBe(1);
    expect(float32).toBeInstanceOf(Float64Array);
  });

  it("a Pipeline's predict is its final step's: cluster indices for KMeans", async () => {
    const pipe = new Pipeline([
      ["scale", new StandardScaler()],
      ["cluster", new KMeans({ nClusters: 2, randomState: 0 })],
    ]);
    await pipe.fit(X);
    const labels: Int32Array = await pipe.predict(X);
    const fitted: Int32Array = await pipe.fitPredict(X);
    // @ts-expect-error a KMeans Pipeline predicts cluster indices, not labels
    const asLabels: string[] = await pipe.predict(X);
    const distances: Matrix = await pipe.transform(X);
    expect(labels).toBeInstanceOf(Int32Array);
    expect(fitted).toEqual(labels);
    expect(asLabels).toEqual(labels);
    expect(distances.rows).toBe(4);
  });

  it("a Pipeline's predict is its final step's: labels of the classifier's label type, numbers of a regressor", async () => {
    const classify = new Pipeline([
      ["scale", new StandardScaler()],
      ["classify", new KNeighborsClassifier<string>({ nNeighbors: 1 })],
    ]);
    await classify.fit(X, ["a", "a", "b", "b"]);
    const labels: string[] = await classify.predict(X);
    // @ts-expect-error string labels are not codes
    const codes: Int32Array = await classify.predict(X);
    const regress = new Pipeline([["regress", new KNeighborsRegressor({ nNeighbors: 1 })]]);
    await regress.fit(X, [1, 2, 3, 4]);
    const values: Float64Array = await regress.predict(X);
    expect(labels).toEqual(["a", "a", "b", "b"]);
    expect(codes).toEqual(labels);
    expect(values).toEqual(Float64Array.of(1, 2, 3, 4));
  });

  it("namedSteps has each step under its name and type", async () => {
    const pipe = new Pipeline([
      ["scale", new StandardScaler()],
      ["cluster", new KMeans({ nClusters: 2, randomState: 0 })],
    ]);
    await pipe.fit(X);
    const km: KMeans = pipe.namedSteps.cluster;
    const scaler: StandardScaler = pipe.namedSteps.scale;
    // @ts-expect-error no step is named "classify"
    const missing: unknown = pipe.namedSteps.classify;
    expect(km.nIter_).toBeGreaterThan(0);
    expect(scaler.nSamplesSeen_).toBe(4);
    expect(missing).toBeUndefined();
  });

  it("a Pipeline of steps known only as PipelineStep keeps the general types", async () => {
    const steps: [string, PipelineStep][] = [["cluster", new KMeans({ nClusters: 2, randomState: 0 })]];
    const pipe = new Pipeline(steps);
    await pipe.fit(X);
    const predicted: unknown = await pipe.predict(X);
    const step: PipelineStep | undefined = pipe.namedSteps.cluster;
    expect(predicted).toBeInstanceOf(Int32Array);
    expect(step).toBe(steps[0][1]);
  });
});
