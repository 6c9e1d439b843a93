// crossValidate, crossValScore and GridSearchCV against scikit-learn 1.2.1
// (packages/core/test/fixtures/sklearn-model-selection.json; the data has no distance ties, so neighbours agree).
import { describe, expect, test } from "@jest/globals";
import {
  clone,
  crossValidate,
  crossValScore,
  GridSearchCV,
  KFold,
  KMeans,
  KNeighborsClassifier,
  KNeighborsRegressor,
  Pipeline,
  StandardScaler,
  isClassifier,
  type CrossValEstimator,
} from "../src/index.js";
import { messageOf, rejection } from "./helpers.js";
import { reference } from "./model-selection-fixture.js";

const { cv } = reference;
const Xc = cv.classification.X as number[][];
const yc = cv.classification.y as string[];
const Xr = cv.regression.X as number[][];
const yr = cv.regression.y as number[];

const closeTo = (got: ArrayLike<number>, want: number[]) => {
  expect(got.length).toBe(want.length);
  want.forEach((v, k) => expect(got[k]).toBeCloseTo(v, 12));
};

const estimators: Record<string, () => [CrossValEstimator, number[][], (string | number)[]]> = {
  "knn-classifier-default": () => [new KNeighborsClassifier({ nNeighbors: 3 }), Xc, yc],
  "knn-classifier-kfold": () => [new KNeighborsClassifier({ nNeighbors: 5, weights: "distance" }), Xc, yc],
  "knn-regressor-r2": () => [new KNeighborsRegressor({ nNeighbors: 4 }), Xr, yr],
  "knn-regressor-mse": () => [new KNeighborsRegressor({ nNeighbors: 2, weights: "distance" }), Xr, yr],
  "pipeline-classifier": () => [new Pipeline([["scale", new StandardScaler()], ["knn", new KNeighborsClassifier({ nNeighbors: 7 })]]), Xc, yc],
};

describe("crossValidate and crossValScore", () => {
  test.each(cv.cases.map((c: any) => [c.name, c]))("%s: scikit-learn's test and train scores", async (_name, c: any) => {
    const [estimator, X, y] = estimators[c.name]();
    const scoring = c.scoring ?? undefined;
    const result = await crossValidate(estimator, X, y as never, { cv: c.cv, scoring, returnTrainScore: true, returnEstimator: true });
    closeTo(result.testScore, c.testScore);
    closeTo(result.trainScore!, c.trainScore);
    closeTo(await crossValScore(estimator, X, y as never, { cv: c.cv, scoring }), c.crossValScore);
    expect(result.fitTime.every((t) => t >= 0)).toBe(true);
    expect(result.scoreTime.length).toBe(c.testScore.length);
    // Each fold's estimator is a fitted clone, with its own trace.
    expect(result.estimator!.length).toBe(c.testScore.length);
    expect(result.estimator!.every((e) => e !== estimator)).toBe(true);
    expect((result.estimator![0] as unknown as { engineTrace_: unknown[] }).engineTrace_.length).toBeGreaterThan(0);
  });

  test("KNeighborsRegressor.score with sampleWeight is scikit-learn's weighted R²", async () => {
    const { weights, score, weightedScore } = cv.regressorScore;
    const reg = await new KNeighborsRegressor({ nNeighbors: 3 }).fit(Xr.slice(0, 15), yr.slice(0, 15));
    expect(await reg.score(Xr.slice(15), yr.slice(15))).toBeCloseTo(score, 12);
    expect(await reg.score(Xr.slice(15), yr.slice(15), { sampleWeight: weights })).toBeCloseTo(weightedScore, 12);
  });

  test("without returnTrainScore and returnEstimator those keys are absent; the estimator itself stays unfitted", async () => {
    const knn = new KNeighborsClassifier();
    const result = await crossValidate(knn, Xc, yc, { cv: 3 });
    expect(Object.keys(result).sort()).toEqual(["fitTime", "scoreTime", "testScore"]);
    expect(() => knn.classes_).toThrow(/not fitted/i);
  });

  test("cv as a splitter or as folds; scoring as a function", async () => {
    const folds = new KFold({ nSplits: 3 }).split(Xr);
    const fromSplitter = await crossValScore(new KNeighborsRegressor(), Xr, yr, { cv: new KFold({ nSplits: 3 }) });
    const fromFolds = await crossValScore(new KNeighborsRegressor(), Xr, yr, { cv: folds });
    expect(Array.from(fromFolds)).toEqual(Array.from(fromSplitter));
    const calls: number[] = [];
    const scores = await crossValScore(new KNeighborsRegressor(), Xr, yr, {
      cv: folds,
      scoring: async (_est, X) => {
        calls.push(X.rows);
        return X.rows;
      },
    });
    expect(Array.from(scores)).toEqual(folds.map((f) => f.test.length));
    expect(calls).toEqual([8, 8, 7]);
  });

  test("a clustering scored by adjusted_rand_score; an integer cv is KFold for non-classifiers", async () => {
    const labels = [0, 0, 0, 1, 1, 1, 0, 0, 1, 1];
    const X = labels.map((l, i) => [l * 10 + i * 0.01]);
    const scores = await crossValScore(new KMeans({ nClusters: 2, randomState: 0 }), X, labels, { cv: 2, scoring: "adjusted_rand_score" });
    expect(Array.from(scores)).toEqual([1, 1]);
    expect(isClassifier(new KMeans())).toBe(false);
    expect(isClassifier(new Pipeline([["s", new StandardScaler()], ["k", new KNeighborsClassifier()]]))).toBe(true);
    expect(isClassifier(new GridSearchCV(new KNeighborsClassifier(), { nNeighbors: [1] }))).toBe(true);
  });

  test("bad cv and scoring values are ValidationErrors", async () => {
    expect((await rejection(crossValScore(new KNeighborsRegressor(), Xr, yr, { scoring: "acuracy" as never }))).message).toBe(
      'crossValidate: scoring "acuracy" is not a valid scoring value. Did you mean "accuracy"? Use a function or one of: accuracy, adjusted_rand_score, f1, f1_micro, f1_macro, f1_weighted, precision_macro, precision_weighted, recall_macro, recall_weighted, r2, neg_mean_squared_error, neg_root_mean_squared_error.',
    );
    expect((await rejection(crossValScore(new KNeighborsRegressor(), Xr, yr, { cv: "5" as never }))).message).toMatch(/cv must be a number of folds/);
    const notANumber = async () => "0.5" as unknown as number;
    expect((await rejection(crossValScore(new KNeighborsRegressor(), Xr, yr, { scoring: notANumber }))).message).toBe('scoring must return a number, got "0.5".');
    expect((await rejection(crossValScore(new KNeighborsRegressor(), Xr, yr, { cv: 1 }))).message).toBe("KFold: parameter nSplits must be an integer >= 2, got 1.");
    expect((await rejection(crossValScore(new KNeighborsRegressor(), Xr, yr.slice(1)))).message).toBe("crossValidate: y has 22 entries but X has 23 samples.");
  });
});

describe("GridSearchCV", () => {
  const grid = cv.grid;
  const makeSearch = () =>
    new GridSearchCV(
      new Pipeline([["scale", new StandardScaler()], ["knn", new KNeighborsClassifier()]]).setComputationalEngine("cpu"),
      { knn__weights: ["uniform", "distance"], knn__nNeighbors: [1, 3, 5, 9] },
      { cv: 4 },
    );

  test("cvResults_, bestIndex_, bestScore_ and bestParams_ equal scikit-learn's (sorted names, ties ranked 'min')", async () => {
    const search = await makeSearch().fit(Xc, yc);
    const r = search.cvResults_;
    expect(r.params).toEqual(grid.params);
    closeTo(r.meanTestScore, grid.meanTestScore);
    closeTo(r.stdTestScore, grid.stdTestScore);
    expect(Array.from(r.rankTestScore)).toEqual(grid.rankTestScore);
    grid.splitTestScore.forEach((scores: number[], k: number) => closeTo(r[`split${k}TestScore`], scores));
    expect(search.bestIndex_).toBe(grid.bestIndex);
    expect(search.bestScore_).toBeCloseTo(grid.bestScore, 12);
    expect(search.bestParams_).toEqual(grid.bestParams);
    expect(search.nSplits_).toBe(4);
    expect(r.meanFitTime.length).toBe(grid.params.length);
  });

  test("the refitted best estimator: predict, score and classes_ delegate to it, its trace is kept", async () => {
    const search = await makeSearch().fit(Xc, yc);
    const best = search.bestEstimator_;
    expect(best.getParams().knn__nNeighbors).toBe(grid.bestParams.knn__nNeighbors);
    expect(await search.score(Xc, yc)).toBeCloseTo(grid.scoreOnTraining, 12);
    expect(await search.predict(Xc)).toEqual(await best.predict(Xc));
    expect(search.classes_).toEqual(["a", "b", "c"]);
    expect((await search.predictProba(Xc)).cols).toBe(3);
    expect(best.engineTrace_.some((e) => e.step === "knn" && e.hook === "fit" && e.engine === "cpu")).toBe(true);
    expect(search.refitTime_).toBeGreaterThanOrEqual(0);
  });

  test("a list of grids, with ties: scikit-learn's order, ranks and best index (the first of the best)", async () => {
    const list = cv.gridList;
    const search = await new GridSearchCV(new KNeighborsClassifier(), [{ nNeighbors: [3, 1] }, { nNeighbors: [5], weights: ["distance", "uniform"] }], { cv: 3 }).fit(Xc, yc);
    expect(search.cvResults_.params).toEqual(list.params);
    closeTo(search.cvResults_.meanTestScore, list.meanTestScore);
    expect(Array.from(search.cvResults_.rankTestScore)).toEqual(list.rankTestScore);
    expect(search.bestIndex_).toBe(list.bestIndex);
    expect(search.bestParams_).toEqual(list.bestParams);
  });

  test("refit: false leaves no best estimator; clone gives an unfitted search", async () => {
    const search = await new GridSearchCV(new KNeighborsClassifier(), { nNeighbors: [1, 3] }, { cv: 3, refit: false }).fit(Xc, yc);
    expect(search.bestParams_).toBeDefined();
    expect(() => search.bestEstimator_).toThrow("GridSearchCV.bestEstimator_: not available with refit: false.");
    await expect(search.predict(Xc)).rejects.toThrow("GridSearchCV.predict: not available with refit: false.");
    const copy = clone(search);
    expect(() => copy.cvResults_).toThrow("GridSearchCV.cvResults_: the search is not fitted yet; call fit(X, y) first.");
    expect(copy.estimator).not.toBe(search.estimator);
  });

  test("grid values are checked before any fit, by the estimator's own setParams", async () => {
    expect(messageOf(() => new GridSearchCV(new KNeighborsClassifier(), { nNeighbors: 3 as never }))).toBe(
      'GridSearchCV: the parameter grid for parameter "nNeighbors" needs to be an array, but got 3 instead. Single values need to be wrapped in an array with one element.',
    );
    expect(messageOf(() => new GridSearchCV(new KNeighborsClassifier(), { nNeighbors: [] }))).toBe(
      'GridSearchCV: the parameter grid for parameter "nNeighbors" needs to be a non-empty array, got [].',
    );
    const search = new GridSearchCV(new KNeighborsClassifier(), { nNeighbors: [1, 0] });
    expect((await rejection(search.fit(Xc, yc))).message).toBe("KNeighborsClassifier: parameter nNeighbors must be an integer >= 1, got 0.");
    expect((await rejection(new GridSearchCV(new KNeighborsClassifier(), { k: [1] }).fit(Xc, yc))).message).toMatch(/unknown parameter "k"/);
    expect(messageOf(() => new GridSearchCV({} as never, {}))).toMatch(/^GridSearchCV: estimator must be a plugml estimator or Pipeline/);
  });

  test("getParams and setParams: the search's own and estimator__param, validated, unknown names listed", () => {
    const search = new GridSearchCV(new KNeighborsClassifier(), { nNeighbors: [1, 3] }, { cv: 3 });
    expect(search.getParams({ deep: false })).toEqual({ estimator: search.estimator, paramGrid: { nNeighbors: [1, 3] }, cv: 3, scoring: undefined, refit: true });
    expect(search.getParams().estimator__weights).toBe("uniform");
    search.setParams({ estimator__weights: "distance", refit: false, paramGrid: { p: [1, 2] } });
    expect(search.estimator.getParams().weights).toBe("distance");
    expect(search.getParams({ deep: false })).toMatchObject({ refit: false, paramGrid: { p: [1, 2] } });
    expect(messageOf(() => search.setParams({ estimator__weights: "far" }))).toMatch(/^KNeighborsClassifier: parameter weights must be/);
    expect(messageOf(() => search.setParams({ refit: "yes" as never, estimator__weights: "uniform" }))).toBe('GridSearchCV: refit must be a boolean, got "yes".');
    expect(search.estimator.getParams().weights).toBe("distance");
    expect(messageOf(() => search.setParams({ refitt: true }))).toMatch(/^GridSearchCV.setParams: unknown parameter "refitt". Did you mean "refit"\? Valid parameters: estimator, paramGrid, cv, scoring, refit, estimator__nNeighbors/);
  });
});
