/** Clustering comparison metrics on label arrays, matching scikit-learn 1.2's `adjusted_rand_score`. */
import { encodeLabels, type LabelsInput } from "../validation/targets.js";
import { checkSameLength } from "./labels.js";

/**
 * The Rand index adjusted for chance between two clusterings of the same samples: 1 for identical partitions
 * (whatever the label names), about 0 for independent ones, possibly negative. scikit-learn's
 * `adjusted_rand_score`, computed from the pair confusion matrix; the two arrays may use different label types.
 *
 * @example adjustedRandScore([0, 0, 1, 1], [1, 1, 0, 0]) // 1
 */
export function adjustedRandScore(labelsTrue: LabelsInput, labelsPred: LabelsInput): number {
  const fn = "adjustedRandScore";
  checkSameLength(labelsTrue, labelsPred, fn);
  const n = labelsTrue.length;
  const a = encodeLabels(labelsTrue, n, { estimator: fn, argument: "labelsTrue" });
  const b = encodeLabels(labelsPred, n, { estimator: fn, argument: "labelsPred" });
  const nA = a.classes.length;
  const contingency = new Map<number, number>();
  const rowSums = new Float64Array(nA);
  const colSums = new Float64Array(b.classes.length);
  for (let i = 0; i < n; i++) {
    const key = b.encoded[i] * nA + a.encoded[i];
    contingency.set(key, (contingency.get(key) ?? 0) + 1);
    rowSums[a.encoded[i]]++;
    colSums[b.encoded[i]]++;
  }
  let sumSquares = 0;
  for (const c of contingency.values()) sumSquares += c * c;
  const squares = (v: Float64Array) => v.reduce((s, x) => s + x * x, 0);
  // Ordered pairs (scikit-learn's pair_confusion_matrix): together in both, in pred only, in true only, in neither.
  const together = sumSquares - n;
  const predOnly = squares(colSums) - sumSquares;
  const trueOnly = squares(rowSums) - sumSquares;
  const neither = n * n - predOnly - trueOnly - sumSquares;
  // Identical partitions, including the special cases where the formula is 0/0 (one cluster, or all singletons).
  if (predOnly === 0 && trueOnly === 0) return 1;
  return (2 * (together * neither - trueOnly * predOnly)) / ((together + trueOnly) * (trueOnly + neither) + (together + predOnly) * (predOnly + neither));
}
