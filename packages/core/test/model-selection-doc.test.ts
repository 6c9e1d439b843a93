// The docs/model-selection.md sample, step by step, against scikit-learn 1.2.1 on the same rows: the fixture
// reproduces plugml's trainTestSplit (a Python port of its generator), then fits scikit-learn's search on that split.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { accuracyScore, classificationReport, GridSearchCV, KNeighborsClassifier, Pipeline, StandardScaler, trainTestSplit } from "../src/index.js";
import { reference } from "./model-selection-fixture.js";

const doc = reference.doc;
const rows = readFileSync(new URL("../../../data/iris.csv", import.meta.url), "utf8").trim().split("\n").slice(1).map((line) => line.split(","));
const X = rows.map((r) => r.slice(0, 4).map(Number));
const y = rows.map((r) => r[4]);

describe("docs/model-selection.md: Classification with model selection", () => {
  test("trainTestSplit with stratify gives the rows the fixture's port of plugml's generator predicts", async () => {
    const [XTrain, XTest, yTrain, yTest] = await trainTestSplit(X, y, { testSize: 0.2, stratify: y, randomState: 42 });
    expect(XTrain.toArray()).toEqual(doc.train.map((i: number) => X[i]));
    expect(XTest.toArray()).toEqual(doc.test.map((i: number) => X[i]));
    expect(yTrain).toEqual(doc.train.map((i: number) => y[i]));
    expect(yTest).toEqual(doc.test.map((i: number) => y[i]));
  });

  test("the search, the best params, the test accuracy and the report equal scikit-learn's on those rows", async () => {
    const XTrain = doc.train.map((i: number) => X[i]);
    const yTrain = doc.train.map((i: number) => y[i]);
    const XTest = doc.test.map((i: number) => X[i]);
    const yTest = doc.test.map((i: number) => y[i]);
    const search = new GridSearchCV(
      new Pipeline([["scale", new StandardScaler()], ["knn", new KNeighborsClassifier()]]).setComputationalEngine("cpu"),
      { knn__nNeighbors: [1, 3, 5, 7, 9, 11, 15], knn__weights: ["uniform", "distance"] },
      { cv: 5 },
    );
    await search.fit(XTrain, yTrain);
    expect(search.cvResults_.params).toEqual(doc.params);
    doc.meanTestScore.forEach((v: number, k: number) => expect(search.cvResults_.meanTestScore[k]).toBeCloseTo(v, 12));
    expect(Array.from(search.cvResults_.rankTestScore)).toEqual(doc.rankTestScore);
    expect(search.bestParams_).toEqual(doc.bestParams);
    expect(search.bestScore_).toBeCloseTo(doc.bestScore, 12);
    const predicted = await search.predict(XTest);
    expect(predicted).toEqual(doc.predictions);
    expect(accuracyScore(yTest, predicted)).toBe(doc.testAccuracy);
    expect(classificationReport(yTest, predicted)).toBe(doc.report);
  });
});
