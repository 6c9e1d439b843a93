// Shared by persist-save.mjs and persist-load.*: scikit-learn's iris cases from the kit's reference data.
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
