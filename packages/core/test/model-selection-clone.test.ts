// clone, getParams and setParams on estimators: same params and engine choice, nothing fitted copied, setParams
// validated by the constructor's schema.
import { describe, expect, test } from "@jest/globals";
import { clone, KMeans, KNeighborsClassifier, KNeighborsRegressor, Matrix, NearestNeighbors, RandomState, StandardScaler } from "../src/index.js";
import { messageOf } from "./helpers.js";

describe("clone", () => {
  test("a new unfitted estimator of the same class, params and engine setting", async () => {
    const knn = new KNeighborsClassifier({ nNeighbors: 1, weights: "distance" }).setComputationalEngine("cpu", { fallback: false });
    await knn.fit([[0], [1], [5]], ["a", "a", "b"]);
    const copy = clone(knn);
    expect(copy).toBeInstanceOf(KNeighborsClassifier);
    expect(copy).not.toBe(knn);
    expect(copy.getParams()).toEqual(knn.getParams());
    expect(copy.engineTrace_).toEqual([]);
    expect(() => copy.classes_).toThrow(/not fitted/i);
    expect(copy.toJSON().engineSetting).toEqual(knn.toJSON().engineSetting);
    expect(copy.toJSON().engineSetting).toEqual({ engines: ["cpu"], fallback: false });
    await copy.fit([[0], [1], [5]], ["a", "a", "b"]);
    expect(copy.engineUsed_).toBe("cpu");
    expect(await copy.predict([[4]])).toEqual(["b"]);
  });

  test("parameter values are copied: a RandomState gives an independent generator in the same state, matrices are new", () => {
    const rng = new RandomState(7);
    const init = Matrix.from([[0, 0], [1, 1]]);
    const km = new KMeans({ nClusters: 2, init, randomState: rng });
    const copy = clone(km);
    const copied = copy.getParams();
    expect(copied.randomState).not.toBe(rng);
    expect((copied.randomState as RandomState).nextUint32()).toBe(new RandomState(7).nextUint32());
    expect(copied.init).not.toBe(init);
    expect(copied.init).toEqual(init);
    for (const E of [StandardScaler, NearestNeighbors, KNeighborsRegressor]) expect(clone(new E())).toBeInstanceOf(E);
  });

  test("anything else is a ValidationError", () => {
    expect(messageOf(() => clone({} as never))).toBe("clone: expected a plugml estimator, Pipeline or GridSearchCV, got an object.");
    expect(messageOf(() => clone(null as never))).toBe("clone: expected a plugml estimator, Pipeline or GridSearchCV, got null.");
  });
});

describe("getParams and setParams", () => {
  test("setParams changes only the named parameters and returns the estimator", () => {
    const km = new KMeans({ nClusters: 3 });
    expect(km.setParams({ maxIter: 10, tol: 0 })).toBe(km);
    expect(km.getParams()).toMatchObject({ nClusters: 3, maxIter: 10, tol: 0, init: "k-means++" });
    expect(km.getParams({ deep: true })).toEqual(km.getParams({ deep: false }));
  });

  test("values are validated as the constructor does, unknown names list the valid ones, and nothing changes on error", () => {
    const km = new KMeans({ nClusters: 3 });
    expect(messageOf(() => km.setParams({ nClusters: 0 }))).toBe(messageOf(() => new KMeans({ nClusters: 0 })));
    expect(messageOf(() => km.setParams({ nClusters: 0 }))).toBe("KMeans: parameter nClusters must be an integer >= 1, got 0.");
    expect(messageOf(() => km.setParams({ nCluster: 2 } as never))).toBe(
      'KMeans: unknown parameter "nCluster". Did you mean "nClusters"? Valid parameters: nClusters, init, nInit, maxIter, tol, randomState.',
    );
    expect(messageOf(() => km.setParams({ maxIter: 5, tol: -1 }))).toMatch(/parameter tol must be a number >= 0, got -1/);
    expect(km.getParams().maxIter).toBe(300);
    expect(messageOf(() => km.setParams([] as never))).toBe("KMeans.setParams: parameters must be given as an object of named parameters, got [].");
  });

  test("a fitted model is kept until the next fit; later calls use the new parameters, as in scikit-learn", async () => {
    const knn = await new KNeighborsClassifier({ nNeighbors: 1 }).setComputationalEngine("cpu").fit([[0], [1], [2], [10]], ["a", "b", "b", "c"]);
    expect(await knn.predict([[0.1]])).toEqual(["a"]);
    knn.setParams({ nNeighbors: 3 });
    expect(await knn.predict([[0.1]])).toEqual(["b"]);
  });
});
