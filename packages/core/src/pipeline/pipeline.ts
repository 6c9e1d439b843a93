/** Pipeline: a chain of transformers ending in any estimator, each step on its own engine if so configured. */
import { ValidationError } from "../errors.js";
import type { TraceEntry } from "../engine/trace.js";
import type { Matrix } from "../data/matrix.js";
import { CLONE, type CallOptions, type FitOptions, type HostOutput, type XInput } from "../estimators/base.js";
import { clone } from "../estimators/clone.js";
import { checkNamedParams } from "../validation/params.js";
import { suggestName } from "../validation/suggest.js";
import { loadEstimator } from "../persistence/estimators.js";
import { envelope, readKind, type SavedEstimator, type SavedPipeline } from "../persistence/format.js";
import { JsonReader } from "../persistence/reader.js";
import { READ_BACK_AND_SAVE } from "../persistence/save.js";

/** What a step must offer; every plugml estimator does. Intermediate steps also need `transform`. */
export interface PipelineStep {
  fit(X: XInput, y?: unknown, options?: FitOptions): Promise<unknown>;
  transform?(X: XInput, options?: CallOptions): Promise<XInput>;
  inverseTransform?(X: XInput, options?: CallOptions): Promise<XInput>;
  fitTransform?(X: XInput, y?: unknown, options?: FitOptions & CallOptions): Promise<XInput>;
  predict?(X: XInput, options?: CallOptions): Promise<unknown>;
  predictProba?(X: XInput, options?: CallOptions): Promise<Matrix<Float64Array>>;
  fitPredict?(X: XInput, y?: unknown, options?: FitOptions): Promise<unknown>;
  score?(X: XInput, y?: unknown, options?: ScoreOptions): Promise<number>;
  /** Classifiers' sorted labels (`Pipeline.classes_` is the final step's). */
  readonly classes_?: unknown;
  getParams?(options?: { deep?: boolean }): object;
  setParams?(params: never): unknown;
  /** What `clone` calls (every plugml estimator has it). */
  [CLONE]?(): unknown;
  setComputationalEngine?(engines: string | readonly string[], options?: { fallback?: boolean }): unknown;
  engineUsed_?: string;
  engineTrace_?: TraceEntry[];
  /** Saving the Pipeline needs it of every step (every plugml estimator has it). */
  toJSON?(): SavedEstimator;
  /** What `saveModel` calls, when the step has it (every plugml estimator does). */
  [READ_BACK_AND_SAVE]?(): Promise<SavedEstimator>;
}

/** The step that leaves X as it is (scikit-learn's `"passthrough"`; its `None` is not accepted). */
export type Passthrough = "passthrough";

/** Options of `score`: the final step receives `sampleWeight`. */
export interface ScoreOptions extends CallOptions {
  /** Per-sample weights of the score (the final step must support them, as plugml's scores do). */
  sampleWeight?: FitOptions["sampleWeight"];
}

/** A named step: an estimator, or `"passthrough"`, which leaves X unchanged (as the final step too). */
export type NamedStep = readonly [name: string, estimator: PipelineStep | Passthrough];

/** The estimator of the last of `S`'s steps (any step, when `S` is not a tuple). */
export type FinalStep<S extends readonly NamedStep[]> = S extends readonly [...NamedStep[], readonly [string, infer E]] ? E : PipelineStep;

/** What `predict` of a step resolves to (`unknown` for a step without `predict`). */
export type PredictionOf<E> = E extends { predict(X: XInput, options?: CallOptions): Promise<infer R> } ? R : unknown;

/** What `transform` of a step resolves to with host output: a host Matrix for every plugml transformer. */
export type TransformOf<E> = E extends { transform(X: XInput, options?: HostOutput): Promise<Matrix> } ? Matrix : XInput;

/** The steps of `S` by name. */
export type StepsByName<S extends readonly NamedStep[]> = { [Step in S[number] as Step[0]]: Step[1] };

/** What `getParams()` of a step returns (nothing for `"passthrough"`). */
export type ParamsOf<E> = E extends { getParams(options?: { deep?: boolean }): infer P } ? P : {};

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Each step's parameters as `step__param` keys. */
export type StepParams<S extends readonly NamedStep[]> = UnionToIntersection<
  { [Step in S[number] as Step[0]]: { [K in keyof ParamsOf<Step[1]> & string as `${Step[0]}__${K}`]: ParamsOf<Step[1]>[K] } }[S[number][0]]
>;

/**
 * `Pipeline.getParams()` (deep, the default): `steps`, each step under its name, and each step's parameters as
 * `step__param`, as in scikit-learn; typed key by key when the step names are literal types.
 */
export type PipelineParams<S extends readonly NamedStep[]> = string extends S[number][0]
  ? { steps: S } & Record<string, unknown>
  : { steps: S } & StepsByName<S> & StepParams<S>;

/**
 * Chains steps like scikit-learn's `Pipeline`: `fit` fits each transformer on the output of the previous one and
 * then the final estimator; `predict`, `transform` and `score` pass data through the fitted transformers. Only the
 * final step receives `sampleWeight` and `onIteration`; every step receives the `signal`. A step may be
 * `"passthrough"`, which leaves X unchanged (a final `"passthrough"` makes the Pipeline a transformer).
 *
 * `S` is the steps' type, inferred from the constructor's argument: `predict` resolves to what the final step's
 * `predict` does (`Int32Array` for KMeans, the label type for a KNeighborsClassifier), `namedSteps` has each
 * step under its name and `getParams()` each step's parameters as `step__param`.
 *
 * @example
 * ```ts
 * const pipe = new Pipeline([
 *   ["scale", new StandardScaler()],
 *   ["cluster", new KMeans({ nClusters: 3, randomState: 0 }).setComputationalEngine("cpu")],
 * ]);
 * await pipe.fit(X);
 * ```
 */
export class Pipeline<const S extends readonly NamedStep[] = readonly NamedStep[]> {
  /** The steps, in order (replaced, never mutated, by `setParams`). */
  steps: S;

  constructor(steps: S) {
    checkSteps(steps);
    this.steps = [...steps] as unknown as S;
  }

  /**
   * The Pipeline as plain JSON data: each step's `toJSON()` (or `"passthrough"`), in order, with its name
   * (docs/saving-models.md). Throws a `ValidationError` for a step without `toJSON`, and passes on a step's own (a
   * training set that lives only on a device: `await saveModel(pipeline)` reads it back).
   */
  toJSON(): SavedPipeline {
    return { ...envelope("Pipeline"), steps: this.steps.map(([name, est]) => [name, est === "passthrough" ? est : stepToJSON(name, est)]) };
  }

  /** `saveModel`'s way in: each step's, in order. */
  async [READ_BACK_AND_SAVE](): Promise<SavedPipeline> {
    const steps: SavedPipeline["steps"] = [];
    for (const [name, est] of this.steps) {
      steps.push([name, est === "passthrough" ? est : est[READ_BACK_AND_SAVE] ? await est[READ_BACK_AND_SAVE]() : stepToJSON(name, est)]);
    }
    return { ...envelope("Pipeline"), steps };
  }

  /**
   * A Pipeline from what {@link toJSON} (or `saveModel`) wrote, each step loaded by its kind's `fromJSON`; the
   * input is untrusted, and any problem is a `ValidationError` naming its place (`steps[1][1].fitted.y[4] ...`).
   */
  static fromJSON(json: unknown): Pipeline {
    const root = json instanceof JsonReader ? json : new JsonReader("Pipeline.fromJSON", json);
    readKind(root, ["Pipeline"]);
    const items = root.object({ required: ["format", "version", "kind", "steps"] }).steps.array();
    if (items.length === 0) root.peek("steps").expected("a non-empty array of [name, step]");
    const names = new Set<string>();
    const steps = items.map((item, i): NamedStep => {
      const [nameReader, stepReader] = item.array(2);
      const name = nameReader.name();
      if (names.has(name)) nameReader.fail(`repeats the step name ${JSON.stringify(name)}`);
      names.add(name);
      if (stepReader.value === "passthrough") return [name, "passthrough"];
      const est = loadEstimator(stepReader);
      if (i < items.length - 1 && !("transform" in est)) stepReader.fail("has no transform method, so it cannot come before the last step");
      return [name, est];
    });
    return new Pipeline(steps);
  }

  /** `clone`'s way in: a Pipeline of the steps' clones, under the same names (`"passthrough"` stays). */
  [CLONE](): this {
    const steps = this.steps.map(([name, est]) => [name, est === "passthrough" ? est : clone(cloneable(name, est))] as const);
    return new Pipeline(steps) as unknown as this;
  }

  /**
   * The parameters (scikit-learn's `get_params`): `steps`, and with `deep` (the default) each step under its name
   * and each step's own parameters as `step__param`.
   */
  getParams(options?: { deep?: true }): PipelineParams<S>;
  getParams(options: { deep: false }): { steps: S };
  getParams(options: { deep?: boolean }): { steps: S } | PipelineParams<S>;
  getParams({ deep = true }: { deep?: boolean } = {}): { steps: S } | PipelineParams<S> {
    const params: Record<string, unknown> = { steps: this.steps };
    if (!deep) return params as { steps: S };
    for (const [name, est] of this.steps) {
      params[name] = est;
      if (est === "passthrough" || !est.getParams) continue;
      for (const [key, value] of Object.entries(est.getParams({ deep: true }))) params[`${name}__${key}`] = value;
    }
    return params as PipelineParams<S>;
  }

  /**
   * Changes parameters (scikit-learn's `set_params`): `steps` replaces the steps, a step's name replaces that step
   * (with an estimator or `"passthrough"`), and `step__param` is given to that step's `setParams`, which validates
   * it as the step's constructor does. An unknown name is a `ValidationError` listing the valid ones; every name is
   * checked before anything changes. Returns `this`.
   */
  setParams(params: Partial<PipelineParams<S>> | Record<string, unknown>): this {
    checkNamedParams("Pipeline.setParams", params);
    const entries = Object.entries(params);
    let steps: readonly NamedStep[] = entries.find(([key]) => key === "steps")?.[1] as readonly NamedStep[] ?? this.steps;
    checkSteps(steps);
    const valid = () => Object.keys(new Pipeline(steps).getParams());
    const unknown = (key: string): never => {
      const names = valid();
      const guess = suggestName(key, names);
      throw new ValidationError(`Pipeline.setParams: unknown parameter "${key}".${guess ? ` Did you mean "${guess}"?` : ""} Valid parameters: ${names.join(", ")}.`);
    };
    // Step replacements first, so that `step__param` may address a step replaced in the same call (as scikit-learn).
    for (const [key, value] of entries) {
      if (key === "steps" || key.includes("__")) continue;
      if (!steps.some(([name]) => name === key)) unknown(key);
      steps = steps.map(([name, est]) => [name, name === key ? (value as PipelineStep | Passthrough) : est] as const);
    }
    checkSteps(steps);
    const nested = new Map<string, Record<string, unknown>>();
    for (const [key, value] of entries) {
      const split = key.indexOf("__");
      if (split < 0) continue;
      const name = key.slice(0, split);
      const est = steps.find(([n]) => n === name)?.[1];
      if (est === undefined || est === "passthrough" || !est.setParams) unknown(key);
      nested.set(name, { ...nested.get(name), [key.slice(split + 2)]: value });
    }
    // Validated on clones first, so that a refused value leaves every step as it was.
    for (const [name, changes] of nested) {
      const est = steps.find(([n]) => n === name)![1] as PipelineStep;
      if (est[CLONE]) (clone(cloneable(name, est)) as PipelineStep).setParams!(changes as never);
    }
    for (const [name, changes] of nested) (steps.find(([n]) => n === name)![1] as PipelineStep).setParams!(changes as never);
    this.steps = [...steps] as unknown as S;
    return this;
  }

  /** Steps by name. */
  get namedSteps(): StepsByName<S> {
    return Object.fromEntries(this.steps) as StepsByName<S>;
  }

  /** Engine that ran each step's most recent call (undefined for `"passthrough"`). */
  get engineUsed_(): Record<string, string | undefined> {
    return Object.fromEntries(this.steps.map(([name, est]) => [name, est === "passthrough" ? undefined : est.engineUsed_]));
  }

  /** Every step's trace, tagged with the step name, in step order. */
  get engineTrace_(): (TraceEntry & { step: string })[] {
    return this.estimators().flatMap(([step, est]) => (est.engineTrace_ ?? []).map((e) => ({ ...e, step })));
  }

  /** The final step's `classes_` (a classifier's sorted labels). */
  get classes_(): ClassesOf<FinalStep<S>> {
    const last = this.final;
    if (last === "passthrough" || !("classes_" in last)) {
      throw new ValidationError(`Pipeline.classes_: the final step "${this.finalName}" has no classes_.`);
    }
    return last.classes_ as ClassesOf<FinalStep<S>>;
  }

  /** Sets the engines of every step (a step can still be given its own afterwards). Returns `this`. */
  setComputationalEngine(engines: string | readonly string[], options: { fallback?: boolean } = {}): this {
    for (const [, est] of this.estimators()) est.setComputationalEngine?.(engines, options);
    return this;
  }

  /** Fits every step in order. */
  async fit(X: XInput, y?: unknown, options: FitOptions = {}): Promise<this> {
    const Xt = await this.fitTransformers(X, y, options);
    const last = this.final;
    if (last !== "passthrough") await last.fit(Xt, y, options);
    return this;
  }

  /** Transforms X through the fitted transformers, then predicts with the final step. */
  async predict(X: XInput, options: CallOptions = {}): Promise<PredictionOf<FinalStep<S>>> {
    const last = this.finalWith("predict", "predict");
    return last.predict!(await this.transformThrough(X, this.steps.length - 1, options), options) as Promise<PredictionOf<FinalStep<S>>>;
  }

  /** Transforms X through the fitted transformers, then gives the final step's class probabilities. */
  async predictProba(X: XInput, options: CallOptions = {}): Promise<Matrix<Float64Array>> {
    const last = this.finalWith("predictProba", "predictProba");
    return last.predictProba!(await this.transformThrough(X, this.steps.length - 1, options), options);
  }

  /** Fits, then predicts on the training data (the final step's fitPredict when it has one). */
  async fitPredict(X: XInput, y?: unknown, options: FitOptions = {}): Promise<PredictionOf<FinalStep<S>>> {
    const last = this.final;
    if (last === "passthrough" || (!last.fitPredict && !last.predict)) {
      throw new ValidationError(`Pipeline.fitPredict: the final step "${this.finalName}" has no predict method.`);
    }
    const Xt = await this.fitTransformers(X, y, options);
    if (last.fitPredict) return last.fitPredict(Xt, y, options) as Promise<PredictionOf<FinalStep<S>>>;
    await last.fit(Xt, y, options);
    return last.predict!(Xt, { signal: options.signal }) as Promise<PredictionOf<FinalStep<S>>>;
  }

  /**
   * Transforms X through every step; all steps must have transform. The result is a host Matrix (for plugml
   * transformers), or with `output: "engine"` possibly resident on the last step's engine.
   */
  transform(X: XInput, options?: HostOutput): Promise<TransformOf<FinalStep<S>>>;
  transform(X: XInput, options: CallOptions): Promise<XInput>;
  async transform(X: XInput, options: CallOptions = {}): Promise<XInput> {
    if (this.final !== "passthrough") this.finalWith("transform", "transform");
    return this.transformThrough(X, this.steps.length, options);
  }

  /**
   * Fits every step and returns the training data transformed by all of them (each transformer's `fitTransform`
   * when it has one, as in `fit`); the final step must have transform.
   */
  fitTransform(X: XInput, y?: unknown, options?: FitOptions & HostOutput): Promise<TransformOf<FinalStep<S>>>;
  fitTransform(X: XInput, y: unknown, options: FitOptions & CallOptions): Promise<XInput>;
  async fitTransform(X: XInput, y?: unknown, options: FitOptions & CallOptions = {}): Promise<XInput> {
    const last = this.final;
    const output = options.output ?? "host";
    if (last === "passthrough") return this.fitTransformers(X, y, options, this.steps.length, output);
    this.finalWith("fitTransform", "transform");
    const Xt = await this.fitTransformers(X, y, options);
    return last.fitTransform ? last.fitTransform(Xt, y, { ...options, output }) : fitThenTransform(last, Xt, y, { ...options, output });
  }

  /**
   * Undoes `transform`: each step's `inverseTransform`, from the last step to the first (`"passthrough"` steps are
   * skipped); every step must have one.
   */
  inverseTransform(X: XInput, options?: HostOutput): Promise<Matrix>;
  inverseTransform(X: XInput, options: CallOptions): Promise<XInput>;
  async inverseTransform(X: XInput, options: CallOptions = {}): Promise<XInput> {
    const steps = this.estimators().reverse();
    const missing = steps.find(([, est]) => !est.inverseTransform);
    if (missing) throw new ValidationError(`Pipeline.inverseTransform: step "${missing[0]}" has no inverseTransform method.`);
    let Xt = X;
    for (const [i, [, est]] of steps.entries()) {
      const output = i === steps.length - 1 ? (options.output ?? "host") : "engine";
      Xt = await est.inverseTransform!(Xt, { signal: options.signal, output });
    }
    return Xt;
  }

  /** Transforms X through the fitted transformers, then scores with the final step, which receives `sampleWeight`. */
  async score(X: XInput, y?: unknown, options: ScoreOptions = {}): Promise<number> {
    const last = this.finalWith("score", "score");
    const Xt = await this.transformThrough(X, this.steps.length - 1, options);
    const { signal, sampleWeight } = options;
    return last.score!(Xt, y, sampleWeight === undefined ? { signal } : { signal, sampleWeight });
  }

  private get final(): PipelineStep | Passthrough {
    return this.steps[this.steps.length - 1][1];
  }

  private get finalName(): string {
    return this.steps[this.steps.length - 1][0];
  }

  /** The final step, which must have `method` for the Pipeline's `caller`. */
  private finalWith(caller: string, method: "predict" | "predictProba" | "transform" | "score"): PipelineStep {
    const last = this.final;
    if (last === "passthrough" || typeof last[method] !== "function") {
      throw new ValidationError(`Pipeline.${caller}: the final step "${this.finalName}" has no ${method} method.`);
    }
    return last;
  }

  /** The steps that are estimators, with their names (`"passthrough"` left out). */
  private estimators(): [string, PipelineStep][] {
    return this.steps.filter((step): step is readonly [string, PipelineStep] => step[1] !== "passthrough").map(([n, e]) => [n, e]);
  }

  /**
   * Fits and transforms through the first `count` steps (all but the final one by default); the last of them
   * returns `output`, the others may leave their results on an engine's device for the next.
   */
  private async fitTransformers(X: XInput, y: unknown, options: FitOptions, count = this.steps.length - 1, output: "host" | "engine" = "engine"): Promise<XInput> {
    const steps = this.steps.slice(0, count).filter(([, est]) => est !== "passthrough") as [string, PipelineStep][];
    let Xt = X;
    for (const [i, [, est]] of steps.entries()) {
      const stepOptions = { signal: options.signal, output: i === steps.length - 1 ? output : ("engine" as const) };
      Xt = est.fitTransform ? await est.fitTransform(Xt, y, stepOptions) : await fitThenTransform(est, Xt, y, stepOptions);
    }
    return Xt;
  }

  /**
   * Passes X through the first `count` steps. Between steps results may stay on an engine's device; the last
   * one is a host matrix unless the caller asked for `output: "engine"`.
   */
  private async transformThrough(X: XInput, count: number, options: CallOptions): Promise<XInput> {
    const steps = this.steps.slice(0, count).filter(([, est]) => est !== "passthrough") as [string, PipelineStep][];
    let Xt = X;
    for (const [i, [, est]] of steps.entries()) {
      const output = i === steps.length - 1 && count === this.steps.length ? (options.output ?? "host") : "engine";
      Xt = await est.transform!(Xt, { signal: options.signal, output });
    }
    return Xt;
  }
}

/** What `classes_` of a step is (`unknown` for a step without it). */
export type ClassesOf<E> = E extends { readonly classes_: infer C } ? C : unknown;

/**
 * A Pipeline of `estimators` with the names scikit-learn's `make_pipeline` gives: the lowercased class names,
 * with `-1`, `-2`, ... appended to names that occur more than once (`"passthrough"` is named `"passthrough"`).
 *
 * @example
 * ```ts
 * const pipe = makePipeline(new StandardScaler(), new KNeighborsClassifier());
 * pipe.steps.map(([name]) => name); // ["standardscaler", "kneighborsclassifier"]
 * ```
 */
export function makePipeline<const E extends readonly (PipelineStep | Passthrough)[]>(...estimators: E): Pipeline<NamedSteps<E>> {
  // plugml estimators carry their class name as a literal (estimatorName, protected), which survives minification
  // where constructor.name does not; other steps fall back to constructor.name.
  const className = (est: PipelineStep) => (est as { estimatorName?: string }).estimatorName ?? est.constructor.name;
  const names = estimators.map((est) => (est === "passthrough" ? est : className(est).toLowerCase()));
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const seen = new Map<string, number>();
  const steps = estimators.map((est, i) => {
    const name = names[i];
    if (counts.get(name) === 1) return [name, est] as const;
    const k = (seen.get(name) ?? 0) + 1;
    seen.set(name, k);
    return [`${name}-${k}`, est] as const;
  });
  return new Pipeline(steps as unknown as NamedSteps<E>);
}

/** The steps `makePipeline` builds from `E`: the names are strings (they come from class names at run time). */
export type NamedSteps<E extends readonly unknown[]> = { readonly [K in keyof E]: readonly [string, E[K]] };

/** The constructor's checks, also run on the steps `setParams` would install. */
function checkSteps(steps: readonly NamedStep[]): void {
  if (!Array.isArray(steps) || steps.length === 0) throw new ValidationError("Pipeline: steps must be a non-empty array of [name, estimator].");
  const seen = new Set<string>();
  const owners = new Map<unknown, string>();
  steps.forEach((step, i) => {
    if (!Array.isArray(step) || step.length !== 2 || typeof step[0] !== "string" || step[0] === "") {
      throw new ValidationError(`Pipeline: step ${i} must be [name, estimator] with a non-empty name.`);
    }
    const [name, est] = step;
    if (seen.has(name)) throw new ValidationError(`Pipeline: step name "${name}" is used twice.`);
    // scikit-learn's rule: `step__param` must name one step, and a parameter name could not.
    if (name.includes("__")) throw new ValidationError(`Pipeline: step name "${name}" must not contain "__".`);
    if (name === "steps") throw new ValidationError(`Pipeline: step name "steps" conflicts with the Pipeline's parameter of that name.`);
    seen.add(name);
    if (est === "passthrough") return;
    if (typeof est?.fit !== "function") throw new ValidationError(`Pipeline: step "${name}" has no fit method.`);
    // The second fit would overwrite the first step's model, silently changing what the first step computes.
    const owner = owners.get(est);
    if (owner !== undefined) {
      throw new ValidationError(`Pipeline: steps "${owner}" and "${name}" are the same estimator object; give each step its own.`);
    }
    owners.set(est, name);
    if (i < steps.length - 1 && typeof est.transform !== "function") {
      throw new ValidationError(`Pipeline: step "${name}" is not the last step, so it must have a transform method.`);
    }
  });
}

/** `est` as something `clone` accepts, or the error naming the step that is not. */
function cloneable(name: string, est: PipelineStep): PipelineStep & { [CLONE](): unknown } {
  if (!est[CLONE]) throw new ValidationError(`Pipeline: step "${name}" cannot be cloned (it is not a plugml estimator).`);
  return est as PipelineStep & { [CLONE](): unknown };
}

function stepToJSON(name: string, est: PipelineStep): SavedEstimator {
  if (!est.toJSON) throw new ValidationError(`Pipeline.toJSON: step "${name}" has no toJSON method, so the Pipeline cannot be saved.`);
  return est.toJSON();
}

async function fitThenTransform(est: PipelineStep, X: XInput, y: unknown, options: FitOptions & CallOptions): Promise<XInput> {
  await est.fit(X, y, options);
  return est.transform!(X, options);
}
