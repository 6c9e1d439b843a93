// Process 2 of the save/load check, as CommonJS: the same as persist-load.mjs through require().
const { readFileSync } = require("node:fs");
const { KMeans, KNeighborsClassifier, Pipeline, StandardScaler, loadModel } = require("@plugml/core");
const { MODELS, outputOf } = require("./persist-data.mjs");

async function main() {
  const classes = { kmeans: KMeans, knn: KNeighborsClassifier, scaler: StandardScaler, pipeline: Pipeline };
  const outputs = {};
  const restored = {};
  for (const name of MODELS) {
    const model = await loadModel(JSON.parse(readFileSync(`${name}.model.json`, "utf8")));
    restored[name] = model instanceof classes[name];
    outputs[name] = await outputOf(name, model);
  }
  console.log(JSON.stringify({ outputs, restored }));
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
