/**
 * Engine manifests (engine API 1.4): what an engine may declare per estimator, checked once at registration, and
 * whether one call is within what it declared, asked by the dispatcher before the engine's `accepts`.
 */
import type { DType } from "../data/matrix.js";
import { suggestName } from "../validation/suggest.js";
import type { EstimatorManifest, EstimatorName, ManifestLimits, ManifestParameters } from "./specs.js";

const DTYPES: readonly DType[] = ["float32", "float64"];
const NEIGHBORS_METRICS = ["minkowski", "euclidean", "manhattan", "chebyshev", "cosine"] as const;
const WEIGHTS = ["uniform", "distance"] as const;

/** What a call's context offers the checks: the fields of every hook's context, all optional. */
interface CallFacts {
  hook?: string;
  params?: Record<string, unknown>;
  dtype?: DType;
  X?: { dtype: DType; rows: number; cols: number };
  model?: { fitX?: { dtype: DType; rows: number; cols: number } };
  nSamples?: number;
  nFeatures?: number;
  nNeighbors?: number;
  nClusters?: number;
  method?: string;
  extra?: { sampleWeight?: unknown };
}

/** A parameter a manifest may restrict: every value core allows, and where a call's context has the one it uses. */
interface Parameter {
  values: readonly string[];
  /** The value of this call, or undefined where the hook does not use the parameter. */
  read(ctx: CallFacts): unknown;
}

const fromParams = (name: string) => (ctx: CallFacts) => ctx.params?.[name];
const neighbors = { metric: { values: NEIGHBORS_METRICS, read: fromParams("metric") } };
const predictors = { ...neighbors, weights: { values: WEIGHTS, read: fromParams("weights") } };

/** The parameters of {@link ManifestParameters}, per estimator: the one table both checks read. */
export const MANIFEST_PARAMETERS: { readonly [E in EstimatorName]: { readonly [K in keyof ManifestParameters[E]]: Parameter } } = {
  KMeans: { init: { values: ["k-means++", "random"], read: (ctx) => (ctx.hook === "init" ? ctx.method : undefined) } },
  KNeighborsClassifier: predictors,
  KNeighborsRegressor: predictors,
  NearestNeighbors: neighbors,
  Normalizer: { norm: { values: ["l1", "l2", "max"], read: fromParams("norm") } },
  StandardScaler: {},
  metrics: { metric: { values: ["euclidean", "manhattan", "cosine"], read: fromParams("metric") } },
};

/** Per limit: the estimators it applies to and the size a call asks for. */
const LIMITS: { readonly [L in keyof ManifestLimits]-?: { estimators: readonly EstimatorName[]; read(ctx: CallFacts): number | undefined } } = {
  nClusters: { estimators: ["KMeans", "metrics"], read: (ctx) => ctx.nClusters ?? (ctx.params?.nClusters as number | undefined) },
  nNeighbors: {
    estimators: ["KNeighborsClassifier", "KNeighborsRegressor", "NearestNeighbors"],
    read: (ctx) => ctx.nNeighbors ?? (ctx.params?.nNeighbors as number | undefined),
  },
  nFeatures: { estimators: Object.keys(MANIFEST_PARAMETERS) as EstimatorName[], read: (ctx) => (ctx.X ?? ctx.model?.fitX)?.cols ?? ctx.nFeatures },
  nSamples: { estimators: Object.keys(MANIFEST_PARAMETERS) as EstimatorName[], read: (ctx) => ctx.X?.rows ?? ctx.nSamples },
};

/** Estimators whose manifest may say `sampleWeight: false` (their fit context tells whether weights were given). */
const WEIGHTED: readonly EstimatorName[] = ["StandardScaler"];

/**
 * Why a call falls outside the engine's manifest for this estimator, in words that name the parameter, or
 * undefined when it is within it (or there is no manifest).
 */
export function manifestRefusal(manifest: EstimatorManifest | undefined, estimator: EstimatorName, ctx: CallFacts): string | undefined {
  if (!manifest) return undefined;
  const dtype = ctx.dtype ?? ctx.X?.dtype ?? ctx.model?.fitX?.dtype;
  if (dtype !== undefined && !manifest.dtypes.includes(dtype)) return `dtype '${dtype}' is not in its manifest (${list(manifest.dtypes)})`;
  const declared = (manifest.params ?? {}) as Record<string, readonly unknown[] | undefined>;
  const known = MANIFEST_PARAMETERS[estimator] as Record<string, Parameter>;
  for (const [name, allowed] of Object.entries(declared)) {
    const value = allowed && known[name]?.read(ctx);
    if (value !== undefined && !allowed!.includes(value)) return `${name} '${String(value)}' is not in its manifest (${list(allowed!)})`;
  }
  for (const [name, limit] of Object.entries(manifest.limits ?? {}) as [keyof ManifestLimits, number | string][]) {
    const size = typeof limit === "number" ? LIMITS[name].read(ctx) : undefined;
    if (size !== undefined && size > (limit as number)) return `${name}=${size} is above its manifest's limit of ${limit}`;
  }
  if (manifest.sampleWeight === false && ctx.extra?.sampleWeight !== undefined) return "sample weights are not in its manifest";
  return undefined;
}

/**
 * Problems with one estimator's manifest, in words (empty when it is well formed): checked by `registerEngine`,
 * so that a typo ("chebychev") fails at registration instead of declining every call.
 */
export function manifestProblems(estimator: EstimatorName, manifest: unknown): string[] {
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) return ["must be an object"];
  const m = manifest as Record<string, unknown>;
  const problems: string[] = [];
  const allowedKeys = ["dtypes", "params", "sampleWeight", "limits", "precision", "note"];
  for (const key of Object.keys(m)) if (!allowedKeys.includes(key)) problems.push(`unknown field "${key}"${didYouMean(key, allowedKeys)}`);
  if (!Array.isArray(m.dtypes) || m.dtypes.length === 0 || !m.dtypes.every((d) => DTYPES.includes(d))) {
    problems.push(`dtypes must list one or both of ${list(DTYPES)}`);
  }
  const known = MANIFEST_PARAMETERS[estimator] as Record<string, Parameter>;
  if (m.params !== undefined) {
    if (typeof m.params !== "object" || m.params === null) problems.push("params must be an object");
    else {
      for (const [name, values] of Object.entries(m.params)) {
        const parameter = known[name];
        if (!parameter) {
          const names = Object.keys(known);
          problems.push(`params.${name} is not a parameter a manifest can restrict${didYouMean(name, names)} (${estimator}: ${names.length ? list(names) : "none"})`);
        } else if (!Array.isArray(values) || values.length === 0) {
          problems.push(`params.${name} must list at least one of ${list(parameter.values)}`);
        } else {
          for (const v of values) {
            if (!parameter.values.includes(v)) problems.push(`params.${name} lists "${String(v)}"${didYouMean(String(v), parameter.values)}, not one of ${list(parameter.values)}`);
          }
        }
      }
    }
  }
  if (m.sampleWeight !== undefined && (typeof m.sampleWeight !== "boolean" || !WEIGHTED.includes(estimator))) {
    problems.push(`sampleWeight must be a boolean, and only ${list(WEIGHTED)} declare it`);
  }
  if (m.limits !== undefined) {
    if (typeof m.limits !== "object" || m.limits === null) problems.push("limits must be an object");
    else {
      for (const [name, limit] of Object.entries(m.limits)) {
        const rule = LIMITS[name as keyof ManifestLimits];
        if (!rule || !rule.estimators.includes(estimator)) problems.push(`limits.${name} does not apply to ${estimator}`);
        else if (!(typeof limit === "string" && limit.length > 0) && !(Number.isInteger(limit) && (limit as number) > 0)) {
          problems.push(`limits.${name} must be a positive integer or a description of the limit`);
        }
      }
    }
  }
  const precision = m.precision as { computesIn?: unknown; tolerance?: Record<string, unknown> } | undefined;
  if (typeof precision !== "object" || precision === null) problems.push("precision is required: { computesIn, tolerance }");
  else {
    if (precision.computesIn !== "input" && !DTYPES.includes(precision.computesIn as DType)) problems.push(`precision.computesIn must be "input" or a dtype`);
    const tolerance = precision.tolerance;
    if (typeof tolerance !== "object" || tolerance === null) problems.push("precision.tolerance must give a tolerance per dtype it runs");
    else {
      for (const dtype of (Array.isArray(m.dtypes) ? m.dtypes : []) as DType[]) {
        const t = tolerance[dtype];
        if (typeof t !== "number" || !(t > 0 && t < 1)) problems.push(`precision.tolerance.${dtype} must be a number in (0, 1)`);
      }
    }
  }
  if (m.note !== undefined && typeof m.note !== "string") problems.push("note must be a string");
  return problems;
}

function list(values: readonly unknown[]): string {
  return values.map(String).join(", ");
}

function didYouMean(name: string, candidates: readonly string[]): string {
  const close = suggestName(name, candidates);
  return close ? ` (did you mean "${close}"?)` : "";
}
