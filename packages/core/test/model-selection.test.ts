// trainTestSplit, KFold and StratifiedKFold against scikit-learn 1.2.1 (packages/core/test/fixtures/sklearn-model-selection.json).
import { describe, expect, test } from "@jest/globals";
import { KFold, Matrix, RandomState, StratifiedKFold, trainTestSplit, type Fold } from "../src/index.js";
import { messageOf, rejection, withWarnings } from "./helpers.js";
import { reference } from "./model-selection-fixture.js";

const { splitters } = reference;
const plain = (folds: Fold[]) => folds.map((f) => ({ train: Array.from(f.train), test: Array.from(f.test) }));
const column = (n: number) => Array.from({ length: n }, (_, i) => [i]);


describe("KFold", () => {
  test.each(splitters.kfold.map((c: any) => [`${c.nSamples} samples, ${c.nSplits} folds`, c]))("%s: scikit-learn's folds", (_name, c: any) => {
    const kf = new KFold({ nSplits: c.nSplits });
    expect(plain(kf.split(column(c.nSamples)))).toEqual(c.folds);
    expect(kf.getNSplits()).toBe(c.nSplits);
  });

  test("shuffled folds: scikit-learn's sizes, every sample tested once, reproducible by seed", () => {
    const folds = new KFold({ nSplits: 3, shuffle: true, randomState: 0 }).split(column(10));
    expect(folds.map((f) => f.test.length)).toEqual([4, 3, 3]);
    expect(folds.flatMap((f) => Array.from(f.test)).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    for (const f of folds) expect([...f.train, ...f.test].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(plain(new KFold({ nSplits: 3, shuffle: true, randomState: 0 }).split(column(10)))).toEqual(plain(folds));
    expect(plain(folds)).not.toEqual(splitters.kfold[0].folds);
    // A RandomState instance advances between calls, as in scikit-learn.
    const shared = new KFold({ nSplits: 3, shuffle: true, randomState: new RandomState(0) });
    expect(plain(shared.split(column(10)))).toEqual(plain(folds));
    expect(plain(shared.split(column(10)))).not.toEqual(plain(folds));
  });

  test("parameters and sizes are checked as in scikit-learn", () => {
    expect(messageOf(() => new KFold({ nSplits: 1 }))).toBe("KFold: parameter nSplits must be an integer >= 2, got 1.");
    expect(messageOf(() => new KFold({ randomState: 0 }))).toMatch(/^KFold: setting a randomState has no effect since shuffle is false/);
    expect(messageOf(() => new KFold({ nSplits: 5 }).split(column(3)))).toBe(
      "KFold.split: cannot have number of splits nSplits=5 greater than the number of samples: nSamples=3.",
    );
    expect(new KFold({ nSplits: 2 }).split(new Matrix(new Float32Array(4), 4, 1)).length).toBe(2);
  });
});

describe("StratifiedKFold", () => {
  test.each(splitters.stratified.map((c: any, i: number) => [i, c]))("case %i: scikit-learn 1.2's folds and warnings", (_i, c: any) => {
    const [folds, warnings] = withWarnings(() => new StratifiedKFold({ nSplits: c.nSplits }).split(column(c.y.length), c.y));
    expect(plain(folds)).toEqual(c.folds);
    expect(warnings.map((w) => w.message.replace("nSplits", "n_splits"))).toEqual(c.warnings);
  });

  test("every class smaller than nSplits is an error, as in scikit-learn", () => {
    expect(messageOf(() => new StratifiedKFold({ nSplits: 3 }).split(column(4), [0, 0, 1, 1]))).toBe(
      `StratifiedKFold.split: ${splitters.stratifiedError.replace("n_splits", "nSplits")}`,
    );
    expect(messageOf(() => new StratifiedKFold().split(column(6)))).toBe("StratifiedKFold.split: y (the class labels) is required.");
    expect(messageOf(() => new StratifiedKFold({ nSplits: 2 }).split(column(4), [0.5, 1, 0, 1]))).toMatch(/non-integer label 0.5/);
  });

  test("shuffle keeps each fold's class counts and is reproducible", () => {
    const c = splitters.stratified[1];
    const shuffled = new StratifiedKFold({ nSplits: 3, shuffle: true, randomState: 3 }).split(column(c.y.length), c.y);
    const counts = (folds: { test: ArrayLike<number> }[]) => folds.map((f) => Array.from(f.test, (i) => c.y[i]).sort().join(""));
    expect(counts(shuffled)).toEqual(counts(c.folds));
    expect(plain(new StratifiedKFold({ nSplits: 3, shuffle: true, randomState: 3 }).split(column(c.y.length), c.y))).toEqual(plain(shuffled));
  });
});

describe("trainTestSplit", () => {
  test.each(splitters.sizes.map((c: any) => [`${c.nSamples} samples ${JSON.stringify(c.options)}`, c]))("%s: scikit-learn's sets without shuffle", async (_name, c: any) => {
    const X = column(c.nSamples);
    const y = Array.from({ length: c.nSamples }, (_, i) => i);
    const [XTrain, XTest, yTrain, yTest] = await trainTestSplit(X, y, { ...c.options, shuffle: false });
    expect(yTrain).toEqual(c.train);
    expect(yTest).toEqual(c.test);
    expect(Array.from(XTrain.data)).toEqual(c.train);
    expect(Array.from(XTest.data)).toEqual(c.test);
  });

  test.each(splitters.sizes.map((c: any) => [`${c.nSamples} samples ${JSON.stringify(c.options)}`, c]))("%s: the same sizes with shuffle", async (_name, c: any) => {
    const [, , yTrain, yTest] = await trainTestSplit(column(c.nSamples), new Float64Array(c.nSamples).map((_, i) => i), { ...c.options, randomState: 1 });
    expect(yTrain).toBeInstanceOf(Float64Array);
    expect([yTrain.length, yTest.length]).toEqual([c.train.length, c.test.length]);
    expect(new Set([...yTrain, ...yTest]).size).toBe(c.train.length + c.test.length);
  });

  test.each(splitters.sizeErrors.map((c: any) => [`${c.nSamples} samples ${JSON.stringify(c.options)}`, c]))("%s: scikit-learn's error", async (_name, c: any) => {
    const error = await rejection(trainTestSplit(column(c.nSamples), new Array(c.nSamples).fill(0), c.options));
    expect(error.name).toBe("ValidationError");
    const camel = c.message.replace(/test_size/g, "testSize").replace(/train_size/g, "trainSize").replace(/n_samples=/g, "nSamples=").replace("None", "undefined");
    // The same sentence, in plugml's option names (and with a final period).
    expect(error.message.toLowerCase().replace(/\.$/, "")).toBe(`trainTestSplit: ${camel}`.toLowerCase().replace(/=none/g, "=undefined").replace(/\.$/, ""));
  });

  test("keeps X's dtype and y's kind; stratify keeps the class counts", async () => {
    const X = new Matrix(Float32Array.from({ length: 40 }, (_, i) => i), 20, 2);
    const y = Array.from({ length: 20 }, (_, i) => (i < 15 ? "a" : "b"));
    const [XTrain, XTest, yTrain, yTest] = await trainTestSplit(X, y, { testSize: 0.2, stratify: y, randomState: 5 });
    expect(XTrain.dtype).toBe("float32");
    expect([XTrain.rows, XTest.rows]).toEqual([16, 4]);
    // scikit-learn's _approximate_mode: 12 + 4 training samples, 3 + 1 test samples.
    expect(yTest.filter((l) => l === "a").length).toBe(3);
    expect(yTrain.filter((l) => l === "a").length).toBe(12);
    for (let i = 0; i < yTest.length; i++) expect(XTest.get(i, 0) / 2 < 15).toBe(yTest[i] === "a");
    const [, , ints] = await trainTestSplit(X, Int32Array.from({ length: 20 }, (_, i) => i), { randomState: 0 });
    expect(ints).toBeInstanceOf(Int32Array);
  });

  test("stratify errors: no shuffle, a class of one, sets smaller than the classes", async () => {
    const y = [0, 0, 1, 1, 2, 2];
    expect((await rejection(trainTestSplit(column(6), y, { shuffle: false, stratify: y }))).message).toBe(
      "trainTestSplit: stratified train/test split is not implemented for shuffle: false.",
    );
    expect((await rejection(trainTestSplit(column(6), y, { stratify: [0, 0, 0, 0, 0, 1] }))).message).toMatch(/least populated class in stratify has only 1 member/);
    expect((await rejection(trainTestSplit(column(6), y, { testSize: 2, stratify: y }))).message).toBe(
      "trainTestSplit: the test size = 2 should be greater or equal to the number of classes = 3.",
    );
    expect((await rejection(trainTestSplit(column(6), [1, 2], {}))).message).toBe("trainTestSplit: y has 2 entries but X has 6 samples.");
  });
});
