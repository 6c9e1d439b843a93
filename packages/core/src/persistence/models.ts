/**
 * The fitted state of each estimator as saved, and its reader: every check a loaded model needs before an engine
 * may compute with it (shapes consistent with each other and with the parameters, finite numbers, codes in range).
 */
import type { Matrix } from "../data/matrix.js";
import type { KMeansModel, StandardScalerModel } from "../engine/specs.js";
import type { Label } from "../validation/targets.js";
import { readMatrix, writeMatrix } from "./format.js";
import { encodeNumber, encodeNumbers, type JsonReader } from "./reader.js";

type Fields = Record<string, JsonReader>;

// ---- KMeans ---------------------------------------------------------------------------------------------------

export const KMEANS_KEYS = ["clusterCenters", "labels", "inertia", "nIter"] as const;

export function writeKMeans(model: KMeansModel): Record<string, unknown> {
  return {
    clusterCenters: writeMatrix(model.clusterCenters),
    labels: Array.from(model.labels),
    // Infinity for float64 data whose squared distances overflow.
    inertia: encodeNumber(model.inertia),
    nIter: model.nIter,
  };
}

export function readKMeans(f: Fields, nFeatures: number, params: { nClusters: number; maxIter: number }): KMeansModel {
  const { nClusters, maxIter } = params;
  const clusterCenters = readMatrix(f.clusterCenters, { rows: nClusters, cols: nFeatures });
  const labels = f.labels.ints(undefined, 0, nClusters - 1);
  // fit requires nClusters <= the number of samples, one label each.
  if (labels.length < nClusters) f.labels.fail(`has ${labels.length} values, expected at least nClusters = ${nClusters} (one per training sample)`);
  return { clusterCenters, labels, inertia: f.inertia.number({ min: 0, infinity: true }), nIter: f.nIter.int(1, maxIter) };
}

// ---- StandardScaler -------------------------------------------------------------------------------------------

export const SCALER_KEYS = ["mean", "var", "scale", "nSamplesSeen"] as const;

export function writeScaler(model: StandardScalerModel): Record<string, unknown> {
  // var, scale and the weighted sample count overflow to Infinity for values near float64's maximum.
  return { mean: encodeNumbers(model.mean), var: encodeNumbers(model.var), scale: encodeNumbers(model.scale), nSamplesSeen: encodeNumber(model.nSamplesSeen) };
}

export function readScaler(f: Fields, nFeatures: number): StandardScalerModel {
  return {
    mean: f.mean.numbers(nFeatures) as Float64Array,
    var: f.var.numbers(nFeatures, { min: 0, infinity: true }) as Float64Array,
    scale: f.scale.numbers(nFeatures, { min: 0, exclusiveMin: true, infinity: true }) as Float64Array,
    nSamplesSeen: f.nSamplesSeen.number({ min: 0, exclusiveMin: true, infinity: true }),
  };
}

// ---- Neighbours -----------------------------------------------------------------------------------------------

/** The training set, in its dtype. */
export function readTrainingSet(r: JsonReader, nFeatures: number): Matrix {
  return readMatrix(r, { cols: nFeatures });
}

export function writeClassifierTargets(y: Int32Array, classes: readonly Label[]): Record<string, unknown> {
  return { y: Array.from(y), classes: [...classes], nClasses: classes.length };
}

/**
 * The encoded labels (one per training sample), the classes they index (all integers or all strings, distinct,
 * each the label of at least one sample, as fit makes them) and their count.
 */
export function readClassifierTargets(f: Fields, nSamples: number): { y: Int32Array; classes: Label[]; nClasses: number } {
  const nClasses = f.nClasses.int(1);
  const items = f.classes.array(nClasses);
  const numeric = typeof items[0].value === "number";
  const seen = new Set<Label>();
  const classes = items.map((item): Label => {
    const label = numeric ? item.int(Number.MIN_SAFE_INTEGER) : item.string();
    if (seen.has(label)) item.fail(`repeats the class ${JSON.stringify(label)}`);
    seen.add(label);
    return label;
  });
  const y = f.y.ints(nSamples, 0, nClasses - 1);
  const used = new Uint8Array(nClasses);
  for (let i = 0; i < y.length; i++) used[y[i]] = 1;
  const unused = used.indexOf(0);
  if (unused >= 0) items[unused].fail("is the label of no training sample (y never refers to it)");
  return { y, classes, nClasses };
}

export function writeRegressionTargets(y: Float64Array): Record<string, unknown> {
  return { y: encodeNumbers(y) };
}

/** Regression targets: one finite number per training sample. */
export function readRegressionTargets(r: JsonReader, nSamples: number): Float64Array {
  return r.numbers(nSamples) as Float64Array;
}
