/**
 * `saveModel`: the asynchronous counterpart of `toJSON`, for models whose training set lives only on an engine's
 * device (fitted on resident data inside a Pipeline), which a synchronous `toJSON` cannot read.
 */
import type { SavedEstimator, SavedModel, SavedPipeline } from "./format.js";

/** The method behind {@link saveModel}, implemented by every estimator and by Pipeline. */
export const READ_BACK_AND_SAVE: unique symbol = Symbol("plugml.readBackAndSave");

/** Anything {@link saveModel} saves: every plugml estimator and Pipeline. */
export interface Saveable<S extends SavedModel = SavedModel> {
  toJSON(): S;
  [READ_BACK_AND_SAVE](): Promise<S>;
}

/**
 * The same JSON as `model.toJSON()`, also for a model whose training set lives only on an engine's device: that
 * matrix is read back to the host, and an entry of engine `"core"` (method `"saveModel"`) in the estimator's
 * `engineTrace_` records the bytes; under `transfers: "error"` the read is a `TransferNotAllowedError`. Nothing is
 * cached: every call reads the device again, so the host holds no second copy of the training set meanwhile.
 */
export function saveModel(model: Saveable<SavedPipeline>): Promise<SavedPipeline>;
export function saveModel(model: Saveable<SavedEstimator>): Promise<SavedEstimator>;
export function saveModel(model: Saveable): Promise<SavedModel>;
export function saveModel(model: Saveable): Promise<SavedModel> {
  return model[READ_BACK_AND_SAVE]();
}
