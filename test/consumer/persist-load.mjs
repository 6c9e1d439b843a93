// Process 2 of the save/load check (ES module): loadModel(JSON.parse(text)) for every saved file, then the same
// outputs as persist-save.mjs printed, and the class each model came back as.
import { readFileSync } from "node:fs";
import { KMeans, KNeighborsClassifier, Pipeline, StandardScaler, loadModel } from "@plugml/core";
import { MODELS, outputOf } from "./persist-data.mjs";

const classes = { kmeans: KMeans, knn: KNeighborsClassifier, scaler: StandardScaler, pipeline: Pipeline };
const outputs = {};
const restored = {};
for (const name of MODELS) {
  const model = await loadModel(JSON.parse(readFileSync(`${name}.model.json`, "utf8")));
  restored[name] = model instanceof classes[name];
  outputs[name] = await outputOf(name, model);
}
console.log(JSON.stringify({ outputs, restored }));
