/** Pipeline: a chain of transformers ending in any estimator, each step on its own engine if so configured. */
import { ValidationError } from "../errors.js";
import type { TraceEntry } from "../engine/trace.js";
import type { Matrix } from "../data/matrix.js";
import type { CallOptions, FitOptions, HostOutput, XInput } from "../estimators/base.js";
import { loadEstimator } from "../persistence/estimators.js";
import { envelope, readKind, type SavedEstimator, type SavedPipeline } from "../persistence/format.js";
import { JsonReader } from "../persistence/reader.js";
import { READ_BACK_AND_SAVE } from "../persistence/save.js";

/** What a step must offer; every plugml estimator does. Intermediate steps also need `transform`. */
export interface PipelineStep {
  fit(X: XInput, y?: unknown, options?: FitOptions): Promise<unknown>;
  transform?(X: XInput, options?: CallOptions): Promise<XInput>;
  fitTransform?(X: XInput, y?: unknown, options?: FitOptions & CallOptions): Promise<XInput>;
  predict?(X: XInput, options?: CallOptions): Promise<unknown>;
  fitPredict?(X: XInput, y?: unknown, options?: FitOptions): Promise<unknown>;
  score?(X: XInput, y?: unknown, options?: CallOptions): Promise<number>;
  setComputationalEngine?(engines: string | readonly string[], options?: { fallback?: boolean }): unknown;
  engineUsed_?: string;
  engineTrace_?: TraceEntry[];
  /** Saving the Pipeline needs it of every step (every plugml estimator has it). */
  toJSON?(): SavedEstimator;
  /** What `saveModel` calls, when the step has it (every plugml estimator does). */
  [READ_BACK_AND_SAVE]?(): Promise<SavedEstimator>;
}

/** A named step. */
export type NamedStep = readonly [name: string, estimator: PipelineStep];

/** The estimator of the last of `S`'s steps (any step, when `S` is not a tuple). */
export type FinalStep<S extends readonly NamedStep[]> = S extends readonly [...NamedStep[], readonly [string, infer E]] ? E : PipelineStep;

/** What `predict` of a step resolves to (`unknown` for a step without `predict`). */
export type PredictionOf<E> = E extends { predict(X: XInput, options?: CallOptions): Promise<infer R> } ? R : unknown;

/** What `transform` of a step resolves to with host output: a host Matrix for every plugml transformer. */
export type TransformOf<E> = E extends { transform(X: XInput, options?: HostOutput): Promise<Matrix> } ? Matrix : XInput;

/** The steps of `S` by name. */
export type StepsByName<S extends readonly NamedStep[]> = { [Step in S[number] as Step[0]]: Step[1] };

/**
 * Chains steps like scikit-learn's `Pipeline`: `fit` fits each transformer on the output of the previous one and
 * then the final estimator; `predict`, `transform` and `score` pass data through the fitted transformers. Only the
 * final step receives `sampleWeight` and `onIteration`; every step receives the `signal`.
 *
 * `S` is the steps' type, inferred from the constructor's argument: `predict` resolves to what the final step's
 * `predict` does (`Int32Array` for KMeans, the label type for a KNeighborsClassifier) and `namedSteps` has each
 * step under its name.
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
  readonly steps: readonly NamedStep[];

  constructor(steps: S) {
    if (!Array.isArray(steps) || steps.length === 0) throw new ValidationError("Pipeline: steps must be a non-empty array of [name, estimator].");
    const seen = new Set<string>();
    const owners = new Map<unknown, string>();
    steps.forEach((step, i) => {
      if (!Array.isArray(step) || step.length !== 2 || typeof step[0] !== "string" || step[0] === "") {
        throw new ValidationError(`Pipeline: step ${i} must be [name, estimator] with a non-empty name.`);
      }
      const [name, est] = step;
      if (seen.has(name)) throw new ValidationError(`Pipeline: step name "${name}" is used twice.`);
      seen.add(name);
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
    this.steps = [...steps];
  }

  /**
   * The Pipeline as plain JSON data: each step's `toJSON()`, in order, with its name (docs/saving-models.md).
   * Throws a `ValidationError` for a step without `toJSON`, and passes on a step's own (a training set that lives
   * only on a device: `await saveModel(pipeline)` reads it back).
   */
  toJSON(): SavedPipeline {
    return { ...envelope("Pipeline"), steps: this.steps.map(([name, est]) => [name, stepToJSON(name, est)]) };
  }

  /** `saveModel`'s way in: each step's, in order. */
  async [READ_BACK_AND_SAVE](): Promise<SavedPipeline> {
    const steps: SavedPipeline["steps"] = [];
    for (const [name, est] of this.steps) steps.push([name, est[READ_BACK_AND_SAVE] ? await est[READ_BACK_AND_SAVE]() : stepToJSON(name, est)]);
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
      const est = loadEstimator(stepReader);
      if (i < items.length - 1 && !("transform" in est)) stepReader.fail("has no transform method, so it cannot come before the last step");
      return [name, est];
    });
    return new Pipeline(steps);
  }

  /** Steps by name. */
  get namedSteps(): StepsByName<S> {
    return Object.fromEntries(this.steps) as StepsByName<S>;
  }

  /** Engine that ran each step's most recent call. */
  get engineUsed_(): Record<string, string | undefined> {
    return Object.fromEntries(this.steps.map(([name, est]) => [name, est.engineUsed_]));
  }

  /** Every step's trace, tagged with the step name, in step order. */
  get engineTrace_(): (TraceEntry & { step: string })[] {
    return this.steps.flatMap(([step, est]) => (est.engineTrace_ ?? []).map((e) => ({ ...e, step })));
  }

  /** Sets the engines of every step (a step can still be given its own afterwards). Returns `this`. */
  setComputationalEngine(engines: string | readonly string[], options: { fallback?: boolean } = {}): this {
    for (const [, est] of this.steps) est.setComputationalEngine?.(engines, options);
    return this;
  }

  /** Fits every step in order. */
  async fit(X: XInput, y?: unknown, options: FitOptions = {}): Promise<this> {
    const Xt = await this.fitTransformers(X, y, options);
    await this.final.fit(Xt, y, options);
    return this;
  }

  /** Transforms X through the fitted transformers, then predicts with the final step. */
  async predict(X: XInput, options: CallOptions = {}): Promise<PredictionOf<FinalStep<S>>> {
    const last = this.final;
    if (!last.predict) throw new ValidationError(`Pipeline.predict: the final step "${this.finalName}" has no predict method.`);
    return last.predict(await this.transformThrough(X, this.steps.length - 1, options), options) as Promise<PredictionOf<FinalStep<S>>>;
  }

  /** Fits, then predicts on the training data (the final step's fitPredict when it has one). */
  async fitPredict(X: XInput, y?: unknown, options: FitOptions = {}): Promise<PredictionOf<FinalStep<S>>> {
    const last = this.final;
    if (!last.fitPredict && !last.predict) {
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
    if (!this.final.transform) throw new ValidationError(`Pipeline.transform: the final step "${this.finalName}" has no transform method.`);
    return this.transformThrough(X, this.steps.length, options);
  }

  /** Transforms X through the fitted transformers, then scores with the final step. */
  async score(X: XInput, y?: unknown, options: CallOptions = {}): Promise<number> {
    const last = this.final;
    if (!last.score) throw new ValidationError(`Pipeline.score: the final step "${this.finalName}" has no score method.`);
    return last.score(await this.transformThrough(X, this.steps.length - 1, options), y, options);
  }

  private get final(): PipelineStep {
    return this.steps[this.steps.length - 1][1];
  }

  private get finalName(): string {
    return this.steps[this.steps.length - 1][0];
  }

  private async fitTransformers(X: XInput, y: unknown, options: FitOptions): Promise<XInput> {
    let Xt = X;
    for (const [, est] of this.steps.slice(0, -1)) {
      const stepOptions = { signal: options.signal, output: "engine" as const };
      Xt = est.fitTransform ? await est.fitTransform(Xt, y, stepOptions) : await fitThenTransform(est, Xt, y, stepOptions);
    }
    return Xt;
  }

  /**
   * Passes X through the first `count` steps. Between steps results may stay on an engine's device; the last
   * one is a host matrix unless the caller asked for `output: "engine"`.
   */
  private async transformThrough(X: XInput, count: number, options: CallOptions): Promise<XInput> {
    let Xt = X;
    for (let i = 0; i < count; i++) {
      const output = i === this.steps.length - 1 ? (options.output ?? "host") : "engine";
      Xt = await this.steps[i][1].transform!(Xt, { signal: options.signal, output });
    }
    return Xt;
  }
}

function stepToJSON(name: string, est: PipelineStep): SavedEstimator {
  if (!est.toJSON) throw new ValidationError(`Pipeline.toJSON: step "${name}" has no toJSON method, so the Pipeline cannot be saved.`);
  return est.toJSON();
}

async function fitThenTransform(est: PipelineStep, X: XInput, y: unknown, options: FitOptions & CallOptions): Promise<XInput> {
  await est.fit(X, y, options);
  return est.transform!(X, options);
}
