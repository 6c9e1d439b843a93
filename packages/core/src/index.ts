/**
 * @plugml/core: scikit-learn-style estimators whose computations run on pluggable engines.
 *
 * @packageDocumentation
 */
export { Matrix, type DType, type FloatArray } from "./data/matrix.js";
export { IndexMatrix } from "./data/index-matrix.js";
export { CsrMatrix } from "./data/csr-matrix.js";
export { isResident, type DataMatrix, type ResidentMatrix } from "./data/resident.js";
export { contentFingerprint } from "./data/fingerprint.js";
export {
  PlugmlError,
  ValidationError,
  NotFittedError,
  EngineNotFoundError,
  type EngineNotFoundDetails,
  EngineDeclinedError,
  NotSupportedByEngineError,
  EngineValidationError,
  EngineContractError,
  AbortError,
  DeviceLostError,
  TransferNotAllowedError,
  type DeclineReason,
} from "./errors.js";
export {
  PlugmlWarning,
  ConvergenceWarning,
  ParameterWarning,
  UndefinedMetricWarning,
  addWarningListener,
  type WarningListener,
} from "./warnings.js";
export * from "./engine/specs.js";
export { registerEngine, unregisterEngine, listEngines, getEngine, blockEngine, unblockEngine } from "./engine/registry.js";
export { listEngineSupport, type EstimatorSupport } from "./engine/support.js";
export { setConfig, getConfig, withConfig, DEFAULT_ENGINES, type EngineConfig, type TransferPolicy } from "./engine/config.js";
export { type EngineExplanation, type EngineVerdict } from "./engine/explain.js";
export { enginePackage, enginePackages } from "./engine/resolve.js";
export { addTraceListener, formatEntry, type TraceEntry, type TraceListener, type TraceOutcome } from "./engine/trace.js";
export { type CallOptions, type FitOptions, type HostOutput, type XInput } from "./estimators/base.js";
export { KMeans, type KMeansParams } from "./estimators/kmeans.js";
export {
  kmeansPlusPlus,
  kmeansPlusPlusAsync,
  kmeansPlusPlusIndices,
  kmeansPlusPlusIndicesAsync,
  kmeansPlusPlusScale,
  kmeansPlusPlusTrials,
  randomInit,
  randomInitIndices,
  searchSortedLeft,
  takeRows,
} from "./estimators/kmeans-init.js";
export { NearestNeighbors } from "./estimators/nearest-neighbors.js";
export { KNeighborsClassifier } from "./estimators/kneighbors-classifier.js";
export { KNeighborsRegressor } from "./estimators/kneighbors-regressor.js";
export {
  type NeighborsParams,
  type KNeighborsParams,
  type KNeighborsOptions,
  type KNeighborsResult,
  type RadiusNeighborsOptions,
  type RadiusNeighborsQueryResult,
  type KNeighborsGraphOptions,
  type RadiusNeighborsGraphOptions,
} from "./estimators/neighbors-base.js";
export { Normalizer, type NormalizerParams } from "./estimators/normalizer.js";
export { StandardScaler, type StandardScalerParams } from "./estimators/standard-scaler.js";
export { silhouetteSamples, silhouetteScore, type SilhouetteSamplesOptions, type SilhouetteScoreOptions } from "./metrics/silhouette.js";
export {
  Pipeline,
  makePipeline,
  type NamedStep,
  type NamedSteps,
  type Passthrough,
  type PipelineStep,
  type FinalStep,
  type PredictionOf,
  type TransformOf,
  type ClassesOf,
  type StepsByName,
  type ParamsOf,
  type StepParams,
  type PipelineParams,
  type ScoreOptions,
} from "./pipeline/pipeline.js";
export { clone, type Cloneable } from "./estimators/clone.js";
export { loadModel, type LoadedModel } from "./persistence/load.js";
export { type LoadedEstimator } from "./persistence/estimators.js";
export { saveModel, type Saveable } from "./persistence/save.js";
export {
  MODEL_FORMAT,
  MODEL_VERSION,
  type SavedEstimator,
  type SavedPipeline,
  type SavedModel,
  type SavedMatrix,
  type SavedNumber,
  type SavedEngineSetting,
} from "./persistence/format.js";
export { RandomState } from "./validation/random-state.js";
export { type MatrixInput } from "./validation/input.js";
export { type Label, type LabelsInput, type NumbersInput } from "./validation/targets.js";
export {
  accuracyScore,
  confusionMatrix,
  precisionRecallFscoreSupport,
  classificationReport,
  type AccuracyScoreOptions,
  type ConfusionMatrixOptions,
  type Average,
  type PrecisionRecallFscoreOptions,
  type PerLabelScores,
  type AveragedScores,
  type ClassificationReportOptions,
  type ClassificationReportDict,
  type ReportRow,
} from "./metrics/classification.js";
export { r2Score, meanSquaredError, type R2ScoreOptions, type MeanSquaredErrorOptions } from "./metrics/regression.js";
export { adjustedRandScore } from "./metrics/cluster.js";
export { trainTestSplit, type TrainTestSplitOptions } from "./model-selection/train-test-split.js";
export { KFold, StratifiedKFold, type KFoldParams, type CrossValidator } from "./model-selection/kfold.js";
export { type Fold, type VectorInput } from "./model-selection/indexing.js";
export {
  crossValidate,
  crossValScore,
  isClassifier,
  type CrossValEstimator,
  type CrossValidateOptions,
  type CrossValidateResult,
  type CrossValScoreOptions,
  type CvInput,
} from "./model-selection/cross-validate.js";
export { type Scorer, type ScorerName, type Scoring, type ScorableEstimator } from "./model-selection/scoring.js";
export { type ParamGrid, type ParamGridDict } from "./model-selection/param-grid.js";
export {
  GridSearchCV,
  type GridSearchCVOptions,
  type GridSearchParams,
  type CvResults,
  type SearchableEstimator,
  type PredictionOfEstimator,
} from "./model-selection/grid-search.js";
