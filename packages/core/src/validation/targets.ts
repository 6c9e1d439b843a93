/**
 * Validation of what accompanies X in `fit`: class labels, regression targets and sample weights (scikit-learn's
 * `check_X_y` target half, `LabelEncoder` and `_check_sample_weight`).
 */
import { ValidationError } from "../errors.js";
import { plural, typeName, wherePrefix, type InputWhere } from "./format.js";

/** A class label: classes are either all numbers or all strings. */
export type Label = number | string;

/** What classifiers accept as `y`. */
export type LabelsInput = readonly Label[] | Int32Array | Float64Array | Float32Array;

/** Numeric per-sample values: regression targets, sample weights. */
export type NumbersInput = readonly number[] | Float64Array | Float32Array;

/** Result of {@link encodeLabels}. */
export interface EncodedLabels {
  /** The distinct labels, sorted as numpy's `unique` sorts them: numbers ascending, strings by code point. */
  classes: Label[];
  /** For each sample, the index of its label in `classes`. */
  encoded: Int32Array;
}

/**
 * Validates class labels and encodes them as indices into the sorted distinct labels (scikit-learn's
 * `LabelEncoder`). Labels must all be integers or all strings; NaN, infinities and other non-integers (continuous
 * targets, which scikit-learn rejects too) are refused, as is a length that differs from `nSamples`.
 *
 * @example encodeLabels(["b", "a", "b"], 3, { estimator: "KNeighborsClassifier.fit", argument: "y" })
 * // { classes: ["a", "b"], encoded: Int32Array [1, 0, 1] }
 */
export function encodeLabels(y: LabelsInput, nSamples: number, where: InputWhere): EncodedLabels {
  const prefix = wherePrefix(where);
  const arg = where.argument;
  checkVectorShape(y, nSamples, prefix, arg, "label");
  const n = y.length;
  const numeric = typeof y[0] === "number";
  const seen = new Set<Label>();
  for (let i = 0; i < n; i++) {
    const v: unknown = y[i];
    if (typeof v === "number") {
      if (!numeric) throw mixed(prefix, arg, i, "number");
      if (v - v !== 0) throw new ValidationError(`${prefix}: ${arg} contains ${String(v)} at index ${i}.`);
      if (!Number.isInteger(v)) {
        throw new ValidationError(
          `${prefix}: ${arg} contains the non-integer label ${v} at index ${i}; class labels must be integers or ` +
            `strings (continuous targets call for a regressor, as in scikit-learn).`,
        );
      }
    } else if (typeof v === "string") {
      if (numeric) throw mixed(prefix, arg, i, "string");
    } else {
      throw new ValidationError(
        `${prefix}: ${arg} contains a value that is not a label (${typeName(v)}) at index ${i}; ` +
          `labels must be numbers or strings.`,
      );
    }
    seen.add(v);
  }
  // A Set treats 0 and -0 as one label; the class is reported as 0 whichever came first.
  const classes: Label[] = numeric
    ? (Array.from(seen) as number[]).sort((a, b) => a - b).map((c) => c + 0)
    : (Array.from(seen) as string[]).sort(compareCodePoints);
  const index = new Map<Label, number>();
  classes.forEach((c, k) => index.set(c, k));
  const encoded = new Int32Array(n);
  for (let i = 0; i < n; i++) encoded[i] = index.get(y[i]) as number;
  return { classes, encoded };
}

/**
 * Validates regression targets: one finite number per sample. Returns a float64 copy, so later changes to the
 * caller's array cannot reach a fitted model.
 */
export function checkRegressionTargets(y: NumbersInput, nSamples: number, where: InputWhere): Float64Array {
  const prefix = wherePrefix(where);
  checkVectorShape(y, nSamples, prefix, where.argument, "value");
  return copyFinite(y, prefix, where.argument);
}

/**
 * Validates per-sample weights, or returns all ones when none are given (scikit-learn's `_check_sample_weight`
 * with `only_non_negative=True`). Weights must be finite and >= 0 with at least one positive, and there must be one
 * per sample. Always returns a fresh float64 array.
 */
export function checkSampleWeight(
  sampleWeight: NumbersInput | undefined,
  nSamples: number,
  where: InputWhere,
): Float64Array {
  if (sampleWeight === undefined) return new Float64Array(nSamples).fill(1);
  const prefix = wherePrefix(where);
  const arg = where.argument;
  checkVectorShape(sampleWeight, nSamples, prefix, arg, "value");
  const w = copyFinite(sampleWeight, prefix, arg);
  let positive = false;
  for (let i = 0; i < w.length; i++) {
    if (w[i] < 0) {
      throw new ValidationError(
        `${prefix}: ${arg} contains a negative value (${w[i]}) at index ${i}; weights must be >= 0.`,
      );
    }
    if (w[i] > 0) positive = true;
  }
  if (!positive) {
    throw new ValidationError(`${prefix}: ${arg} is all zeros; at least one weight must be positive.`);
  }
  return w;
}

/**
 * For estimators that ignore `y` (KMeans, StandardScaler, NearestNeighbors): `y` may be anything scikit-learn
 * would ignore (undefined, null, an array), but an options object in y's position, such as
 * `fit(X, { sampleWeight })`, is a mistake that would otherwise be silently ignored, so it is rejected.
 */
export function checkIgnoredTarget(y: unknown, estimatorMethod: string): void {
  if (y === undefined || y === null || typeof y !== "object" || Array.isArray(y) || ArrayBuffer.isView(y)) return;
  const keys = Object.keys(y);
  throw new ValidationError(
    `${estimatorMethod}: the second argument is y, which this estimator ignores, but an options object was passed ` +
      `there (${keys.length ? `keys: ${keys.join(", ")}` : "an empty object"}); pass options third: ` +
      `${estimatorMethod.split(".")[1]}(X, undefined, { ... }).`,
  );
}

/**
 * Rejects `sampleWeight` for estimators that do not support it (scikit-learn's neighbour estimators take no
 * sample_weight), rather than ignoring it.
 */
export function checkNoSampleWeight(sampleWeight: unknown, estimatorMethod: string): void {
  if (sampleWeight === undefined) return;
  throw new ValidationError(`${estimatorMethod}: sampleWeight is not supported by this estimator (scikit-learn's has no sample_weight either).`);
}

function checkVectorShape(
  v: unknown,
  nSamples: number,
  prefix: string,
  arg: string,
  noun: string,
): asserts v is ArrayLike<unknown> {
  const isTyped = v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array;
  if (!Array.isArray(v) && !isTyped) {
    throw new ValidationError(`${prefix}: ${arg} must be a 1-D array with one ${noun} per sample, got ${typeName(v)}.`);
  }
  const n = (v as ArrayLike<unknown>).length;
  if (n > 0 && Array.isArray(v) && Array.isArray(v[0])) {
    throw new ValidationError(`${prefix}: ${arg} must be a 1-D array with one ${noun} per sample, got a 2-D array.`);
  }
  if (n === 0) {
    throw new ValidationError(`${prefix}: ${arg} is empty (0 ${noun}s); at least 1 ${noun} is required.`);
  }
  if (n !== nSamples) {
    throw new ValidationError(`${prefix}: ${arg} has ${plural(n, noun)} but X has ${plural(nSamples, "sample")}.`);
  }
}

function copyFinite(v: ArrayLike<unknown>, prefix: string, arg: string): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number") {
      throw new ValidationError(`${prefix}: ${arg} contains a non-numeric value (${typeName(x)}) at index ${i}.`);
    }
    if (x - x !== 0) throw new ValidationError(`${prefix}: ${arg} contains ${String(x)} at index ${i}.`);
    out[i] = x;
  }
  return out;
}

function mixed(prefix: string, arg: string, i: number, kind: "number" | "string"): ValidationError {
  const first = kind === "number" ? "string" : "number";
  return new ValidationError(
    `${prefix}: ${arg} mixes label types: index 0 is a ${first} but index ${i} is a ${kind}; ` +
      `use all numbers or all strings.`,
  );
}

// numpy sorts unicode strings by code point; JavaScript's default sort compares UTF-16 code units, which orders
// characters above U+FFFF (stored as surrogates 0xD800-0xDFFF) before U+E000-U+FFFF.
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) continue;
    // At the first differing unit, codePointAt reads the whole character when a surrogate pair starts there.
    return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
  }
  return a.length - b.length;
}
