/**
 * Result contracts: what each hook's result must look like, checked by the dispatcher on the winning engine's
 * result before the estimator sees it. A result that breaks its contract is a bug in the engine, reported as an
 * `EngineContractError` that names the engine, never passed on (where it would surface as a wrong answer or as an
 * error blaming the user's input).
 */
import { Matrix } from "../data/matrix.js";
import { isResident, type DataMatrix } from "../data/resident.js";
import type { EstimatorName, HookName } from "./specs.js";

/** What a contract can read off the hook's context (fields absent for hooks that do not have them). */
interface ContractContext {
  readonly estimator: EstimatorName;
  readonly hook: HookName;
  readonly params: unknown;
  readonly X?: DataMatrix;
  readonly nNeighbors?: number;
  readonly model?: unknown;
  readonly output?: "host" | "engine";
  readonly nInit?: number;
  readonly radius?: number;
  readonly sortResults?: boolean;
  readonly nClusters?: number;
}

/** Returns what is wrong with `value`, or undefined when it meets the hook's contract. */
type Contract = (value: unknown, ctx: ContractContext) => string | undefined;

type Params = { nClusters?: number; maxIter?: number };
type NeighborsModelLike = { fitX: { rows: number; cols: number }; nClasses?: number };

/** Rows of the hook's queries: X's, or the training set's when `kneighbors` is called without X. */
function queryRows(ctx: ContractContext): number {
  return ctx.X ? ctx.X.rows : (ctx.model as NeighborsModelLike).fitX.rows;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length})`;
  if (v instanceof Matrix) return `a ${v.rows} x ${v.cols} ${v.dtype} Matrix`;
  if (isResident(v)) return `a ${v.rows} x ${v.cols} ${v.dtype} resident matrix`;
  return typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}

/** What is wrong with `v` as an integer label vector of `n` values in [0, classes), if anything. */
function labelsOf(v: unknown, n: number, classes: number, what: string): string | undefined {
  if (!(v instanceof Int32Array) || v.length !== n) return `${what} must be an Int32Array of ${n} values, got ${describe(v)}`;
  for (let i = 0; i < n; i++) {
    if (v[i] < 0 || v[i] >= classes) return `${what}[${i}] is ${v[i]}, outside [0, ${classes})`;
  }
  return undefined;
}

/**
 * What is wrong with `v` as a matrix of the given shape and, on the host, dtype, if anything. With `residentAllowed`
 * (the caller asked for engine output) a resident result passes in the dtype its engine computes in (it is widened
 * when read back).
 */
function matrixOf(v: unknown, rows: number, cols: number, dtype: string | undefined, residentAllowed: boolean, what: string): string | undefined {
  const resident = isResident(v);
  const ok = v instanceof Matrix || (residentAllowed && resident);
  const m = v as DataMatrix;
  if (!ok || m.rows !== rows || m.cols !== cols || (dtype !== undefined && !resident && m.dtype !== dtype)) {
    return `${what} must be a ${rows} x ${cols}${dtype ? ` ${dtype}` : ""} matrix, got ${describe(v)}`;
  }
  return undefined;
}

/** Whether the caller let a model hook return a resident matrix. */
const engineOutput = (ctx: ContractContext) => ctx.output === "engine";

/** No NaN among the values: every input is finite, so a NaN is a computation gone wrong. */
function noNaN(values: ArrayLike<number>, what: string): string | undefined {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return `${what} contains NaN at index ${i} for finite input`;
  return undefined;
}

const modelHooks: Partial<Record<HookName, Partial<Record<EstimatorName, Contract>>>> = {
  init: { KMeans: kmeansInitContract },
  predict: {
    KMeans: (v, ctx) => labelsOf(v, queryRows(ctx), (ctx.params as Params).nClusters!, "labels"),
    KNeighborsClassifier: (v, ctx) => labelsOf(v, queryRows(ctx), (ctx.model as NeighborsModelLike).nClasses!, "class codes"),
    KNeighborsRegressor: (v, ctx) => {
      const n = queryRows(ctx);
      if (!(v instanceof Float64Array) || v.length !== n) return `predictions must be a Float64Array of ${n} values, got ${describe(v)}`;
      return noNaN(v, "predictions");
    },
  },
  predictProba: {
    KNeighborsClassifier: (v, ctx) => {
      const shape = matrixOf(v, queryRows(ctx), (ctx.model as NeighborsModelLike).nClasses!, "float64", false, "probabilities");
      return shape ?? noNaN((v as Matrix).data, "probabilities");
    },
  },
  transform: {
    KMeans: (v, ctx) => matrixOf(v, queryRows(ctx), (ctx.params as Params).nClusters!, ctx.X?.dtype, engineOutput(ctx), "distances"),
    StandardScaler: (v, ctx) => matrixOf(v, queryRows(ctx), ctx.X!.cols, ctx.X?.dtype, engineOutput(ctx), "the transformed X"),
    Normalizer: (v, ctx) => matrixOf(v, queryRows(ctx), ctx.X!.cols, ctx.X?.dtype, engineOutput(ctx), "the normalized X"),
  },
  inverseTransform: {
    StandardScaler: (v, ctx) => matrixOf(v, queryRows(ctx), ctx.X!.cols, ctx.X?.dtype, engineOutput(ctx), "the inverse-transformed X"),
  },
  score: {
    KMeans: (v) => (typeof v !== "number" || Number.isNaN(v) ? `score must be a number, got ${describe(v)}` : undefined),
  },
  clusterDistanceSums: { metrics: clusterDistanceSumsContract },
  kneighbors: {
    NearestNeighbors: kneighborsContract,
    KNeighborsClassifier: kneighborsContract,
    KNeighborsRegressor: kneighborsContract,
  },
  radiusNeighbors: {
    NearestNeighbors: radiusNeighborsContract,
    KNeighborsClassifier: radiusNeighborsContract,
    KNeighborsRegressor: radiusNeighborsContract,
  },
};

/** `metrics.clusterDistanceSums`: n x nClusters float64 sums of distances, none negative or NaN. */
function clusterDistanceSumsContract(v: unknown, ctx: ContractContext): string | undefined {
  const size = ctx.X!.rows * ctx.nClusters!;
  if (!(v instanceof Float64Array) || v.length !== size) return `sums must be a Float64Array of ${ctx.X!.rows} x ${ctx.nClusters} values, got ${describe(v)}`;
  for (let i = 0; i < size; i++) if (!(v[i] >= 0)) return `sums[${i}] is ${v[i]}; sums of distances are >= 0`;
  return undefined;
}

function kneighborsContract(v: unknown, ctx: ContractContext): string | undefined {
  const rows = queryRows(ctx);
  const k = ctx.nNeighbors!;
  const nTrain = (ctx.model as NeighborsModelLike).fitX.rows;
  const r = v as { distances?: unknown; indices?: unknown } | null;
  if (typeof r !== "object" || r === null) return `kneighbors must return { distances, indices }, got ${describe(v)}`;
  const shape = matrixOf(r.distances, rows, k, undefined, false, "distances");
  if (shape) return shape;
  const idx = r.indices;
  if (!(idx instanceof Int32Array) || idx.length !== rows * k) return `indices must be an Int32Array of ${rows} x ${k} values, got ${describe(idx)}`;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= nTrain) return `indices[${i}] is ${idx[i]}, outside the ${nTrain} training samples`;
  }
  return noNaN((r.distances as Matrix).data, "distances");
}

/**
 * `radiusNeighbors`: one distances array (float32 or float64) and one Int32Array of the same length per query;
 * indices in range and never the query itself when the training set is queried; no NaN; every distance <= the
 * radius (as rounded to the distances' dtype, since a float32 distance is the float64 one rounded); distances
 * non-decreasing when sorted (equal float32 distances may come from different float64 ones, so their indices are
 * not checked), else strictly ascending indices. O(size of the output).
 */
function radiusNeighborsContract(v: unknown, ctx: ContractContext): string | undefined {
  const rows = queryRows(ctx);
  const nTrain = (ctx.model as NeighborsModelLike).fitX.rows;
  const r = v as { distances?: unknown; indices?: unknown } | null;
  if (typeof r !== "object" || r === null || !Array.isArray(r.distances) || !Array.isArray(r.indices)) {
    return `radiusNeighbors must return { distances, indices } (arrays, one entry per query), got ${describe(v)}`;
  }
  if (r.distances.length !== rows || r.indices.length !== rows) {
    return `radiusNeighbors must return ${rows} distance and index arrays (one per query), got ${r.distances.length} and ${r.indices.length}`;
  }
  for (let q = 0; q < rows; q++) {
    const dist = r.distances[q] as unknown;
    const idx = r.indices[q] as unknown;
    if (!(idx instanceof Int32Array)) return `indices[${q}] must be an Int32Array, got ${describe(idx)}`;
    if (!(dist instanceof Float32Array || dist instanceof Float64Array) || dist.length !== idx.length) {
      return `distances[${q}] must be a Float32Array or Float64Array of ${idx.length} values, got ${describe(dist)}`;
    }
    const radius = dist instanceof Float32Array ? Math.fround(ctx.radius!) : ctx.radius!;
    for (let s = 0; s < idx.length; s++) {
      const i = idx[s];
      const d = dist[s];
      if (i < 0 || i >= nTrain) return `indices[${q}][${s}] is ${i}, outside the ${nTrain} training samples`;
      if (ctx.X === undefined && i === q) return `indices[${q}] contains the query itself, which is left out of its own neighbours`;
      if (Number.isNaN(d)) return `distances[${q}] contains NaN at index ${s} for finite input`;
      if (!(d <= radius)) return `distances[${q}][${s}] is ${d}, beyond the radius ${ctx.radius}`;
      if (s === 0) continue;
      const before = ctx.sortResults ? dist[s - 1] <= d : idx[s - 1] < i;
      if (!before) {
        return `neighbours of query ${q} are out of order at ${s}: ${ctx.sortResults ? "sorted results go nearest first" : "unsorted results go by strictly ascending index"}`;
      }
    }
  }
  return undefined;
}

/**
 * KMeans `init`: per run, nClusters row indices of X and the centers they name, in X's dtype. For a host X the
 * centers must be those rows exactly (O(nInit k d) to check), so an engine cannot hand back centers of its own.
 */
function kmeansInitContract(v: unknown, ctx: ContractContext): string | undefined {
  const X = ctx.X!;
  const k = (ctx.params as Params).nClusters!;
  const runs = ctx.nInit!;
  const r = v as { indices?: unknown; centers?: unknown } | null;
  if (typeof r !== "object" || r === null || !Array.isArray(r.indices) || !Array.isArray(r.centers)) {
    return `init must return { indices, centers } (arrays, one entry per run), got ${describe(v)}`;
  }
  if (r.indices.length !== runs || r.centers.length !== runs) {
    return `init must return nInit=${runs} sets of indices and centers, got ${r.indices.length} and ${r.centers.length}`;
  }
  for (let run = 0; run < runs; run++) {
    const indices = r.indices[run] as Int32Array;
    const wrong =
      labelsOf(indices, k, X.rows, `indices[${run}]`) ?? matrixOf(r.centers[run], k, X.cols, X.dtype, false, `centers[${run}]`);
    if (wrong) return wrong;
    if (isResident(X)) continue;
    const centers = r.centers[run] as Matrix;
    for (let c = 0; c < k; c++) {
      const row = X.data.subarray(indices[c] * X.cols, (indices[c] + 1) * X.cols);
      const center = centers.data.subarray(c * X.cols, (c + 1) * X.cols);
      if (!row.every((x, j) => x === center[j])) return `centers[${run}] row ${c} is not row ${indices[c]} of X (indices[${run}][${c}])`;
    }
  }
  return undefined;
}

/** Contracts of the fitted models `postFit` returns (or `fit`, for engines without `postFit`). */
const fittedModels: Partial<Record<EstimatorName, Contract>> = {
  KMeans: (v, ctx) => {
    const X = ctx.X!;
    const { nClusters, maxIter } = ctx.params as Required<Params>;
    const m = v as { clusterCenters?: unknown; labels?: unknown; inertia?: unknown; nIter?: unknown };
    const centers = matrixOf(m.clusterCenters, nClusters, X.cols, X.dtype, false, "clusterCenters");
    if (centers) return centers;
    const nanCenter = noNaN((m.clusterCenters as Matrix).data, "clusterCenters");
    if (nanCenter) return nanCenter;
    const labels = labelsOf(m.labels, X.rows, nClusters, "labels");
    if (labels) return labels;
    if (typeof m.inertia !== "number" || !(m.inertia >= 0)) return `inertia must be a number >= 0, got ${String(m.inertia)}`;
    if (!Number.isInteger(m.nIter) || (m.nIter as number) < 1 || (m.nIter as number) > maxIter) {
      return `nIter must be an integer in [1, maxIter=${maxIter}], got ${String(m.nIter)}`;
    }
    return undefined;
  },
  StandardScaler: (v, ctx) => {
    const d = ctx.X!.cols;
    const m = v as { mean?: unknown; var?: unknown; nSamplesSeen?: unknown };
    for (const key of ["mean", "var"] as const) {
      const col = m[key];
      if (!(col instanceof Float64Array) || col.length !== d) return `${key} must be a Float64Array of ${d} values, got ${describe(col)}`;
      const nan = noNaN(col, key);
      if (nan) return nan;
    }
    const variance = m.var as Float64Array;
    for (let j = 0; j < d; j++) if (variance[j] < 0) return `var[${j}] is negative (${variance[j]})`;
    if (typeof m.nSamplesSeen !== "number" || !(m.nSamplesSeen > 0)) return `nSamplesSeen must be a positive number, got ${String(m.nSamplesSeen)}`;
    return undefined;
  },
  Normalizer: (v) =>
    typeof v === "object" && v !== null && Object.keys(v).length === 0 ? undefined : `the fitted Normalizer model must be the empty object {}, got ${describe(v)}`,
  NearestNeighbors: neighborsModel,
  KNeighborsClassifier: neighborsModel,
  KNeighborsRegressor: neighborsModel,
};

function neighborsModel(v: unknown, ctx: ContractContext): string | undefined {
  const X = ctx.X!;
  const fitX = (v as { fitX?: DataMatrix } | null)?.fitX;
  if (!(fitX instanceof Matrix || isResident(fitX)) || fitX.rows !== X.rows || fitX.cols !== X.cols) {
    return `fitX must be a ${X.rows} x ${X.cols} matrix, got ${describe(fitX)}`;
  }
  return undefined;
}

/**
 * What is wrong with an engine's result for one hook, or undefined when it meets the contract. Hooks without a
 * contract (`prepareFit`, `fit`, whose results are the engine's own) always pass.
 */
export function contractViolation(ctx: ContractContext, value: unknown): string | undefined {
  const check = ctx.hook === "postFit" ? fittedModels[ctx.estimator] : modelHooks[ctx.hook]?.[ctx.estimator];
  return check?.(value, ctx);
}
