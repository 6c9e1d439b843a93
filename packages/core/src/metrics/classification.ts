/**
 * Classification metrics on label arrays, matching scikit-learn 1.2's `accuracy_score`, `confusion_matrix`,
 * `precision_recall_fscore_support` and `classification_report`. Host computations, synchronous as in Python.
 */
import { Matrix } from "../data/matrix.js";
import { ValidationError } from "../errors.js";
import { formatValue } from "../validation/format.js";
import { checkSampleWeight, type Label, type LabelsInput, type NumbersInput } from "../validation/targets.js";
import { publishWarning, UndefinedMetricWarning } from "../warnings.js";
import { encodeLabelPair, labelPositions } from "./labels.js";

/** Options of {@link accuracyScore}. */
export interface AccuracyScoreOptions {
  /** `true` (default): the fraction of correct predictions; `false`: their (weighted) count. */
  normalize?: boolean;
  /** Per-sample weights. */
  sampleWeight?: NumbersInput;
}

/**
 * The fraction (or, with `normalize: false`, the weighted count) of samples whose predicted label equals the true
 * one: scikit-learn's `accuracy_score`.
 *
 * @example accuracyScore([0, 1, 2, 3], [0, 2, 1, 3]) // 0.5
 */
export function accuracyScore(yTrue: LabelsInput, yPred: LabelsInput, options: AccuracyScoreOptions = {}): number {
  const fn = "accuracyScore";
  const { trueCodes, predCodes } = encodeLabelPair(yTrue, yPred, fn);
  const weights = checkSampleWeight(options.sampleWeight, trueCodes.length, { estimator: fn, argument: "sampleWeight" });
  let hits = 0;
  let total = 0;
  for (let i = 0; i < trueCodes.length; i++) {
    if (trueCodes[i] === predCodes[i]) hits += weights[i];
    total += weights[i];
  }
  return options.normalize === false ? hits : hits / total;
}

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /**
   * The labels of the rows and columns, in this order; samples whose true or predicted label is not among them are
   * left out. Default: every label of either array, sorted (numbers ascending, strings by code point).
   */
  labels?: readonly Label[];
  /** Per-sample weights: each sample adds its weight instead of 1. */
  sampleWeight?: NumbersInput;
  /** Divide by the row sums (`"true"`), the column sums (`"pred"`) or the total (`"all"`); 0/0 gives 0. */
  normalize?: "true" | "pred" | "all";
}

/**
 * The confusion matrix: entry (i, j) counts the samples of true label `labels[i]` predicted as `labels[j]`
 * (scikit-learn's `confusion_matrix`). Returned as a float64 {@link Matrix} in every case (counts are exact
 * integers there), since weights and `normalize` give fractions.
 *
 * @example confusionMatrix(["a", "b", "b"], ["a", "a", "b"]).data // Float64Array [1, 0, 1, 1]
 */
export function confusionMatrix(yTrue: LabelsInput, yPred: LabelsInput, options: ConfusionMatrixOptions = {}): Matrix<Float64Array> {
  const fn = "confusionMatrix";
  const { classes, trueCodes, predCodes } = encodeLabelPair(yTrue, yPred, fn);
  const weights = checkSampleWeight(options.sampleWeight, trueCodes.length, { estimator: fn, argument: "sampleWeight" });
  const positions = options.labels === undefined ? Int32Array.from(classes, (_, k) => k) : labelPositions(options.labels, classes, fn);
  if (options.labels !== undefined && !positions.some((p) => p >= 0 && trueCodes.includes(p))) {
    throw new ValidationError(`${fn}: at least one label specified must be in yTrue.`);
  }
  const n = positions.length;
  // A class's row and column in the output, or -1 when `labels` leaves it out.
  const slot = new Int32Array(classes.length).fill(-1);
  positions.forEach((p, i) => p >= 0 && (slot[p] = i));
  const cm = new Float64Array(n * n);
  for (let s = 0; s < trueCodes.length; s++) {
    const i = slot[trueCodes[s]];
    const j = slot[predCodes[s]];
    if (i >= 0 && j >= 0) cm[i * n + j] += weights[s];
  }
  if (options.normalize !== undefined) normalizeCounts(cm, n, options.normalize, fn);
  return new Matrix(cm, n, n);
}

function normalizeCounts(cm: Float64Array, n: number, by: unknown, fn: string): void {
  if (by !== "true" && by !== "pred" && by !== "all") {
    throw new ValidationError(`${fn}: normalize must be "true", "pred", "all" or undefined, got ${formatValue(by)}.`);
  }
  const sums = new Float64Array(by === "all" ? 1 : n);
  const group = (i: number, j: number) => (by === "true" ? i : by === "pred" ? j : 0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sums[group(i, j)] += cm[i * n + j];
  // scikit-learn divides and then replaces the NaNs of empty rows or columns by 0.
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const total = sums[group(i, j)];
    cm[i * n + j] = total === 0 ? 0 : cm[i * n + j] / total;
  }
}

/** How {@link precisionRecallFscoreSupport} combines the per-label scores. */
export type Average = "binary" | "micro" | "macro" | "weighted";

/** Options of {@link precisionRecallFscoreSupport}. */
export interface PrecisionRecallFscoreOptions {
  /** Weight of recall in the F-score (default 1: F1). */
  beta?: number;
  /** The labels to score, in this order (default: every label of either array, sorted). */
  labels?: readonly Label[];
  /**
   * `undefined` (default): per-label scores. `"binary"`: the scores of `posLabel` alone (the arrays may hold at
   * most two labels). `"micro"`: from the totals over the labels; `"macro"`: the unweighted mean of the labels'
   * scores; `"weighted"`: their mean weighted by support.
   */
  average?: Average;
  /** The positive label of `average: "binary"` (default 1). */
  posLabel?: Label;
  /**
   * The value of a 0/0 score: `"warn"` (default) gives 0 and publishes an `UndefinedMetricWarning`; 0 or 1 give
   * that value silently.
   */
  zeroDivision?: "warn" | 0 | 1;
  /** Per-sample weights. */
  sampleWeight?: NumbersInput;
}

/** Per-label scores (`support`: the weighted count of true samples per label). */
export interface PerLabelScores {
  /** tp / (tp + fp) per label. */
  precision: Float64Array;
  /** tp / (tp + fn) per label. */
  recall: Float64Array;
  /** F-beta per label. */
  fscore: Float64Array;
  /** The (weighted) number of true samples per label. */
  support: Float64Array;
}

/** Averaged scores; `support` is undefined, as scikit-learn's is None. */
export interface AveragedScores {
  /** The averaged precision. */
  precision: number;
  /** The averaged recall. */
  recall: number;
  /** The averaged F-beta. */
  fscore: number;
  /** Always undefined for an average. */
  support: undefined;
}

/**
 * Precision tp / (tp + fp), recall tp / (tp + fn), F-beta (1 + beta²)·p·r / (beta²·p + r) and support per label,
 * or averaged: scikit-learn's `precision_recall_fscore_support`, with its handling of 0/0 (`zeroDivision`) and of
 * a weighted average over labels that have no true samples.
 *
 * @example precisionRecallFscoreSupport([0, 1, 1], [0, 1, 0]).recall // Float64Array [1, 0.5]
 */
export function precisionRecallFscoreSupport(yTrue: LabelsInput, yPred: LabelsInput, options?: PrecisionRecallFscoreOptions & { average?: undefined }): PerLabelScores;
export function precisionRecallFscoreSupport(yTrue: LabelsInput, yPred: LabelsInput, options: PrecisionRecallFscoreOptions & { average: Average }): AveragedScores;
export function precisionRecallFscoreSupport(yTrue: LabelsInput, yPred: LabelsInput, options?: PrecisionRecallFscoreOptions): PerLabelScores | AveragedScores;
export function precisionRecallFscoreSupport(yTrue: LabelsInput, yPred: LabelsInput, options: PrecisionRecallFscoreOptions = {}): PerLabelScores | AveragedScores {
  const fn = "precisionRecallFscoreSupport";
  const { beta = 1, average, zeroDivision = "warn", posLabel = 1 } = options;
  if (typeof beta !== "number" || !(beta >= 0)) throw new ValidationError(`${fn}: beta must be a number >= 0, got ${formatValue(beta)}.`);
  if (average !== undefined && !["binary", "micro", "macro", "weighted"].includes(average)) {
    throw new ValidationError(`${fn}: average must be "binary", "micro", "macro", "weighted" or undefined, got ${formatValue(average)}.`);
  }
  if (zeroDivision !== "warn" && zeroDivision !== 0 && zeroDivision !== 1) {
    throw new ValidationError(`${fn}: zeroDivision must be "warn", 0 or 1, got ${formatValue(zeroDivision)}.`);
  }
  const { classes, trueCodes, predCodes } = encodeLabelPair(yTrue, yPred, fn);
  const weights = checkSampleWeight(options.sampleWeight, trueCodes.length, { estimator: fn, argument: "sampleWeight" });
  let labels = options.labels;
  if (average === "binary") {
    if (classes.length > 2) {
      throw new ValidationError(
        `${fn}: the labels are multiclass (${classes.length} labels) but average is "binary"; choose another average.`,
      );
    }
    if (!classes.includes(posLabel) && classes.length === 2) {
      throw new ValidationError(`${fn}: posLabel=${formatValue(posLabel)} is not a valid label; it should be one of ${classes.map(formatValue).join(", ")}.`);
    }
    labels = [posLabel];
  }
  const positions = labels === undefined ? Int32Array.from(classes, (_, k) => k) : labelPositions(labels, classes, fn);
  const counts = labelCounts(trueCodes, predCodes, weights, classes.length);
  const pick = (sums: Float64Array) => Float64Array.from(positions, (p) => (p < 0 ? 0 : sums[p]));
  let tp = pick(counts.tp);
  let predSum = pick(counts.pred);
  let trueSum = pick(counts.true);
  if (average === "micro") [tp, predSum, trueSum] = [tp, predSum, trueSum].map((a) => Float64Array.of(sum(a)));

  const precision = divide(tp, predSum, zeroDivision, average, "Precision", "predicted");
  const recall = divide(tp, trueSum, zeroDivision, average, "Recall", "true");
  const beta2 = beta * beta;
  const fscore = precision.map((p, i) => {
    if (beta === Infinity) return recall[i];
    const denominator = beta2 * p + recall[i];
    return denominator === 0 ? 0 : ((1 + beta2) * p * recall[i]) / denominator;
  });
  if (average === undefined) return { precision, recall, fscore, support: trueSum };
  if (average === "weighted" && sum(trueSum) === 0) {
    const value = zeroDivision === 1 ? 1 : 0;
    return sum(predSum) === 0
      ? { precision: value, recall: value, fscore: value, support: undefined }
      : { precision: 0, recall: value, fscore: 0, support: undefined };
  }
  const mean = (a: Float64Array) => (average === "weighted" ? weightedMean(a, trueSum) : sum(a) / a.length);
  return { precision: mean(precision), recall: mean(recall), fscore: mean(fscore), support: undefined };
}

/** Weighted true positives, predictions and true samples per class code. */
function labelCounts(trueCodes: Int32Array, predCodes: Int32Array, weights: Float64Array, nClasses: number) {
  const tp = new Float64Array(nClasses);
  const pred = new Float64Array(nClasses);
  const truth = new Float64Array(nClasses);
  for (let i = 0; i < trueCodes.length; i++) {
    if (trueCodes[i] === predCodes[i]) tp[trueCodes[i]] += weights[i];
    pred[predCodes[i]] += weights[i];
    truth[trueCodes[i]] += weights[i];
  }
  return { tp, pred, true: truth };
}

/** scikit-learn's `_prf_divide`: 0/0 gives `zeroDivision` (0 for "warn", with its warning). */
function divide(num: Float64Array, den: Float64Array, zeroDivision: "warn" | 0 | 1, average: Average | undefined, metric: string, modifier: string): Float64Array {
  let undefinedCount = 0;
  const result = num.map((v, i) => {
    if (den[i] !== 0) return v / den[i];
    undefinedCount++;
    return zeroDivision === 1 ? 1 : 0;
  });
  if (undefinedCount > 0 && zeroDivision === "warn") {
    const start = `${metric} and F-score are ill-defined and being set to 0.0`;
    const message = result.length === 1 ? `${start} due to no ${modifier} samples.` : `${start} in labels with no ${modifier} samples.`;
    publishWarning(new UndefinedMetricWarning(`${message} Use \`zeroDivision\` to control this behavior.`, `precisionRecallFscoreSupport (average=${average ?? "none"})`));
  }
  return result;
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function weightedMean(a: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * w[i];
  return s / sum(w);
}

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions {
  /** Digits after the decimal point in the text (default 2; the dict is not rounded). */
  digits?: number;
  /** Return the report as an object instead of text. */
  outputDict?: boolean;
  /** As in {@link precisionRecallFscoreSupport} (default `"warn"`). */
  zeroDivision?: "warn" | 0 | 1;
  /** Per-sample weights. */
  sampleWeight?: NumbersInput;
}

/** One row of {@link ClassificationReportDict}. */
export interface ReportRow {
  /** tp / (tp + fp). */
  precision: number;
  /** tp / (tp + fn). */
  recall: number;
  /** The harmonic mean of precision and recall. */
  "f1-score": number;
  /** The (weighted) number of true samples. */
  support: number;
}

/**
 * The report as an object, keyed as scikit-learn's `output_dict=True` is: each label (as text), `"accuracy"`,
 * `"macro avg"`, `"weighted avg"`.
 */
export type ClassificationReportDict = Record<string, ReportRow | number>;

/**
 * Precision, recall, F1 and support per label and averaged (accuracy, macro, weighted), as text laid out exactly as
 * scikit-learn's `classification_report` (numbers rounded half to even, as Python's formatting does), or as an
 * object with `outputDict: true`.
 *
 * @example console.log(classificationReport(["a", "b", "b"], ["a", "b", "a"]))
 */
export function classificationReport(yTrue: LabelsInput, yPred: LabelsInput, options?: ClassificationReportOptions & { outputDict?: false }): string;
export function classificationReport(yTrue: LabelsInput, yPred: LabelsInput, options: ClassificationReportOptions & { outputDict: true }): ClassificationReportDict;
export function classificationReport(yTrue: LabelsInput, yPred: LabelsInput, options: ClassificationReportOptions = {}): string | ClassificationReportDict {
  const { digits = 2, zeroDivision = "warn", sampleWeight } = options;
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new ValidationError(`classificationReport: digits must be an integer in [0, 20], got ${formatValue(digits)}.`);
  }
  const { classes } = encodeLabelPair(yTrue, yPred, "classificationReport");
  const common = { zeroDivision, sampleWeight };
  const perLabel = precisionRecallFscoreSupport(yTrue, yPred, { ...common, labels: classes });
  const total = sum(perLabel.support);
  const rows: [string, ReportRow][] = classes.map((c, k) => [
    String(c),
    { precision: perLabel.precision[k], recall: perLabel.recall[k], "f1-score": perLabel.fscore[k], support: perLabel.support[k] },
  ]);
  const averaged = (average: Average): ReportRow => {
    const s = precisionRecallFscoreSupport(yTrue, yPred, { ...common, labels: classes, average });
    return { precision: s.precision, recall: s.recall, "f1-score": s.fscore, support: total };
  };
  const accuracy = averaged("micro");
  const macro = averaged("macro");
  const weighted = averaged("weighted");
  if (options.outputDict) {
    return { ...Object.fromEntries(rows), accuracy: accuracy.precision, "macro avg": macro, "weighted avg": weighted };
  }
  const width = Math.max(...rows.map(([name]) => name.length), "weighted avg".length, digits);
  const cell = (text: string) => ` ${text.padStart(9)}`;
  // Supports are integer counts, or with weights floats, which Python prints with a decimal point (6.0).
  const count = (v: number) => (sampleWeight !== undefined && Number.isInteger(v) ? v.toFixed(1) : String(v));
  const line = (name: string, r: ReportRow) =>
    `${name.padStart(width)} ${cell(fixed(r.precision, digits))}${cell(fixed(r.recall, digits))}${cell(fixed(r["f1-score"], digits))}${cell(count(r.support))}\n`;
  let report = `${"".padStart(width)} ${["precision", "recall", "f1-score", "support"].map(cell).join("")}\n\n`;
  for (const [name, r] of rows) report += line(name, r);
  report += "\n";
  report += `${"accuracy".padStart(width)} ${cell("")}${cell("")}${cell(fixed(accuracy.precision, digits))}${cell(count(total))}\n`;
  report += line("macro avg", macro);
  report += line("weighted avg", weighted);
  return report;
}

/**
 * `x` with `digits` decimals as Python's `format(x, ".2f")` writes it: the exact binary value rounded, an exact tie
 * to the even digit. (`toFixed` rounds exact ties up, so 0.125 would print as 0.13 instead of Python's 0.12.)
 */
function fixed(x: number, digits: number): string {
  const rounded = x.toFixed(digits);
  const exact = x.toFixed(100);
  const dot = exact.indexOf(".");
  const rest = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(rest)) return rounded;
  const down = exact.slice(0, dot + 1 + digits).replace(/\.$/, "");
  const lastDigit = Number(down[down.length - 1]);
  return lastDigit % 2 === 0 ? down : rounded;
}
