/** KNeighborsClassifier: vote among the k nearest training samples. */
import type { Matrix } from "../data/matrix.js";
import type { NeighborsModel } from "../engine/specs.js";
import { readClassifierTargets, writeClassifierTargets } from "../persistence/models.js";
import type { JsonReader } from "../persistence/reader.js";
import { checkSampleWeight, encodeLabels, type Label, type LabelsInput } from "../validation/targets.js";
import { validateParams } from "../validation/params.js";
import { BaseEstimator, type CallOptions, type FitOptions, type XInput } from "./base.js";
import { KNEIGHBORS_SCHEMA, NEIGHBORS_DEFAULTS, NeighborsBase, type KNeighborsParams } from "./neighbors-base.js";

/**
 * Classifier implementing the k-nearest-neighbours vote, matching scikit-learn's
 * `KNeighborsClassifier(algorithm="brute")`. Labels may be numbers or strings; predictions have the same type.
 *
 * @example
 * ```ts
 * const clf = await new KNeighborsClassifier({ nNeighbors: 1 }).fit([[0], [1], [10]], ["a", "a", "b"]);
 * const labels = await clf.predict([[9]]); // ["b"]
 * ```
 */
export class KNeighborsClassifier<L extends Label = Label> extends NeighborsBase<KNeighborsParams> {
  protected readonly estimatorName = "KNeighborsClassifier";
  private labels?: L[];

  constructor(params: Partial<KNeighborsParams> = {}) {
    super(validateParams("KNeighborsClassifier", params, KNEIGHBORS_SCHEMA, NEIGHBORS_DEFAULTS));
  }

  /**
   * A KNeighborsClassifier from what {@link toJSON} (or `saveModel`) wrote, checked as untrusted input (a
   * `ValidationError` naming the place of any problem); the training set is loaded on the host. Labels keep their
   * type (numbers or strings); `L` is not checked at run time.
   */
  static fromJSON<L extends Label = Label>(json: unknown): KNeighborsClassifier<L> {
    return BaseEstimator.restore(
      json,
      "KNeighborsClassifier",
      NEIGHBORS_DEFAULTS,
      (params, where) => new KNeighborsClassifier<L>(validateParams(where, params, KNEIGHBORS_SCHEMA, NEIGHBORS_DEFAULTS)),
    );
  }

  protected override readonly fittedKeys = ["fitX", "y", "classes", "nClasses"] as const;

  protected override targetsToJSON(model: NeighborsModel): Record<string, unknown> {
    return writeClassifierTargets(model.y as Int32Array, this.labels as L[]);
  }

  protected override readTargets(fields: Record<string, JsonReader>, nSamples: number): Pick<NeighborsModel, "y" | "nClasses"> {
    const { y, classes, nClasses } = readClassifierTargets(fields, nSamples);
    this.labels = classes as L[];
    return { y, nClasses };
  }

  /** Sorted distinct training labels; `predictProba` columns follow this order. */
  get classes_(): L[] {
    this.requireFitted("classes_");
    return [...(this.labels as L[])];
  }

  /** Stores the training set and its labels. */
  async fit(X: XInput, y: LabelsInput, options: FitOptions = {}): Promise<this> {
    let classes: L[] = [];
    const targets = (nSamples: number) => {
      const encoded = encodeLabels(y, nSamples, { estimator: "KNeighborsClassifier.fit", argument: "y" });
      classes = encoded.classes as L[];
      return { y: encoded.encoded, nClasses: classes.length };
    };
    return this.fitNeighbors(X, targets, options, () => (this.labels = classes));
  }

  /** Most frequent (or most heavily weighted) label among each query's neighbours. */
  async predict(X: XInput, options: CallOptions = {}): Promise<L[]> {
    this.checkEnoughSamples("predict");
    const data = this.fittedInput(X, "predict");
    // Taken before the engine runs, with the model runModelHook snapshots: a refit meanwhile must not relabel
    // this call's codes.
    const classes = this.labels as L[];
    const codes = await this.runModelHook<Int32Array>("predict", "predict", { X: data }, options);
    return Array.from(codes, (c) => classes[c]);
  }

  /** Class probabilities per query (rows sum to 1), columns in `classes_` order; float64 whatever X's dtype. */
  async predictProba(X: XInput, options: CallOptions = {}): Promise<Matrix<Float64Array>> {
    this.checkEnoughSamples("predictProba");
    const data = this.fittedInput(X, "predictProba");
    // The engine contract (engine/contracts.ts) requires float64 probabilities.
    return this.runModelHook<Matrix<Float64Array>>("predictProba", "predictProba", { X: data }, options);
  }

  /** Mean accuracy of `predict(X)` against `y` (weighted by `sampleWeight` when given). */
  async score(X: XInput, y: LabelsInput, options: CallOptions & { sampleWeight?: FitOptions["sampleWeight"] } = {}): Promise<number> {
    const predicted = await this.predict(X, options);
    // Validated like fit's labels (array, length, no NaN or mixed types); the encoding itself is not needed.
    encodeLabels(y, predicted.length, { estimator: "KNeighborsClassifier.score", argument: "y" });
    const where = { estimator: "KNeighborsClassifier.score", argument: "sampleWeight" };
    const weights = checkSampleWeight(options.sampleWeight, predicted.length, where);
    let hits = 0;
    let total = 0;
    for (let i = 0; i < predicted.length; i++) {
      if (predicted[i] === y[i]) hits += weights[i];
      total += weights[i];
    }
    return hits / total;
  }
}
