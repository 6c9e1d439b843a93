/**
 * What every estimator shares: parameters, engine activation, the fit lifecycle (prepareFit -> fit -> postFit on
 * one engine) and dispatch of model hooks to the engine frozen at fit, with provenance recorded as it happens.
 */
import {
  AbortError,
  EngineContractError,
  EngineDeclinedError,
  NotFittedError,
  TransferNotAllowedError,
  ValidationError,
  type DeclineReason,
} from "../errors.js";
import { checkConfig, currentChoice, type EngineConfig } from "../engine/config.js";
import { callHook, isDeviceLost, type HookCall, type HookResult } from "../engine/dispatch.js";
import { explainCall, type EngineExplanation } from "../engine/explain.js";
import { candidateNames } from "../engine/resolve.js";
import type { Engine, EstimatorName, HookContext, HookName, IterationInfo, TraceRecorder } from "../engine/specs.js";
import { coreEntry, type TraceEntry } from "../engine/trace.js";
import { Matrix } from "../data/matrix.js";
import { bytesPerElement, isResident, type DataMatrix, type ResidentMatrix } from "../data/resident.js";
import { checkFeatureCount, checkMatrix, type MatrixInput } from "../validation/input.js";
import { publishWarning, type PlugmlWarning } from "../warnings.js";
import { RandomState } from "../validation/random-state.js";
import { checkNamedParams } from "../validation/params.js";
import {
  envelope,
  ESTIMATOR_SHAPE,
  readEngineSetting,
  readKind,
  readParams,
  writeEngineSetting,
  writeMatrix,
  writeParams,
  type SavedEstimator,
} from "../persistence/format.js";
import { JsonReader } from "../persistence/reader.js";
import { READ_BACK_AND_SAVE } from "../persistence/save.js";

/**
 * The method behind `clone`, implemented by every estimator, Pipeline and GridSearchCV: a new unfitted copy with
 * the same parameters and engine choices. A symbol, so that it stays out of autocompletion and cannot clash.
 */
export const CLONE: unique symbol = Symbol("plugml.clone");

/**
 * Parameter values as `clone` copies them (scikit-learn deep-copies non-estimator parameters): a RandomState
 * becomes an independent generator in the same state, matrices and arrays are copied, other values are immutable.
 */
export function copyParams<P extends object>(params: P): P {
  const copy = (v: unknown): unknown => {
    if (v instanceof RandomState) return v.clone();
    if (v instanceof Matrix) return new Matrix(v.data.slice(), v.rows, v.cols);
    if (Array.isArray(v)) return v.map(copy);
    return v;
  };
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, copy(v)])) as P;
}

/** Options of every `fit`. */
export interface FitOptions {
  /** Per-sample weights (estimators that support them). */
  sampleWeight?: readonly number[] | Float64Array | Float32Array;
  /** Called once per iteration of iterative estimators; return `"stop"` to end the fit early. */
  onIteration?: (info: IterationInfo) => void | "stop";
  /** Aborting rejects the call with an error named `AbortError`. */
  signal?: AbortSignal;
}

/** Options of every computing method other than `fit`. */
export interface CallOptions {
  signal?: AbortSignal;
  /**
   * `"host"` (default): matrix results are host {@link Matrix} objects. `"engine"`: an engine may return a
   * {@link ResidentMatrix} that stays on its device, for the next step of the same engine (Pipeline uses this).
   */
  output?: "host" | "engine";
}

/** Call options that keep matrix results on the host (the default). */
export type HostOutput = CallOptions & { output?: "host" };

/** `X` as every method accepts it: nested arrays, a host {@link Matrix}, or an engine-resident matrix. */
export type XInput = MatrixInput | ResidentMatrix;

/**
 * An estimator keeps at least the newest TRACE_LIMIT trace entries (and at most twice as many): older ones are
 * dropped in batches, so appending stays O(1) amortised. Global listeners still see every entry.
 */
export const TRACE_LIMIT = 1000;

/** A fitted model and where it came from. */
export interface Fitted<M> {
  model: M;
  /** Name of the engine that fitted. */
  engine: string;
  /**
   * That engine object: only it receives `fitState`, not another object registered later under the name. A model
   * loaded with `fromJSON` has none (and no `fitState`): no engine object produced it in this process.
   */
  implementation?: Engine;
  fitState: unknown;
  nFeatures: number;
}

/**
 * The fitted state of a model as saved, from {@link BaseEstimator.fittedState}: JSON fields, and the one matrix
 * that lives only on an engine's device (a training set fitted on resident data), which `toJSON` cannot read
 * synchronously and `saveModel` reads back into `fields[resident.key]`.
 */
export interface SavedState {
  fields: Record<string, unknown>;
  resident?: { key: string; matrix: ResidentMatrix };
}

/** Base class of all estimators. `P` is the parameter object, `M` the host model the engines produce. */
export abstract class BaseEstimator<P extends object, M> {
  /** The name engines implement this estimator under. */
  protected abstract readonly estimatorName: EstimatorName;
  protected params: P;
  private engineSetting?: EngineConfig;
  protected fitted?: Fitted<M>;

  /** Engine that ran the most recent computing call (fit, predict, ...). */
  engineUsed_?: string;
  /**
   * One entry per hook call since the last successful fit (that fit included), oldest first. At least the newest
   * 1,000 entries are kept (older ones are dropped in batches); global trace listeners see every entry.
   */
  engineTrace_: TraceEntry[] = [];
  /** Warnings raised by the last successful fit (also sent to `addWarningListener` listeners). */
  warnings_: PlugmlWarning[] = [];

  protected constructor(params: P) {
    this.params = params;
  }

  /** The parameters engines see; estimators override it to hide what core handles itself. */
  protected engineParams(): object {
    return this.params;
  }

  /**
   * A copy of the estimator's parameters (scikit-learn's `get_params`). `deep` is accepted for the signature every
   * estimator shares with Pipeline; an estimator has no nested estimators, so it changes nothing here.
   */
  getParams(_options: { deep?: boolean } = {}): P {
    return { ...this.params };
  }

  /**
   * Changes some parameters (scikit-learn's `set_params`), validated exactly as the constructor validates them: a
   * value no rule accepts is a `ValidationError` naming the parameter, and an unknown name one that lists the valid
   * names. Nothing changes when any value is refused. A fitted model is kept until the next `fit`, as in
   * scikit-learn. Returns `this`.
   */
  setParams(params: Partial<P>): this {
    this.params = this.withParams(params).params;
    return this;
  }

  /** `clone`'s way in: a new, unfitted estimator with copies of the parameters and the same engine setting. */
  [CLONE](): this {
    return this.withParams(copyParams(this.params));
  }

  /** A new, unfitted estimator of the same class: these parameters over the current ones, the same engine setting. */
  private withParams(params: Partial<P>): this {
    checkNamedParams(`${this.estimatorName}.setParams`, params);
    // The constructor validates, so setParams and the constructor accept exactly the same values.
    const make = this.constructor as new (params: Partial<P>) => this;
    const copy = new make({ ...this.params, ...params });
    // setComputationalEngine replaces the setting object and never mutates it, so sharing it is safe.
    copy.engineSetting = this.engineSetting;
    return copy;
  }

  /**
   * Chooses the engines for this estimator, most preferred first, over any `withConfig` or `setConfig` choice.
   * With `fallback` (the default, unless an enclosing `withConfig` or `setConfig` sets it) the default engines are
   * tried after them; with `fallback: false` a refusal by every named engine is an `EngineDeclinedError`. Engines
   * that are not registered are imported from `@plugml/engine-<name>` at the next call. Returns `this` for
   * chaining.
   */
  setComputationalEngine(engines: string | readonly string[], options: Omit<EngineConfig, "engines"> = {}): this {
    const setting: EngineConfig = { engines: typeof engines === "string" ? [engines] : [...engines], ...options };
    checkConfig(setting, `${this.estimatorName}.setComputationalEngine`);
    this.engineSetting = setting;
    return this;
  }

  /**
   * The estimator as plain JSON data (format `"plugml-model"`, docs/saving-models.md): its kind, parameters,
   * `setComputationalEngine` setting and, once fitted, the engine that fitted and the model, numbers as JSON
   * numbers (with `"Infinity"`, `"-Infinity"`, `"-0"` for what JSON cannot write). Called by `JSON.stringify`.
   * Throws a `ValidationError` for a training set that lives only on a device (fitted on resident data inside a
   * Pipeline): `await saveModel(estimator)` reads it back.
   */
  toJSON(): SavedEstimator {
    const { saved, resident } = this.snapshot();
    if (resident) {
      throw new ValidationError(
        `${this.estimatorName}.toJSON: the model's ${resident.key} lives only on engine "${resident.matrix.engine}"'s device ` +
          `(it was fitted on resident data, inside a Pipeline), and toJSON cannot read it back synchronously; ` +
          `use \`await saveModel(estimator)\`, which reads it back and records the bytes in engineTrace_.`,
      );
    }
    return saved;
  }

  /**
   * `saveModel`'s way in: like {@link toJSON}, reading a device-only matrix back (an entry of engine `"core"` in
   * `engineTrace_` records the bytes; `transfers: "error"` forbids it).
   */
  async [READ_BACK_AND_SAVE](): Promise<SavedEstimator> {
    const { saved, resident } = this.snapshot();
    if (!resident) return saved;
    const { key, matrix } = resident;
    const bytes = matrix.rows * matrix.cols * bytesPerElement(matrix.dtype);
    this.checkTransfer(matrix, `saveModel (${this.estimatorName}'s ${key})`, bytes);
    const start = performance.now();
    saved.fitted![key] = writeMatrix(await matrix.read());
    const reason = `saveModel read the model's ${key} back from engine "${matrix.engine}" to the host`;
    this.appendTrace(coreEntry(this.estimatorName, "saveModel", "postFit", reason, { ms: performance.now() - start, bytesFromDevice: bytes }));
    return saved;
  }

  /** Everything toJSON writes, taken at one moment (a fit that lands meanwhile changes nothing in it). */
  private snapshot(): { saved: SavedEstimator; resident?: SavedState["resident"] } {
    const fitted = this.fitted;
    const state = fitted && this.fittedState(fitted);
    const saved: SavedEstimator = {
      ...envelope(this.estimatorName),
      params: writeParams(this.params, `${this.estimatorName}.toJSON`),
      ...(this.engineSetting && { engineSetting: writeEngineSetting(this.engineSetting) }),
      ...(fitted && state && { fitted: { engine: fitted.engine, nFeaturesIn: fitted.nFeatures, ...state.fields } }),
    };
    return { saved, resident: state?.resident };
  }

  /** The fitted model as saved (see {@link SavedState}). */
  protected abstract fittedState(fitted: Fitted<M>): SavedState;

  /** Keys of the saved `fitted` object besides `engine` and `nFeaturesIn`. */
  protected abstract readonly fittedKeys: readonly string[];

  /**
   * The model from the saved `fitted` fields (already checked to be exactly {@link fittedKeys}), every value
   * checked: types, shapes against `nFeatures` and the parameters, finite numbers, codes in range.
   */
  protected abstract readFitted(fields: Record<string, JsonReader>, nFeatures: number): M;

  /**
   * What every `fromJSON` does: checks the envelope, builds the estimator from the saved parameters (`make`
   * validates them as the constructor does), restores the engine setting and the fitted model. A loaded model
   * lives on the host, with no engine object and no fit state: its calls go to the engine that fitted when it is
   * registered (never imported for it), else to the current choice, as for any fitted estimator.
   */
  protected static restore<E extends BaseEstimator<object, unknown>>(
    json: unknown,
    kind: EstimatorName,
    defaults: object,
    make: (params: Record<string, unknown>, where: string) => E,
  ): E {
    const root = json instanceof JsonReader ? json : new JsonReader(`${kind}.fromJSON`, json);
    readKind(root, [kind]);
    const f = root.object(ESTIMATOR_SHAPE);
    const estimator = make(readParams(f.params, defaults), `${root.where}: ${f.params.path}`);
    if (f.engineSetting) estimator.engineSetting = readEngineSetting(f.engineSetting);
    if (f.fitted) {
      const fitted = f.fitted.object({ required: ["engine", "nFeaturesIn", ...estimator.fittedKeys] });
      const engine = fitted.engine.name();
      const nFeatures = fitted.nFeaturesIn.int(1);
      estimator.fitted = { model: estimator.readFitted(fitted, nFeatures), engine, fitState: undefined, nFeatures };
    }
    return estimator;
  }

  /** Number of features seen during fit. */
  get nFeaturesIn_(): number {
    return this.requireFitted("nFeaturesIn_").nFeatures;
  }

  /** Validates host input or accepts a resident matrix as it is (its producer validated it). */
  protected input(X: XInput, method: string, argument = "X"): DataMatrix {
    if (isResident(X)) return X;
    return checkMatrix(X, { estimator: `${this.estimatorName}.${method}`, argument });
  }

  /** Like {@link input}, and checks the feature count against the fitted model. */
  protected fittedInput(X: XInput, method: string): DataMatrix {
    const fitted = this.requireFitted(method);
    const data = this.input(X, method);
    const where = { estimator: `${this.estimatorName}.${method}`, argument: "X" };
    checkFeatureCount(data, fitted.nFeatures, where);
    return data;
  }

  protected requireFitted(method: string): Fitted<M> {
    if (!this.fitted) throw new NotFittedError(this.estimatorName, method);
    return this.fitted;
  }

  /**
   * The fit lifecycle: `prepareFit` selects the engine (the first that accepts), then `fit` and `postFit` run on
   * that engine. An engine that declines in `fit` or `postFit` hands the whole lifecycle to the candidates after
   * it. Nothing on `this` changes until the caller commits the returned model, so a failing fit leaves the
   * previous model (or none) intact.
   */
  protected async runFit<Extra>(
    X: DataMatrix,
    extra: Extra,
    { signal }: { signal?: AbortSignal },
  ): Promise<{ fitted: Fitted<M>; trace: TraceEntry[] }> {
    throwIfAborted(signal);
    const candidates = this.candidates();
    const trace: TraceEntry[] = [];
    const step = <V>(hook: HookName, engines: readonly string[], more: object) =>
      callHook<V>(this.fitStep(hook, engines, X, extra, signal, more, (entry) => trace.push(entry)));
    let remaining = candidates;
    // A device lost in fit or postFit hands the fit on like a decline; it is thrown when no engine is left.
    let lost: Error | undefined;
    const handOn = <V>(call: Promise<V>): Promise<V | undefined> =>
      call.catch((e: unknown) => {
        if (e instanceof EngineDeclinedError) return undefined;
        if (isDeviceLost(e)) return void (lost = e);
        throw e;
      });
    for (;;) {
      const prepared = await step("prepareFit", remaining, {}).catch((e: unknown) => {
        if (isDeviceLost(e)) throw e;
        if (e instanceof EngineDeclinedError) throw lost ?? new EngineDeclinedError(this.estimatorName, "fit", declines(trace));
        throw e;
      });
      remaining = remaining.slice(remaining.indexOf(prepared.engine) + 1);
      const state = prepared.value;
      const fitResult = await handOn(step("fit", [prepared.engine], { state }));
      if (!fitResult) continue;
      throwIfAborted(signal);
      const post = await handOn(step<M>("postFit", [prepared.engine], { state, fitResult: fitResult.value }));
      if (!post) continue;
      return {
        fitted: {
          model: post.value,
          engine: prepared.engine,
          implementation: prepared.implementation,
          fitState: fitResult.value,
          nFeatures: X.cols,
        },
        trace,
      };
    }
  }

  /**
   * A hook on X outside the fit lifecycle (KMeans `init`): asked of the candidates in order, through their gates,
   * like `prepareFit`. `more(engine)` adds the fields each engine receives (its own copy of a generator, say).
   * Rejects with `EngineDeclinedError` when no engine runs it; the caller decides what then.
   */
  protected runDataHook<V>(
    hook: HookName,
    X: DataMatrix,
    more: (engine: Engine) => object,
    signal: AbortSignal | undefined,
    trace: (entry: TraceEntry) => void,
  ): Promise<HookResult<V>> {
    return callHook<V>(this.fitStep(hook, this.candidates(), X, {}, signal, more, trace));
  }

  /**
   * Makes a fitted model current: the single place where fit results land on the estimator. The fit's warnings
   * are published here, so a fit that fails raises none.
   */
  protected commitFit(fitted: Fitted<M>, trace: TraceEntry[], warnings: PlugmlWarning[] = []): void {
    this.fitted = fitted;
    this.engineTrace_ = trace;
    this.engineUsed_ = fitted.engine;
    this.warnings_ = warnings;
    for (const w of warnings) publishWarning(w);
  }

  /**
   * Runs a model hook (predict, transform, ...) on the engine that fitted, or, if it declines, on the next
   * candidate under the current activation rules. `more` is merged into the context.
   */
  protected async runModelHook<V>(method: string, hook: HookName, more: object, options: CallOptions = {}): Promise<V> {
    const fitted = this.requireFitted(method);
    const { signal, output = "host" } = options;
    throwIfAborted(signal);
    const result = await callHook<V>(this.modelCall(fitted, method, hook, more, signal, output, (entry) => this.appendTrace(entry)));
    throwIfAborted(signal);
    if (output === "host" && isResident(result.value)) {
      throw new EngineContractError(
        `Engine "${result.engine}" returned a resident matrix from ${this.estimatorName}.${hook} although a host matrix was requested.`,
      );
    }
    this.engineUsed_ = result.engine;
    return result.value;
  }

  /**
   * Which engine a call would run on, and every candidate's verdict (accepted, declined, skipped by `shouldRun`,
   * not installed, not registered, blocked) with its reason, in the trace's words, without running any compute
   * hook: only the engines' `accepts` and `shouldRun` gates are asked (engines a call would reach are imported).
   * `method` is `"fit"` (X required) or a model method such as `"predict"`; for a fitted estimator the frozen
   * engine comes first, as in a real call. Per-call options (sample weights, signals) are not part of the question.
   */
  async explainEngine(method: string, X?: XInput): Promise<EngineExplanation> {
    if (method === "fit") {
      if (X === undefined) throw new ValidationError(`${this.estimatorName}.explainEngine: "fit" needs X.`);
      const data = this.input(X, "explainEngine");
      return explainCall(this.fitStep("prepareFit", this.candidates(), data, {}, undefined, {}, () => {}));
    }
    const hook = MODEL_HOOKS.find((h) => h === method);
    const fitted = this.requireFitted("explainEngine");
    if (!hook) {
      throw new ValidationError(
        `${this.estimatorName}.explainEngine: unknown method "${method}"; expected "fit" or one of ${MODEL_HOOKS.join(", ")}.`,
      );
    }
    const data = X === undefined ? undefined : this.fittedInput(X, "explainEngine");
    const { nNeighbors, radius } = this.params as { nNeighbors?: number; radius?: number };
    const more = { X: data, nNeighbors, radius, sortResults: false };
    return explainCall(this.modelCall(fitted, method, hook, more, undefined, "host", () => {}));
  }

  /** One step of the fit lifecycle as a hook call. */
  private fitStep(
    hook: HookName,
    engines: readonly string[],
    X: DataMatrix,
    extra: unknown,
    signal: AbortSignal | undefined,
    more: object | ((engine: Engine) => object),
    trace: (e: TraceEntry) => void,
  ): HookCall {
    const base = { estimator: this.estimatorName, params: this.engineParams(), signal, X, nSamples: X.rows, nFeatures: X.cols, dtype: X.dtype, extra };
    return {
      estimator: this.estimatorName,
      method: "fit",
      hook,
      candidates: engines,
      // The steps after prepareFit run on the engine it selected, which has already passed the gates.
      gate: hook !== "fit" && hook !== "postFit",
      context: (engine, record) =>
        ({ ...base, ...(typeof more === "function" ? more(engine) : more), hook, record, toHost: this.hostReader(record, engine, hook) }) as HookContext,
      trace,
    };
  }

  /**
   * The engine a model call must not import by name: the one that fitted, if it was unregistered since (another
   * object under that name would not know the fit's state). A loaded model has no such object, so its fitting
   * engine is imported like any other when the current choice names it (a fresh process that loads a "cpu" model
   * and predicts imports engine-cpu); otherwise it is only a preference, used when registered.
   */
  private neverImported(fitted: Fitted<M>): string | undefined {
    if (fitted.implementation === undefined && candidateNames(currentChoice(this.engineSetting)).includes(fitted.engine)) return undefined;
    return fitted.engine;
  }

  /** A model hook as a hook call: the fitting engine first, then the current choice. */
  private modelCall(fitted: Fitted<M>, method: string, hook: HookName, more: object, signal: AbortSignal | undefined, output: "host" | "engine", trace: (e: TraceEntry) => void): HookCall {
    return {
      estimator: this.estimatorName,
      method,
      hook,
      candidates: this.candidates(fitted.engine),
      noImport: this.neverImported(fitted),
      gate: true,
      context: (engine, record): HookContext<P> =>
        ({
          estimator: this.estimatorName,
          params: this.engineParams(),
          signal,
          model: fitted.model,
          // Only to the engine object that produced it: nobody, for a loaded model.
          fitState: fitted.implementation !== undefined && engine === fitted.implementation ? fitted.fitState : undefined,
          output,
          ...more,
          hook,
          record,
          toHost: this.hostReader(record, engine, hook),
        }) as HookContext<P>,
      trace,
    };
  }

  /**
   * `ctx.toHost` for one engine: reads a resident matrix back, recording the bytes, unless it belongs to another
   * engine and the transfer policy is `"error"`.
   */
  private hostReader(record: TraceRecorder, engine: Engine, hook: HookName): (X: DataMatrix) => Promise<Matrix> {
    return async (X) => {
      if (!isResident(X)) return X;
      const bytes = X.rows * X.cols * bytesPerElement(X.dtype);
      if (X.engine !== engine.name) this.checkTransfer(X, `${this.estimatorName}.${hook} on engine "${engine.name}"`, bytes);
      const host = await X.read();
      record.bytesFromDevice(bytes);
      return host;
    };
  }

  /** Throws when the transfer policy forbids moving `X` off its engine for `step`. */
  protected checkTransfer(X: ResidentMatrix, step: string, bytes: number): void {
    if (currentChoice(this.engineSetting).transfers !== "error") return;
    throw new TransferNotAllowedError(
      `${step} would read ${bytes} bytes of X back from engine "${X.engine}", and transfers: "error" forbids moving data between devices.`,
    );
  }

  /**
   * The engines to ask, in order: `preferred` (the engine that fitted) first, then the current choice. Each is
   * imported only if a call reaches it, except the preferred engine, which is never imported: if it was
   * unregistered since the fit, it is traced as not registered and the others take over.
   */
  private candidates(preferred?: string): string[] {
    const names = candidateNames(currentChoice(this.engineSetting));
    return preferred === undefined ? names : [...new Set([preferred, ...names])];
  }

  protected appendTrace(entry: TraceEntry): void {
    this.engineTrace_.push(entry);
    if (this.engineTrace_.length > 2 * TRACE_LIMIT) this.engineTrace_.splice(0, this.engineTrace_.length - TRACE_LIMIT);
  }
}

/** Methods whose engine `explainEngine` can tell besides "fit" (each is the hook of the same name). */
const MODEL_HOOKS = ["predict", "predictProba", "transform", "inverseTransform", "kneighbors", "radiusNeighbors", "score"] as const satisfies readonly HookName[];

/** Throws the `AbortError` every computing method rejects with once its signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortError("The operation was aborted.", { cause: signal.reason });
  }
}

/** Builds the `reportIteration` callback engines call once per iteration. */
export function iterationReporter(options: FitOptions): (info: IterationInfo) => "continue" | "stop" {
  return (info) => {
    throwIfAborted(options.signal);
    return options.onIteration?.(info) === "stop" ? "stop" : "continue";
  };
}

function declines(trace: TraceEntry[]): DeclineReason[] {
  return trace.filter((e) => e.outcome === "declined").map((e) => ({ engine: e.engine, reason: e.reason ?? "" }));
}

