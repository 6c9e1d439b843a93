/**
 * The support data: per registered engine and estimator, what it implements and what its manifest declares, with
 * every restriction spelled out as the values it runs. docs/engines/support.md is rendered from this.
 */
import type { DType } from "../data/matrix.js";
import { MANIFEST_PARAMETERS } from "./manifest.js";
import { isBlocked, listEngines, getEngine } from "./registry.js";
import { type EstimatorName, type HookName, type ManifestLimits, type ManifestPrecision } from "./specs.js";

/** What one engine supports for one estimator, as {@link listEngineSupport} reports it. */
export interface EstimatorSupport {
  engine: string;
  version: string;
  estimator: EstimatorName;
  /** The hooks its table implements (required and optional, not counting the gates `accepts` and `shouldRun`). */
  hooks: HookName[];
  /** The gates it asks: `accepts`, `shouldRun`. */
  gates: string[];
  /** Whether the engine has a manifest for this estimator; when false the fields below are core's full ranges. */
  declared: boolean;
  dtypes: DType[];
  /** Every parameter a manifest can restrict, with the values this engine runs (all of core's when unrestricted). */
  params: Record<string, string[]>;
  /** StandardScaler: whether weighted fits run; undefined for other estimators. */
  sampleWeight?: boolean;
  limits: ManifestLimits;
  /** Undefined when not declared. */
  precision?: ManifestPrecision;
  note?: string;
  /** Whether `blockEngine` ruled the engine out. */
  blocked: boolean;
}

/** Hooks in the order of a call's life: initialisation, the fit lifecycle, then what a fitted model answers. */
const HOOK_ORDER: readonly HookName[] = [
  "init",
  "prepareFit",
  "fit",
  "postFit",
  "predict",
  "predictProba",
  "transform",
  "inverseTransform",
  "score",
  "kneighbors",
  "radiusNeighbors",
  "clusterDistanceSums",
];

/**
 * The support table at run time: one entry per registered engine and estimator it implements, in registration
 * order (listEngines' sibling). The hooks come from the engine's hook table, the rest from its manifest.
 */
export function listEngineSupport(): EstimatorSupport[] {
  return listEngines().flatMap(({ name }) => {
    const engine = getEngine(name)!;
    return (Object.keys(engine.estimators) as EstimatorName[]).map((estimator): EstimatorSupport => {
      const table = engine.estimators[estimator] as Record<string, unknown>;
      const manifest = engine.manifest?.[estimator];
      const declared = (manifest?.params ?? {}) as Record<string, readonly string[] | undefined>;
      const params = Object.fromEntries(
        Object.entries(MANIFEST_PARAMETERS[estimator] as Record<string, { values: readonly string[] }>).map(([param, { values }]) => [param, [...(declared[param] ?? values)]]),
      );
      const gates = ["accepts", "shouldRun"];
      return {
        engine: engine.name,
        version: engine.version,
        estimator,
        hooks: HOOK_ORDER.filter((h) => h in table),
        gates: gates.filter((g) => g in table),
        declared: manifest !== undefined,
        dtypes: [...(manifest?.dtypes ?? ["float32", "float64"])],
        params,
        ...(estimator === "StandardScaler" ? { sampleWeight: manifest?.sampleWeight ?? true } : {}),
        limits: { ...manifest?.limits },
        ...(manifest ? { precision: { computesIn: manifest.precision.computesIn, tolerance: { ...manifest.precision.tolerance } } } : {}),
        ...(manifest?.note === undefined ? {} : { note: manifest.note }),
        blocked: isBlocked(engine.name),
      };
    });
  });
}
