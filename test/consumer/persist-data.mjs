// Shared by persist-save.mjs and persist-load.*: scikit-learn's iris cases from the kit's reference data.
import { readFileSync } from "node:fs";
import { sklearnReference } from "@plugml/core/testing";

const knn = sklearnReference.cases.find((c) => c.name === "knn-iris-uniform");
const km = sklearnReference.cases.find((c) => c.name === "kmeans-iris");
export const X = km.X;
export const Xtrain = knn.Xtrain;
export const ytrain = knn.ytrain.map((c) => ["setosa", "versicolor", "virginica"][c]);
/** The rows every saved model predicts, before saving and after loading. */
export const queries = knn.Xtest;
export const MODELS = ["kmeans", "knn", "scaler", "pipeline"];
/** What a model's predictions are compared by: predict for the predictors, transform for the scaler. */
export async function outputOf(name, model) {
  const out = name === "scaler" ? (await model.transform(queries)).toArray() : Array.from(await model.predict(queries));
  return JSON.parse(JSON.stringify(out));
}

/**
 * Process 2's report: every saved file through `core.loadModel`, the outputs persist-save.mjs printed, and whether
 * each model came back as its class. `core` is @plugml/core as the caller loaded it (import or require).
 */
export async function loadedReport(core) {
  const classes = { kmeans: core.KMeans, knn: core.KNeighborsClassifier, scaler: core.StandardScaler, pipeline: core.Pipeline };
  const outputs = {};
  const restored = {};
  for (const name of MODELS) {
    const model = core.loadModel(JSON.parse(readFileSync(`${name}.model.json`, "utf8")));
    restored[name] = model instanceof classes[name];
    outputs[name] = await outputOf(name, model);
  }
  return JSON.stringify({ outputs, restored });
}
