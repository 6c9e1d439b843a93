// Pipelines with passthrough steps and searches on a device engine: data stays on the device across a passthrough
// step, results equal the CPU engine's, and clones in crossValidate and GridSearchCV keep the device engine choice.
// Needs a WebGPU adapter (skipped without one, required in CI).
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { crossValidate, GridSearchCV, KNeighborsClassifier, Pipeline, registerEngine, StandardScaler, unregisterEngine } from "../src/index.js";
import { createWebGPUEngine, webgpuAvailable } from "@plugml/engine-webgpu";
import { reference } from "./model-selection-fixture.js";

const hasWebGPU = (await webgpuAvailable()) === true;
if (process.env.CI && !hasWebGPU) throw new Error("CI needs a WebGPU adapter for the device pipeline tests");
const deviceTest = hasWebGPU ? test : test.skip;

const X = reference.cv.classification.X as number[][];
const y = reference.cv.classification.y as string[];

// With no size threshold, so that these small inputs run on the device (this file's registry only).
beforeAll(() => {
  if (hasWebGPU) registerEngine(createWebGPUEngine({ minElements: 0 }));
});
afterAll(async () => {
  if (hasWebGPU) await unregisterEngine("webgpu");
});

const pipeline = (engine: string) =>
  new Pipeline([
    ["scale", new StandardScaler()],
    ["skip", "passthrough"],
    ["knn", new KNeighborsClassifier({ nNeighbors: 5 })],
  ]).setComputationalEngine(engine, { fallback: false });

describe("device pipelines with passthrough steps", () => {
  deviceTest("predictions equal the CPU engine's, and the scaled data reaches the classifier without a host round trip", async () => {
    const onDevice = await pipeline("webgpu").fit(X.slice(0, 30), y.slice(0, 30));
    const onCpu = await pipeline("cpu").fit(X.slice(0, 30), y.slice(0, 30));
    expect(await onDevice.predict(X.slice(30))).toEqual(await onCpu.predict(X.slice(30)));
    expect(onDevice.engineUsed_).toEqual({ scale: "webgpu", skip: undefined, knn: "webgpu" });
    const transformed = onDevice.engineTrace_.filter((e) => e.step === "scale" && e.hook === "transform");
    expect(transformed.length).toBeGreaterThan(0);
    expect(transformed.every((e) => e.bytesFromDevice === 0)).toBe(true);
    // The classifier's queries were already on the device: nothing uploaded for predict.
    const predicted = onDevice.engineTrace_.filter((e) => e.step === "knn" && e.hook === "predict");
    expect(predicted.map((e) => [e.engine, e.bytesToDevice])).toEqual([["webgpu", 0]]);
  });

  deviceTest("crossValidate and GridSearchCV clones keep the device engine", async () => {
    const { estimator } = await crossValidate(pipeline("webgpu"), X, y, { cv: 3, returnEstimator: true });
    expect(estimator!.map((e) => e.engineUsed_.knn)).toEqual(["webgpu", "webgpu", "webgpu"]);
    const search = await new GridSearchCV(pipeline("webgpu"), { knn__nNeighbors: [1, 3] }, { cv: 3 }).fit(X, y);
    expect(search.bestEstimator_.engineUsed_.knn).toBe("webgpu");
    expect(search.bestEstimator_.engineTrace_.some((e) => e.engine === "webgpu" && e.hook === "fit")).toBe(true);
  });
});
