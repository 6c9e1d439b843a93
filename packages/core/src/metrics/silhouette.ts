/**
 * The silhouette coefficient (scikit-learn's `silhouette_samples` and `silhouette_score`): per sample, a = mean
 * distance to the other members of its cluster, b = mean distance to the members of the nearest other cluster,
 * s = (b - a) / max(a, b). The pairwise part, every row's summed distances to each cluster, is the engine hook
 * `metrics.clusterDistanceSums` (chunked in the engine, never n x n at once); the rest is O(n x clusters) here.
 */
import { ValidationError } from "../errors.js";
import { isResident, type DataMatrix, type ResidentMatrix } from "../data/resident.js";
import { runFunctionHook } from "../engine/function-hook.js";
import type { SilhouetteMetric } from "../engine/specs.js";
import { throwIfAborted } from "../estimators/base.js";
import { takeRows } from "../estimators/kmeans-init.js";
import { checkMatrix, type MatrixInput } from "../validation/input.js";
import { validateParam } from "../validation/params.js";
import { checkRandomState, RandomState } from "../validation/random-state.js";
import { encodeLabels, type LabelsInput } from "../validation/targets.js";

/** Options of {@link silhouetteSamples}. */
export interface SilhouetteSamplesOptions {
  /** `"euclidean"` (default), `"manhattan"` or `"cosine"`, with scikit-learn's formulas. */
  metric?: SilhouetteMetric;
  /** Aborting rejects the call with an error named `AbortError`. */
  signal?: AbortSignal;
}

/** Options of {@link silhouetteScore}. */
export interface SilhouetteScoreOptions extends SilhouetteSamplesOptions {
  /** Score a random subset of this many samples (all of them when larger than n; default: every sample). */
  sampleSize?: number;
  /** Seed (or generator) of the subset's draw: the first `sampleSize` of a random permutation, as scikit-learn. */
  randomState?: number | RandomState;
}

const METRICS: readonly SilhouetteMetric[] = ["euclidean", "manhattan", "cosine"];

/**
 * The silhouette coefficient of every sample, in [-1, 1]: 0 for a sample alone in its cluster (and where a and b
 * are both 0, as for duplicates of one point split across clusters). Labels are numbers or strings, between 2 and
 * n - 1 distinct ones. The distances run on the current engine choice (`setConfig`, `withConfig`).
 *
 * @example
 * ```ts
 * const s = await silhouetteSamples([[0], [1], [10], [11]], [0, 0, 1, 1]); // [0.9048, 0.8947, 0.8947, 0.9048]
 * ```
 */
export async function silhouetteSamples(X: MatrixInput | ResidentMatrix, labels: LabelsInput, options: SilhouetteSamplesOptions = {}): Promise<Float64Array> {
  return samples("silhouetteSamples", input(X, "silhouetteSamples"), labels, options);
}

/**
 * The mean silhouette coefficient over all samples (or over `sampleSize` of them drawn with `randomState`):
 * scikit-learn's `silhouette_score`. Near 1: dense, well separated clusters; near 0: overlapping ones.
 *
 * @example
 * ```ts
 * const score = await silhouetteScore([[0], [1], [10], [11]], [0, 0, 1, 1]); // 0.8997
 * ```
 */
export async function silhouetteScore(X: MatrixInput | ResidentMatrix, labels: LabelsInput, options: SilhouetteScoreOptions = {}): Promise<number> {
  let data = input(X, "silhouetteScore");
  let y = labels;
  if (options.sampleSize !== undefined) {
    validateParam("silhouetteScore", "sampleSize", options.sampleSize, [{ kind: "int", min: 1 }]);
    encodeLabels(labels, data.rows, { estimator: "silhouetteScore", argument: "labels" });
    const order = checkRandomState(options.randomState, "silhouetteScore").permutation(data.rows);
    const picked = order.subarray(0, Math.min(options.sampleSize, data.rows));
    // The subset is taken on the host: a resident X is read back first.
    data = takeRows(isResident(data) ? await data.read() : data, picked);
    y = Array.from(picked, (i) => labels[i]);
  }
  const s = await samples("silhouetteScore", data, y, options);
  return s.reduce((sum, v) => sum + v, 0) / s.length;
}

function input(X: MatrixInput | ResidentMatrix, method: string): DataMatrix {
  return isResident(X) ? X : checkMatrix(X, { estimator: method, argument: "X" });
}

async function samples(method: string, X: DataMatrix, labels: LabelsInput, options: SilhouetteSamplesOptions): Promise<Float64Array> {
  throwIfAborted(options.signal);
  const metric = options.metric ?? "euclidean";
  validateParam(method, "metric", metric, [{ kind: "oneOf", values: METRICS }]);
  const { classes, encoded } = encodeLabels(labels, X.rows, { estimator: method, argument: "labels" });
  const k = classes.length;
  const n = X.rows;
  if (k < 2 || k > n - 1) {
    throw new ValidationError(`${method}: the number of labels is ${k}; valid values are 2 to n_samples - 1 = ${n - 1} (inclusive).`);
  }
  const sums = await runFunctionHook<Float64Array>({
    method,
    hook: "clusterDistanceSums",
    params: { metric },
    fields: { X, nSamples: n, nFeatures: X.cols, dtype: X.dtype, labels: encoded, nClusters: k },
    signal: options.signal,
  });
  return silhouetteFromSums(sums, encoded, k);
}

/**
 * The coefficients from the per-cluster sums, as scikit-learn's `silhouette_samples` (its `_silhouette_reduce`,
 * then `nan_to_num`): a singleton's a is 0 / 0 and its coefficient 0, and so is 0 / 0 where a = b = 0.
 */
function silhouetteFromSums(sums: Float64Array, labels: Int32Array, k: number): Float64Array {
  const n = labels.length;
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[labels[i]]++;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = labels[i];
    if (counts[own] === 1) continue;
    const a = sums[i * k + own] / (counts[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own) b = Math.min(b, sums[i * k + c] / counts[c]);
    const s = (b - a) / Math.max(a, b);
    out[i] = Number.isNaN(s) ? 0 : s;
  }
  return out;
}
