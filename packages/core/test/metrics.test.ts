// The metrics against scikit-learn 1.2.1 (packages/core/test/fixtures/sklearn-model-selection.json).
import { describe, expect, test } from "@jest/globals";
import {
  accuracyScore,
  adjustedRandScore,
  classificationReport,
  confusionMatrix,
  meanSquaredError,
  precisionRecallFscoreSupport,
  r2Score,
} from "../src/index.js";
import { messageOf, withWarnings } from "./helpers.js";
import { numbers, reference } from "./model-selection-fixture.js";

const { metrics } = reference;


describe("accuracyScore", () => {
  test.each(metrics.accuracy.map((c: any, i: number) => [i, c]))("case %i equals scikit-learn's", (_i, c: any) => {
    expect(accuracyScore(c.yTrue, c.yPred, c.options)).toBeCloseTo(c.expected, 12);
  });

  test("different lengths and mixed label types are ValidationErrors", () => {
    expect(messageOf(() => accuracyScore([1, 2], [1]))).toBe("accuracyScore: found input variables with inconsistent numbers of samples: [2, 1].");
    expect(messageOf(() => accuracyScore([1, 2], ["1", "2"]))).toMatch(/mixes label types/);
    expect(messageOf(() => accuracyScore([1.5], [1]))).toMatch(/non-integer label 1.5/);
  });
});

describe("confusionMatrix", () => {
  test.each(metrics.confusion.map((c: any, i: number) => [i, c]))("case %i equals scikit-learn's", (_i, c: any) => {
    const m = confusionMatrix(c.yTrue, c.yPred, c.options);
    expect([m.rows, m.cols]).toEqual(c.shape);
    expect(m.data).toBeInstanceOf(Float64Array);
    Array.from(m.data).forEach((v, k) => expect(v).toBeCloseTo(c.expected[k], 12));
  });

  test("labels none of which is true, duplicated or empty are refused", () => {
    expect(messageOf(() => confusionMatrix([0, 1], [0, 1], { labels: [7] }))).toBe("confusionMatrix: at least one label specified must be in yTrue.");
    expect(messageOf(() => confusionMatrix([0, 1], [0, 1], { labels: [0, 0] }))).toBe("confusionMatrix: labels contains duplicates.");
    expect(messageOf(() => confusionMatrix([0, 1], [0, 1], { labels: [] }))).toBe("confusionMatrix: labels must be a non-empty array of labels.");
    expect(messageOf(() => confusionMatrix([0, 1], [0, 1], { normalize: "rows" as "true" }))).toMatch(/normalize must be "true", "pred", "all"/);
  });
});

describe("precisionRecallFscoreSupport", () => {
  test.each(metrics.prf.map((c: any, i: number) => [i, c]))("case %i equals scikit-learn's, warnings included", (_i, c: any) => {
    const [result, warnings] = withWarnings(() => precisionRecallFscoreSupport(c.yTrue, c.yPred, c.options));
    for (const key of ["precision", "recall", "fscore"] as const) {
      const got = result[key];
      const expected = numbers(c.expected[key]);
      if (typeof got === "number") expect(got).toBeCloseTo(expected[0], 12);
      else expect(Array.from(got).map((v, k) => v - expected[k]).every((d) => Math.abs(d) < 1e-12)).toBe(true);
    }
    if (c.expected.support === null) expect(result.support).toBeUndefined();
    else expect(Array.from(result.support as Float64Array)).toEqual(c.expected.support);
    // scikit-learn names its own option; the rest of each message is the same.
    expect(warnings.map((w) => w.message.replace("`zeroDivision` to", "`zero_division` parameter to"))).toEqual(c.warnings);
    expect(warnings.every((w) => w.name === "UndefinedMetricWarning")).toBe(true);
  });

  test("binary average needs at most two labels and a present posLabel", () => {
    expect(messageOf(() => precisionRecallFscoreSupport([0, 1, 2], [0, 1, 2], { average: "binary" }))).toMatch(/multiclass \(3 labels\) but average is "binary"/);
    expect(messageOf(() => precisionRecallFscoreSupport(["a", "b"], ["a", "b"], { average: "binary" }))).toMatch(/posLabel=1 is not a valid label; it should be one of "a", "b"/);
    expect(messageOf(() => precisionRecallFscoreSupport([0], [0], { beta: -1 }))).toMatch(/beta must be a number >= 0/);
    expect(messageOf(() => precisionRecallFscoreSupport([0], [0], { zeroDivision: 2 as 1 }))).toMatch(/zeroDivision must be "warn", 0 or 1/);
  });
});

describe("classificationReport", () => {
  test.each(metrics.reports.map((c: any, i: number) => [i, c]))("case %i: the text is scikit-learn's, character for character", (_i, c: any) => {
    expect(classificationReport(c.yTrue, c.yPred, { ...c.options, zeroDivision: 0 })).toBe(c.text);
  });

  test.each(metrics.reports.map((c: any, i: number) => [i, c]))("case %i: outputDict is scikit-learn's dict", (_i, c: any) => {
    const got = classificationReport(c.yTrue, c.yPred, { ...(c.options as { sampleWeight?: number[] }), outputDict: true, zeroDivision: 0 });
    expect(Object.keys(got)).toEqual(Object.keys(c.dict));
    for (const [key, row] of Object.entries(c.dict)) {
      if (typeof row === "number") expect(got[key]).toBeCloseTo(row, 12);
      else for (const [column, value] of Object.entries(row as object)) expect((got[key] as any)[column]).toBeCloseTo(value as number, 12);
    }
  });

  test("exact ties round half to even, as Python's format does", () => {
    // Precision of label 0 is 5/8 = 0.625 exactly: Python prints 0.62 where toFixed would print 0.63.
    const yTrue = [0, 0, 0, 0, 0, 1, 1, 1, 1];
    const yPred = [0, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(classificationReport(yTrue, yPred).split("\n")[2]).toBe("           0       0.62      1.00      0.77         5");
  });
});

describe("regression metrics", () => {
  const r = metrics.regression;
  test("r2Score and meanSquaredError equal scikit-learn's", () => {
    expect(r2Score(r.yTrue, r.yPred)).toBeCloseTo(r.r2, 12);
    expect(meanSquaredError(r.yTrue, r.yPred)).toBeCloseTo(r.mse, 12);
    expect(meanSquaredError(r.yTrue, r.yPred, { squared: false })).toBeCloseTo(r.rmse, 12);
  });

  test("with sampleWeight: scikit-learn's weighted r2 and mean squared error", () => {
    expect(r2Score(r.yTrue, r.yPred, { sampleWeight: r.sampleWeight })).toBeCloseTo(r.r2Weighted, 12);
    expect(meanSquaredError(r.yTrue, r.yPred, { sampleWeight: r.sampleWeight })).toBeCloseTo(r.mseWeighted, 12);
  });

  test("a constant yTrue scores 1 when predicted exactly, else 0 (force_finite)", () => {
    expect(r2Score([2, 2, 2], [2, 2, 2])).toBe(r.r2ConstantPerfect);
    expect(r2Score([2, 2, 2], [2, 2.5, 2])).toBe(r.r2ConstantImperfect);
  });

  test("non-finite values and different lengths are ValidationErrors", () => {
    expect(messageOf(() => r2Score([1, NaN], [1, 2]))).toBe("r2Score: yTrue contains NaN at index 1.");
    expect(messageOf(() => meanSquaredError([1, 2], [1]))).toMatch(/inconsistent numbers of samples: \[2, 1\]/);
  });
});

describe("adjustedRandScore", () => {
  test.each(metrics.ari.map((c: any, i: number) => [i, c]))("case %i equals scikit-learn's", (_i, c: any) => {
    expect(adjustedRandScore(c.labelsTrue, c.labelsPred)).toBeCloseTo(c.expected, 12);
  });
});
