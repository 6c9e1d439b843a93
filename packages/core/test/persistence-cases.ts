// Round trips of every estimator and of Pipelines through JSON text, on one engine, for both dtypes: the loaded model
// computes exactly what the original does (equal arrays, same dtypes) and saves to the same JSON. Shared by the
// engines' persistence tests, which run it on their own engine.
import {
  KMeans,
  KNeighborsClassifier,
  KNeighborsRegressor,
  loadModel,
  Matrix,
  NearestNeighbors,
  Normalizer,
  Pipeline,
  RandomState,
  saveModel,
  StandardScaler,
  type DType,
  type LoadedModel,
} from "@plugml/core";

/** Three well-separated blobs of `rows` points in 3 dimensions, in `dtype`. */
export function blobData(rows: number, dtype: DType, seed: number): Matrix {
  const rng = new RandomState(seed);
  const centers = [[0, 0, 0], [10, 10, 10], [-10, 10, 0]];
  const values = Array.from({ length: rows * 3 }, (_, k) => centers[Math.floor(k / 3) % 3][k % 3] + rng.random() * 2 - 1);
  return new Matrix(dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values), rows, 3);
}

/**
 * What a user does: JSON text out (`JSON.stringify(model)`, or `saveModel(model)` for a model whose training set
 * may live only on a device), JSON.parse, loadModel.
 */
export async function roundTrip<T extends LoadedModel>(model: T, via: "toJSON" | "saveModel" = "toJSON"): Promise<T> {
  const text = JSON.stringify(via === "toJSON" ? model : await saveModel(model));
  // For a model on the host both ways write the same.
  if (via === "toJSON") expect(JSON.stringify(await saveModel(model))).toBe(text);
  const loaded = loadModel(JSON.parse(text));
  expect(loaded).toBeInstanceOf(model.constructor);
  // Saving the loaded model writes the same JSON: nothing was lost or changed on the way.
  expect(JSON.stringify(loaded)).toBe(text);
  return loaded as T;
}

/** Runs the round-trip tests with every estimator on `engine()` (a name registered by the caller). */
export function roundTripCases(engine: () => string): void {
  describe.each(["float32", "float64"] as const)("%s data", (dtype) => {
    const X = blobData(15, dtype, 1);
    const Q = blobData(6, dtype, 2);
    const on = <E extends { setComputationalEngine(name: string, options: { fallback: boolean }): E }>(est: E): E =>
      est.setComputationalEngine(engine(), { fallback: false });

    it("KMeans: predict, transform, score and the fitted attributes", async () => {
      const km = await on(new KMeans({ nClusters: 3, randomState: 0 })).fit(X);
      const loaded = await roundTrip(km);
      expect(await loaded.predict(Q)).toEqual(await km.predict(Q));
      const distances = await loaded.transform(Q);
      expect(distances.dtype).toBe(dtype);
      expect(distances).toEqual(await km.transform(Q));
      expect(await loaded.score(Q)).toBe(await km.score(Q));
      expect(loaded.clusterCenters_).toEqual(km.clusterCenters_);
      expect(loaded.clusterCenters_.dtype).toBe(dtype);
      expect(loaded.labels_).toEqual(km.labels_);
      expect([loaded.inertia_, loaded.nIter_, loaded.nFeaturesIn_]).toEqual([km.inertia_, km.nIter_, km.nFeaturesIn_]);
      expect(loaded.engineUsed_).toBe(engine());
    });

    it("StandardScaler: transform, inverseTransform and the statistics", async () => {
      const scaler = await on(new StandardScaler()).fit(X);
      const loaded = await roundTrip(scaler);
      const Z = await loaded.transform(Q);
      expect(Z.dtype).toBe(dtype);
      expect(Z).toEqual(await scaler.transform(Q));
      expect(await loaded.inverseTransform(Q)).toEqual(await scaler.inverseTransform(Q));
      expect([loaded.mean_, loaded.var_, loaded.scale_, loaded.nSamplesSeen_]).toEqual([scaler.mean_, scaler.var_, scaler.scale_, scaler.nSamplesSeen_]);
      expect(loaded.engineUsed_).toBe(engine());
    });

    it("Normalizer: transform, norm and nFeaturesIn_", async () => {
      const normalizer = await on(new Normalizer({ norm: "l1" })).fit(X);
      const loaded = await roundTrip(normalizer);
      expect(loaded.getParams()).toEqual({ norm: "l1" });
      expect(loaded.nFeaturesIn_).toBe(3);
      const Z = await loaded.transform(Q);
      expect(Z.dtype).toBe(dtype);
      expect(Z).toEqual(await normalizer.transform(Q));
      expect(loaded.engineUsed_).toBe(engine());
    });

    it("Pipeline Normalizer -> NearestNeighbors: kneighbors of normalised queries", async () => {
      const pipe = await new Pipeline([
        ["unit", new Normalizer()],
        ["nn", new NearestNeighbors({ nNeighbors: 2 })],
      ])
        .setComputationalEngine(engine(), { fallback: false })
        .fit(X);
      // On a device engine the neighbours' training set is the normaliser's resident output: saveModel reads it back.
      const loaded = await roundTrip(pipe, "saveModel");
      const neighbours = async (p: typeof pipe) => (p.namedSteps.nn as NearestNeighbors).kneighbors(await (p.namedSteps.unit as Normalizer).transform(Q));
      expect(await neighbours(loaded)).toEqual(await neighbours(pipe));
    });

    it("NearestNeighbors: kneighbors of queries and of the training set", async () => {
      const nn = await on(new NearestNeighbors({ nNeighbors: 3 })).fit(X);
      const loaded = await roundTrip(nn);
      const found = await loaded.kneighbors(Q);
      expect(found.distances.dtype).toBe(dtype);
      expect(found).toEqual(await nn.kneighbors(Q));
      expect(await loaded.kneighbors()).toEqual(await nn.kneighbors());
      expect(loaded.nSamplesFit_).toBe(15);
      expect(loaded.engineUsed_).toBe(engine());
    });

    it.each([
      ["string", ["north", "east", "west"]],
      ["number", [7, -2, 30]],
    ] as const)("KNeighborsClassifier with %s labels: predict, predictProba, score, kneighbors", async (_, names) => {
      const y = Array.from({ length: 15 }, (_, i) => names[i % 3]);
      const clf = await on(new KNeighborsClassifier<(typeof names)[number]>({ nNeighbors: 4, weights: "distance" })).fit(X, y);
      const loaded = await roundTrip(clf);
      const predicted = await loaded.predict(Q);
      expect(predicted).toEqual(await clf.predict(Q));
      expect(typeof predicted[0]).toBe(typeof names[0]);
      expect(await loaded.predictProba(Q)).toEqual(await clf.predictProba(Q));
      const truth = Array.from({ length: 6 }, (_, i) => names[i % 3]);
      expect(await loaded.score(Q, truth)).toBe(await clf.score(Q, truth));
      expect(loaded.classes_).toEqual(clf.classes_);
      expect(await loaded.kneighbors(Q)).toEqual(await clf.kneighbors(Q));
      expect(loaded.engineUsed_).toBe(engine());
    });

    it("KNeighborsRegressor: predict, score, kneighbors", async () => {
      const y = Array.from({ length: 15 }, (_, i) => i * 1.5 - 4);
      const reg = await on(new KNeighborsRegressor({ nNeighbors: 3 })).fit(X, y);
      const loaded = await roundTrip(reg);
      expect(await loaded.predict(Q)).toEqual(await reg.predict(Q));
      const truth = [1, 2, 3, 4, 5, 6];
      expect(await loaded.score(Q, truth)).toBe(await reg.score(Q, truth));
      expect(await loaded.kneighbors(Q)).toEqual(await reg.kneighbors(Q));
      expect(loaded.engineUsed_).toBe(engine());
    });

    it("Pipeline StandardScaler -> KMeans: predict, transform, score", async () => {
      const pipe = await new Pipeline([
        ["scale", new StandardScaler()],
        ["cluster", new KMeans({ nClusters: 3, randomState: 0 })],
      ])
        .setComputationalEngine(engine(), { fallback: false })
        .fit(X);
      const loaded = await roundTrip(pipe);
      expect(await loaded.predict(Q)).toEqual(await pipe.predict(Q));
      expect(await loaded.transform(Q)).toEqual(await pipe.transform(Q));
      expect(await loaded.score(Q)).toBe(await pipe.score(Q));
      expect(loaded.engineUsed_).toEqual({ scale: engine(), cluster: engine() });
    });

    it("Pipeline StandardScaler -> KNeighborsClassifier: predict, score", async () => {
      const y = Array.from({ length: 15 }, (_, i) => ["a", "b", "c"][i % 3]);
      const pipe = await new Pipeline([
        ["scale", new StandardScaler()],
        ["classify", new KNeighborsClassifier({ nNeighbors: 3 })],
      ])
        .setComputationalEngine(engine(), { fallback: false })
        .fit(X, y);
      // On a device engine the classifier's training set is the scaler's resident output: saveModel reads it back.
      const loaded = await roundTrip(pipe, "saveModel");
      expect(await loaded.predict(Q)).toEqual(await pipe.predict(Q));
      expect(await loaded.score(Q, ["a", "b", "c", "a", "b", "c"])).toBe(await pipe.score(Q, ["a", "b", "c", "a", "b", "c"]));
      expect(loaded.engineUsed_).toEqual({ scale: engine(), classify: engine() });
    });
  });
}
