/** `loadModel`: any saved model, estimator or Pipeline, from its JSON. */
import { Pipeline } from "../pipeline/pipeline.js";
import { ESTIMATOR_KINDS, loadEstimator, type LoadedEstimator } from "./estimators.js";
import { readKind } from "./format.js";
import { JsonReader } from "./reader.js";

/** What {@link loadModel} returns: narrow it with `instanceof`. */
export type LoadedModel = LoadedEstimator | Pipeline;

/**
 * The estimator or Pipeline a saved model describes (what `toJSON()` or `saveModel()` wrote, typically after
 * `JSON.parse`), dispatched on its `kind`. The input is untrusted: anything malformed, of another format or of a
 * newer version is a `ValidationError` saying where, e.g. `loadModel: fitted.clusterCenters.data[17] is NaN,
 * expected a finite number`. The model is loaded on the host and computes on any engine (docs/saving-models.md).
 */
export function loadModel(json: unknown): LoadedModel {
  const root = new JsonReader("loadModel", json);
  const kind = readKind(root, [...ESTIMATOR_KINDS, "Pipeline"]);
  return kind === "Pipeline" ? Pipeline.fromJSON(root) : loadEstimator(root);
}
