/** The label arrays the classification metrics compare: validated together and encoded over their union. */
import { ValidationError } from "../errors.js";
import { encodeLabels, type Label, type LabelsInput } from "../validation/targets.js";

/** Both arrays as codes into `classes`: the sorted distinct labels of either (scikit-learn's `unique_labels`). */
export interface EncodedPair {
  /** The sorted distinct labels of either array. */
  classes: Label[];
  /** yTrue as indices into `classes`. */
  trueCodes: Int32Array;
  /** yPred as indices into `classes`. */
  predCodes: Int32Array;
}

/**
 * Checks that `yTrue` and `yPred` are label arrays of the same length and label type (all numbers or all strings,
 * integers only, as `encodeLabels` requires) and encodes them over the union of their labels.
 */
export function encodeLabelPair(yTrue: LabelsInput, yPred: LabelsInput, fn: string): EncodedPair {
  checkSameLength(yTrue, yPred, fn);
  const joined = [...Array.from(yTrue), ...Array.from(yPred)];
  const { classes, encoded } = encodeLabels(joined, joined.length, { estimator: fn, argument: "yTrue and yPred" });
  return { classes, trueCodes: encoded.subarray(0, yTrue.length), predCodes: encoded.subarray(yTrue.length) };
}

/** scikit-learn's `check_consistent_length`, with its message. */
export function checkSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, fn: string): void {
  if (a?.length !== b?.length) {
    throw new ValidationError(`${fn}: found input variables with inconsistent numbers of samples: [${a?.length}, ${b?.length}].`);
  }
}

/**
 * The position of each of `labels` among `classes` (-1 for a label that occurs in neither array): how a `labels`
 * option selects and orders rows and columns.
 */
export function labelPositions(labels: readonly Label[], classes: readonly Label[], fn: string): Int32Array {
  if (!Array.isArray(labels) || labels.length === 0) throw new ValidationError(`${fn}: labels must be a non-empty array of labels.`);
  if (new Set(labels).size !== labels.length) throw new ValidationError(`${fn}: labels contains duplicates.`);
  const index = new Map(classes.map((c, k) => [c, k]));
  return Int32Array.from(labels, (l) => index.get(l) ?? -1);
}
