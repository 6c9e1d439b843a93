// Pipeline: predictProba, classes_, fitTransform, inverseTransform, score with sampleWeight, "passthrough" steps,
// makePipeline's names, getParams/setParams with step__param names, and saving a Pipeline with passthrough steps,
// against scikit-learn 1.2.1 (packages/core/test/fixtures/sklearn-model-selection.json).
import { describe, expect, test } from "@jest/globals";
import { KMeans, KNeighborsClassifier, makePipeline, Matrix, Pipeline, StandardScaler, loadModel, clone } from "../src/index.js";
import { messageOf } from "./helpers.js";
import { reference } from "./model-selection-fixture.js";

const { X: Xc, y: yc } = reference.cv.classification as { X: number[][]; y: string[] };
const { X: Xr } = reference.cv.regression as { X: number[][] };
const expected = reference.pipeline;

function expectClose(got: Matrix, want: number[][]): void {
  expect([got.rows, got.cols]).toEqual([want.length, want[0].length]);
  want.flat().forEach((v, k) => expect(got.data[k]).toBeCloseTo(v, 10));
}

const classifierPipeline = () =>
  new Pipeline([
    ["scale", new StandardScaler()],
    ["skip", "passthrough"],
    ["knn", new KNeighborsClassifier({ nNeighbors: 4, weights: "distance" })],
  ]).setComputationalEngine("cpu");

describe("Pipeline with a passthrough step", () => {
  test("classes_, predict, predictProba and score (with sampleWeight) equal scikit-learn's", async () => {
    const pipe = await classifierPipeline().fit(Xc.slice(0, 30), yc.slice(0, 30));
    expect(pipe.classes_).toEqual(expected.classes);
    expect(await pipe.predict(Xc.slice(30))).toEqual(expected.predict);
    expectClose(await pipe.predictProba(Xc.slice(30)), expected.predictProba);
    expect(await pipe.score(Xc.slice(30), yc.slice(30))).toBeCloseTo(expected.score, 12);
    expect(await pipe.score(Xc.slice(30), yc.slice(30), { sampleWeight: expected.scoreWeights })).toBeCloseTo(expected.weightedScore, 12);
    expect(pipe.engineUsed_).toEqual({ scale: "cpu", skip: undefined, knn: "cpu" });
    expect(new Set(pipe.engineTrace_.map((e) => e.step))).toEqual(new Set(["scale", "knn"]));
  });

  test("fitTransform and inverseTransform (through the steps in reverse) equal scikit-learn's", async () => {
    const scalers = new Pipeline([
      ["a", new StandardScaler()],
      ["b", "passthrough"],
      ["c", new StandardScaler({ withStd: false })],
    ]).setComputationalEngine("cpu");
    const Xt = await scalers.fitTransform(Xr);
    expect(Xt).toBeInstanceOf(Matrix);
    expectClose(Xt, expected.fitTransform);
    expectClose(await scalers.inverseTransform(expected.inverseTransformInput), expected.inverseTransform);
    expectClose(await scalers.transform(Xr), expected.fitTransform);
  });

  test("a final passthrough makes the Pipeline a transformer; a step without a method is named", async () => {
    const pipe = new Pipeline([["scale", new StandardScaler()], ["end", "passthrough"]]).setComputationalEngine("cpu");
    const scaled = await new StandardScaler().setComputationalEngine("cpu").fitTransform(Xr);
    expectClose((await pipe.fitTransform(Xr)) as Matrix, scaled.toArray());
    await expect(pipe.predict(Xr)).rejects.toThrow('Pipeline.predict: the final step "end" has no predict method.');
    const clustering = await new Pipeline([["scale", new StandardScaler()], ["km", new KMeans({ nClusters: 2, randomState: 0 })]]).setComputationalEngine("cpu").fit(Xr);
    await expect(clustering.inverseTransform(Xr)).rejects.toThrow('Pipeline.inverseTransform: step "km" has no inverseTransform method.');
    expect(() => clustering.classes_).toThrow('Pipeline.classes_: the final step "km" has no classes_.');
  });

  test("toJSON and loadModel keep passthrough steps", async () => {
    const pipe = await classifierPipeline().fit(Xc.slice(0, 30), yc.slice(0, 30));
    const saved = JSON.parse(JSON.stringify(pipe));
    expect(saved.steps[1]).toEqual(["skip", "passthrough"]);
    const loaded = loadModel(saved) as Pipeline;
    expect(loaded.steps.map(([name, est]) => [name, est === "passthrough" ? est : est.constructor.name])).toEqual([
      ["scale", "StandardScaler"],
      ["skip", "passthrough"],
      ["knn", "KNeighborsClassifier"],
    ]);
    expect(await loaded.predict(Xc.slice(30))).toEqual(expected.predict);
    expect(() => Pipeline.fromJSON({ ...saved, steps: [["skip", "passthroughs"]] })).toThrow(/steps\[0\]\[1\]/);
  });
});

describe("makePipeline", () => {
  test("names steps as scikit-learn's make_pipeline does (lowercased class names, -1, -2 on duplicates)", () => {
    const pipe = makePipeline(new StandardScaler(), "passthrough", new StandardScaler(), "passthrough", new StandardScaler(), new KNeighborsClassifier());
    expect(pipe.steps.map(([name]) => name)).toEqual(expected.makePipelineNames);
  });
});

describe("Pipeline getParams and setParams", () => {
  test("deep params: steps, each step under its name, and step__param names (a subset of scikit-learn's, camelCased)", () => {
    const scale = new StandardScaler();
    const knn = new KNeighborsClassifier();
    const pipe = new Pipeline([["scale", scale], ["knn", knn]]);
    const params = pipe.getParams();
    expect(params.scale).toBe(scale);
    expect(params.knn).toBe(knn);
    expect(params.steps).toEqual([["scale", scale], ["knn", knn]]);
    expect(params.knn__nNeighbors).toBe(5);
    // Typed from the steps: each step__param has its parameter's type, and unknown names do not type-check.
    const k: number = params.knn__nNeighbors;
    const weights: "uniform" | "distance" = params.knn__weights;
    const scaler: StandardScaler = params.scale;
    // @ts-expect-error knn__nNeighbours is no parameter of these steps
    expect(params.knn__nNeighbours).toBeUndefined();
    expect([k, weights, scaler]).toEqual([5, "uniform", scale]);
    const camel = (k: string) => k.replace(/(?<=[a-z])_([a-z])/g, (_, c: string) => c.toUpperCase());
    const names = Object.keys(params).filter((k) => k.includes("__"));
    expect(names.sort()).toEqual(["knn__metric", "knn__nNeighbors", "knn__p", "knn__radius", "knn__weights", "scale__withMean", "scale__withStd"]);
    // radius is plugml's addition on the KNeighbors estimators (scikit-learn has it on NearestNeighbors only).
    expect(names.filter((k) => k !== "knn__radius").every((k) => expected.deepParamNames.map(camel).includes(k))).toBe(true);
    expect(pipe.getParams({ deep: false })).toEqual({ steps: pipe.steps });
  });

  test("setParams sets step params through the step's schema, replaces steps, and refuses unknown names", () => {
    const pipe = new Pipeline([["scale", new StandardScaler()], ["knn", new KNeighborsClassifier()]]);
    pipe.setParams({ knn__nNeighbors: 3, scale__withMean: false });
    expect(pipe.getParams().knn__nNeighbors).toBe(3);
    expect(pipe.getParams().scale__withMean).toBe(false);
    expect(messageOf(() => pipe.setParams({ knn__nNeighbors: 0 }))).toBe("KNeighborsClassifier: parameter nNeighbors must be an integer >= 1, got 0.");
    expect(messageOf(() => pipe.setParams({ knn__nNeighbours: 2 }))).toMatch(/KNeighborsClassifier: unknown parameter "nNeighbours". Did you mean "nNeighbors"\? Valid parameters: nNeighbors, metric, p, radius, weights./);
    expect(messageOf(() => pipe.setParams({ kn__nNeighbors: 2 }))).toMatch(/^Pipeline.setParams: unknown parameter "kn__nNeighbors". Did you mean "knn__nNeighbors"\? Valid parameters: steps, scale, scale__withMean/);
    // A refused value leaves every step as it was, even the steps named before it.
    expect(messageOf(() => pipe.setParams({ scale__withStd: false, knn__weights: "far" }))).toMatch(/parameter weights must be/);
    expect(pipe.getParams().scale__withStd).toBe(true);
    pipe.setParams({ scale: "passthrough" });
    expect(pipe.steps[0]).toEqual(["scale", "passthrough"]);
    expect(messageOf(() => pipe.setParams({ scale__withMean: true }))).toMatch(/unknown parameter "scale__withMean"/);
    const replacement = new StandardScaler();
    pipe.setParams({ steps: [["s", replacement], ["k", new KNeighborsClassifier()]], s__withStd: false });
    expect((pipe.namedSteps as Record<string, unknown>).s).toBe(replacement);
    expect(replacement.getParams().withStd).toBe(false);
  });

  test("clone gives new unfitted steps with the same params and engine choices", async () => {
    const pipe = await classifierPipeline().fit(Xc, yc);
    const copy = clone(pipe);
    expect(copy).not.toBe(pipe);
    expect(copy.steps.map(([n]) => n)).toEqual(["scale", "skip", "knn"]);
    expect(copy.namedSteps.knn).not.toBe(pipe.namedSteps.knn);
    expect(copy.getParams().knn__nNeighbors).toBe(4);
    await expect(copy.predict(Xc)).rejects.toThrow(/not fitted/i);
    await copy.fit(Xc, yc);
    expect(copy.engineUsed_.knn).toBe("cpu");
    expect(copy.toJSON().steps[2][1]).toMatchObject({ engineSetting: { engines: ["cpu"] } });
  });
});
