// Process 1 of the save/load check: fits models, saves each as JSON.stringify(model) (every estimator has a
// synchronous toJSON()), and prints their outputs on the shared queries as one JSON line.
import { writeFileSync } from "node:fs";
import { KMeans, KNeighborsClassifier, Pipeline, StandardScaler } from "@plugml/core";
import { MODELS, X, Xtrain, outputOf, ytrain } from "./persist-data.mjs";

const models = {
  kmeans: await new KMeans({ nClusters: 3, randomState: 0 }).fit(X),
  knn: await new KNeighborsClassifier({ nNeighbors: 5, weights: "distance" }).fit(Xtrain, ytrain),
  scaler: await new StandardScaler().fit(Xtrain),
  pipeline: await new Pipeline([
    ["scale", new StandardScaler()],
    ["cluster", new KMeans({ nClusters: 3, randomState: 0 })],
  ]).fit(X),
};
const outputs = {};
for (const name of MODELS) {
  writeFileSync(`${name}.model.json`, JSON.stringify(models[name]));
  outputs[name] = await outputOf(name, models[name]);
}
console.log(JSON.stringify(outputs));
