/**
 * The estimators the command knows, their parameters as command-line options, and the rule that every option is
 * either used by the chosen estimator or refused.
 */
import { InvalidArgumentError, Option } from "commander";
import { KMeans, KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors, StandardScaler, type EstimatorName } from "@plugml/core";
import { UsageError } from "./errors.js";

/** The `--estimator` values. */
export const ESTIMATOR_NAMES = ["kmeans", "knn-classifier", "knn-regressor", "nearest-neighbors", "standard-scaler"] as const;

/** One of {@link ESTIMATOR_NAMES}. */
export type CliEstimatorName = (typeof ESTIMATOR_NAMES)[number];

/** An estimator the command can fit. */
export type CliEstimator = KMeans | KNeighborsClassifier | KNeighborsRegressor | NearestNeighbors | StandardScaler;

/** What `predict` prints per row. */
export type OutputKind = "cluster" | "label" | "value" | "neighbors" | "row";

/** How the command uses one estimator. */
export interface EstimatorSpec {
  name: CliEstimatorName;
  /** The @plugml/core class. */
  kind: Exclude<EstimatorName, "metrics" | "Normalizer">;
  /** Whether `--target` is required, and whether its cells are numbers or labels; undefined: `--target` is refused. */
  target?: "number" | "label";
  /** Whether fit reports iterations (a progress bar with iterations and inertia). */
  iterative: boolean;
  output: OutputKind;
  create(params: Record<string, unknown>): CliEstimator;
}

/** Every estimator, by `--estimator` name. */
export const ESTIMATORS: Record<CliEstimatorName, EstimatorSpec> = {
  kmeans: { name: "kmeans", kind: "KMeans", iterative: true, output: "cluster", create: (p) => new KMeans(p) },
  "knn-classifier": { name: "knn-classifier", kind: "KNeighborsClassifier", target: "label", iterative: false, output: "label", create: (p) => new KNeighborsClassifier(p) },
  "knn-regressor": { name: "knn-regressor", kind: "KNeighborsRegressor", target: "number", iterative: false, output: "value", create: (p) => new KNeighborsRegressor(p) },
  "nearest-neighbors": { name: "nearest-neighbors", kind: "NearestNeighbors", iterative: false, output: "neighbors", create: (p) => new NearestNeighbors(p) },
  "standard-scaler": { name: "standard-scaler", kind: "StandardScaler", iterative: false, output: "row", create: (p) => new StandardScaler(p) },
};

/** The `--estimator` name of a @plugml/core class (for a model file saved by a program, without the CLI's metadata). */
export function specOfKind(kind: string): EstimatorSpec | undefined {
  return Object.values(ESTIMATORS).find((s) => s.kind === kind);
}

/** A command-line option that sets one estimator parameter. */
export interface ParamOption {
  option: Option;
  /** The estimator parameter it sets. */
  param: string;
  /** The value the parameter gets (for a flag without argument). */
  flagValue?: unknown;
  estimators: readonly CliEstimatorName[];
}

function integer(value: string): number {
  if (!/^-?[0-9]+$/.test(value)) throw new InvalidArgumentError("expected an integer.");
  return Number(value);
}

function number(value: string): number {
  const v = value.trim() === "" ? NaN : Number(value);
  if (!Number.isFinite(v)) throw new InvalidArgumentError("expected a number.");
  return v;
}

const NEIGHBOR_ESTIMATORS = ["knn-classifier", "knn-regressor", "nearest-neighbors"] as const;
const KNN = ["knn-classifier", "knn-regressor"] as const;

/** Every parameter option (help text says the scikit-learn parameter it sets). */
export const PARAM_OPTIONS: readonly ParamOption[] = [
  { option: new Option("--clusters <k>", "kmeans: number of clusters (n_clusters, default 8)").argParser(integer), param: "nClusters", estimators: ["kmeans"] },
  { option: new Option("--init <method>", "kmeans: initialisation (default k-means++)").choices(["k-means++", "random"]), param: "init", estimators: ["kmeans"] },
  {
    option: new Option("--n-init <n>", 'kmeans: initialisations, an integer or "auto" (default auto)').argParser((v) => (v === "auto" ? v : integer(v))),
    param: "nInit",
    estimators: ["kmeans"],
  },
  { option: new Option("--max-iter <n>", "kmeans: most Lloyd iterations per initialisation (default 300)").argParser(integer), param: "maxIter", estimators: ["kmeans"] },
  { option: new Option("--tol <x>", "kmeans: convergence tolerance (default 1e-4)").argParser(number), param: "tol", estimators: ["kmeans"] },
  { option: new Option("--random-state <seed>", "kmeans: integer seed of the initialisation (default: a fresh one)").argParser(integer), param: "randomState", estimators: ["kmeans"] },
  { option: new Option("--neighbors <k>", "neighbours per query (n_neighbors, default 5)").argParser(integer), param: "nNeighbors", estimators: NEIGHBOR_ESTIMATORS },
  {
    option: new Option("--metric <name>", "distance (default minkowski)").choices(["minkowski", "euclidean", "manhattan", "chebyshev", "cosine"]),
    param: "metric",
    estimators: NEIGHBOR_ESTIMATORS,
  },
  { option: new Option("--p <p>", "power of the minkowski metric (default 2)").argParser(number), param: "p", estimators: NEIGHBOR_ESTIMATORS },
  { option: new Option("--weights <kind>", "knn: neighbour weights (default uniform)").choices(["uniform", "distance"]), param: "weights", estimators: KNN },
  { option: new Option("--without-mean", "standard-scaler: do not subtract the mean (with_mean=False)"), param: "withMean", flagValue: false, estimators: ["standard-scaler"] },
  { option: new Option("--without-std", "standard-scaler: do not divide by the standard deviation (with_std=False)"), param: "withStd", flagValue: false, estimators: ["standard-scaler"] },
];

/** Where a command's option values came from: commander's `getOptionValueSource`. */
export interface OptionSource {
  getOptionValueSource(key: string): string | undefined;
}

/** Whether the user gave the option on the command line (or through the environment), not its default. */
export function given(cmd: OptionSource, attr: string): boolean {
  const source = cmd.getOptionValueSource(attr);
  return source !== undefined && source !== "default" && source !== "implied";
}

/**
 * The constructor parameters for `spec` from the options the user gave. An option of another estimator is a
 * {@link UsageError} that lists the options this one takes; so is `--p` with a metric other than minkowski (the
 * estimator would ignore it).
 */
export function estimatorParams(spec: EstimatorSpec, values: Record<string, unknown>, cmd: OptionSource): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const p of PARAM_OPTIONS) {
    const attr = p.option.attributeName();
    if (!given(cmd, attr)) continue;
    if (!p.estimators.includes(spec.name)) {
      const own = PARAM_OPTIONS.filter((o) => o.estimators.includes(spec.name)).map((o) => o.option.long);
      throw new UsageError(
        `${p.option.long} does not apply to --estimator ${spec.name}` +
          (own.length ? ` (its options: ${own.join(", ")})` : " (it takes no parameter options)") +
          `; ${p.option.long} is for ${p.estimators.join(", ")}`,
      );
    }
    params[p.param] = p.flagValue ?? values[attr];
  }
  if (params.p !== undefined && (params.metric ?? "minkowski") !== "minkowski") {
    throw new UsageError(`--p applies only to --metric minkowski, not ${String(params.metric)}`);
  }
  return params;
}

/** The spec of an `--estimator` value, or a {@link UsageError} listing the valid ones. */
export function estimatorSpec(name: string | undefined): EstimatorSpec {
  if (name === undefined) throw new UsageError(`--estimator is required (one of ${ESTIMATOR_NAMES.join(", ")})`);
  const spec = (ESTIMATORS as Record<string, EstimatorSpec | undefined>)[name];
  if (!spec) throw new UsageError(`--estimator ${JSON.stringify(name)} is not one of ${ESTIMATOR_NAMES.join(", ")}`);
  return spec;
}
