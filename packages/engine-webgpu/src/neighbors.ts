/**
 * Hooks of the three neighbour estimators on the WebGPU engine: fit keeps the training set (and targets) on the
 * device; every prediction is one fused search-and-vote pass that reads back only its answer.
 */
import {
  Matrix,
  type AcceptsContext,
  type DataMatrix,
  type DType,
  type KNeighborsClassifierHooks,
  type KNeighborsRegressorHooks,
  type ModelContext,
  type NearestNeighborsHooks,
  type NeighborsFitExtra,
  type NeighborsModel,
  type NeighborsParamsResolved,
  type FitContext,
} from "@plugml/core";
import { requireDevice, type Gpu } from "./device.js";
import { Batch, STORAGE_USAGE } from "./kernels/dispatch.js";
import { effectiveMetric, encodeSearch, outputWidths, type SearchOutput } from "./kernels/neighbors.js";
import { Paced } from "./kernels/pacing.js";
import { featuresFit, gate, worthRunning, type EngineSettings } from "./options.js";
import { radiusNeighborsHook } from "./radius.js";
import { distanceRange, largest, requireFinite, requireInRange, targetsRange } from "./range.js";
import { allocateMatrix, deviceInput, hostMatrix, stageInput, toFloat32, uploadArray, WebGPUMatrix } from "./resident.js";

type NeighborsContext = ModelContext<NeighborsParamsResolved, NeighborsModel> & { X?: DataMatrix; nNeighbors?: number };

/** What fit returns: the model, and the targets already on the device for the votes. */
interface NeighborsFit {
  model: NeighborsModel;
  y?: WebGPUMatrix;
  /** Precision of the training input: kneighbors() without X returns distances in it. */
  dtype: DType;
}


/** The float32 targets a vote or average reads: the ones fit left on the device, or uploaded for this call. */
function targetsOnDevice(gpu: Gpu, ctx: NeighborsContext): { buffer: GPUBuffer; release(): void } {
  const kept = (ctx.fitState as NeighborsFit | undefined)?.y;
  if (kept && !kept.gpu.disposed) return { buffer: kept.buffer, release: () => undefined };
  const buffer = uploadTargets(gpu, ctx.model.y!, ctx);
  return { buffer, release: () => gpu.pool.release(buffer) };
}

function uploadTargets(gpu: Gpu, y: Int32Array | Float64Array, ctx: Pick<NeighborsContext, "record">): GPUBuffer {
  // Class indices are small integers, exact in float32; regression targets lose precision beyond 7 digits.
  const values = y instanceof Int32Array ? Float32Array.from(y) : toFloat32(y, "y", ctx.record);
  return uploadArray(gpu, values, ctx.record, "y");
}

/**
 * The range check of a search among data of largest magnitude `a` over `cols` features (see range.ts), with the
 * regression targets' when the search averages them.
 */
function searchRange(params: NeighborsParamsResolved, k: number, cols: number, a: number, y: Int32Array | Float64Array | undefined, kind: SearchOutput["kind"]): true | string {
  const metric = effectiveMetric(params.metric, params.p);
  const distances = distanceRange(metric, params.p, cols, a);
  if (distances !== true || kind !== "regression" || !y) return distances;
  return targetsRange(maxAbsOf(y), k, metric, params.p, cols, a, params.weights === "distance");
}

function maxAbsOf(y: Int32Array | Float64Array): number {
  let max = 0;
  for (let i = 0; i < y.length; i++) max = Math.max(max, Math.abs(y[i]));
  return max;
}

/**
 * Runs a search of kind `kind` for the call's queries (the training set itself when `ctx.X` is undefined) and
 * reads back its float outputs, its int outputs or both. The magnitudes of training set and queries are checked
 * first (declining before any upload), the search goes in paced submissions that honour `ctx.signal`, and
 * everything this call put on the device is freed, also when a later upload or the search fails.
 */
async function search(settings: EngineSettings, ctx: NeighborsContext, kind: SearchOutput["kind"], read: "floats" | "ints" | "both") {
  const gpu = await requireDevice();
  const k = ctx.nNeighbors ?? ctx.params.nNeighbors;
  const acquired: { release(): void }[] = [];
  const held = <T extends { release(): void }>(resource: T): T => {
    acquired.push(resource);
    return resource;
  };
  try {
    const trainStaged = await stageInput(gpu, ctx, ctx.model.fitX, "fitX");
    const queryStaged = ctx.X === undefined ? undefined : await stageInput(gpu, ctx, ctx.X);
    const a = largest(trainStaged.maxAbs, queryStaged?.maxAbs ?? []);
    requireInRange(searchRange(ctx.params, k, trainStaged.cols, a, ctx.model.y, kind));
    const train = held(await trainStaged.place());
    const queries = queryStaged ? held(await queryStaged.place()) : train;
    // The precision each came in on the host (resident data is float32), which cosine's zero-norm test follows.
    const trainDtype = (ctx.fitState as NeighborsFit | undefined)?.dtype ?? ctx.model.fitX.dtype;
    const queryDtype = ctx.X?.dtype ?? trainDtype;
    const distanceWeights = ctx.params.weights === "distance";
    let output: SearchOutput = { kind: "neighbors" };
    if (kind !== "neighbors") {
      const y = held(targetsOnDevice(gpu, ctx)).buffer;
      output = kind === "classes" ? { kind, y, nClasses: ctx.model.nClasses!, distanceWeights } : { kind, y, distanceWeights };
    }
    const spec = {
      queries: queries.matrix,
      train: train.matrix,
      metric: ctx.params.metric,
      p: ctx.params.p,
      k,
      skipSelf: ctx.X === undefined,
      dtypes: { queries: queryDtype, train: trainDtype },
      output,
      maxBindingBytes: settings.maxBindingBytes,
    };
    const widths = outputWidths(spec);
    const rows = queries.matrix.rows;
    // Written by the steps of several submissions, so owned here rather than by a batch.
    const outF = held(pooled(gpu, rows * widths.floats * 4)).buffer;
    const outI = held(pooled(gpu, rows * widths.ints * 4)).buffer;
    const paced = new Paced(gpu, "neighbors", ctx.signal);
    await encodeSearch(gpu, paced, spec, outF, outI);
    const floats = read !== "ints";
    const ints = read !== "floats";
    const values = await paced.finish([
      ...(floats ? [{ buffer: outF, offset: 0, bytes: rows * widths.floats * 4 }] : []),
      ...(ints ? [{ buffer: outI, offset: 0, bytes: rows * widths.ints * 4 }] : []),
    ]);
    ctx.record.bytesFromDevice(values.reduce((n, v) => n + v.byteLength, 0));
    const result = {
      rows,
      k,
      floats: floats ? new Float32Array(values[0]) : new Float32Array(0),
      ints: ints ? new Int32Array(values[floats ? 1 : 0]) : new Int32Array(0),
    };
    requireFinite(result.floats, kind === "neighbors" ? "the distances" : kind === "classes" ? "the class probabilities" : "the predictions");
    return result;
  } finally {
    for (const resource of acquired) resource.release();
  }
}

/** A buffer from the device's pool (at least 4 bytes), with its release. */
function pooled(gpu: Gpu, bytes: number): { buffer: GPUBuffer; release(): void } {
  const buffer = gpu.pool.acquire(bytes, STORAGE_USAGE);
  return { buffer, release: () => gpu.pool.release(buffer) };
}

function lifecycle(settings: EngineSettings) {
  return {
    accepts: (ctx: AcceptsContext<NeighborsParamsResolved, NeighborsModel>) => gate(ctx, featuresFit),
    shouldRun: (ctx: AcceptsContext<NeighborsParamsResolved, NeighborsModel>) => worthRunning(settings, ctx),

    /**
     * Keeps a device copy of X (a copy even when X is resident: its producer may dispose it) and of y, after
     * checking that distances among the training rows (and the regression targets' mean) are within the device's
     * range: a model the device could never search is better fitted elsewhere. (`ctx.extra.y` is core's copy of
     * the targets, not the caller's array.)
     */
    async fit(ctx: FitContext<NeighborsParamsResolved, NeighborsFitExtra>): Promise<NeighborsFit> {
      const gpu = await requireDevice();
      const yTrain = ctx.extra.y;
      const kind = yTrain instanceof Float64Array ? "regression" : "neighbors";
      const input = await deviceInput(gpu, ctx, ctx.X, (X) => searchRange(ctx.params, ctx.params.nNeighbors, X.cols, largest(X.maxAbs), yTrain, kind));
      const fitX = input.uploaded ? input.matrix : await copyOnDevice(gpu, input.matrix);
      const y = yTrain && new WebGPUMatrix(gpu, uploadTargets(gpu, yTrain, ctx), yTrain.length, 1, Float64Array.of(maxAbsOf(yTrain)));
      return { model: { fitX, y: yTrain, nClasses: ctx.extra.nClasses }, y, dtype: ctx.dtype };
    },

    postFit: (ctx: FitContext<NeighborsParamsResolved, NeighborsFitExtra>) => (ctx.fitResult as NeighborsFit).model,

    async kneighbors(ctx: NeighborsContext) {
      const { rows, k, floats, ints } = await search(settings, ctx, "neighbors", "both");
      const dtype = ctx.X?.dtype ?? (ctx.fitState as NeighborsFit | undefined)?.dtype ?? ctx.model.fitX.dtype;
      return { distances: hostMatrix(floats, rows, k, dtype, ctx.record), indices: ints };
    },

    /** Candidates on the device, exact float64 re-check on the host (see radius.ts). */
    radiusNeighbors: radiusNeighborsHook(settings),
  };
}

/** A copy of `X` on the device (no transfer), freed again if the copy fails. */
async function copyOnDevice(gpu: Gpu, X: WebGPUMatrix): Promise<WebGPUMatrix> {
  const copy = allocateMatrix(gpu, X.rows, X.cols, X.maxAbs);
  const batch = new Batch(gpu);
  batch.copy(X.buffer, 0, copy.buffer, 0, X.bytes);
  try {
    await batch.submit();
  } catch (e) {
    copy.dispose();
    throw e;
  }
  return copy;
}

/** The NearestNeighbors hooks for one engine configuration. */
export function nearestNeighborsHooks(settings: EngineSettings): NearestNeighborsHooks {
  return lifecycle(settings);
}

/** The KNeighborsClassifier hooks for one engine configuration. */
export function kNeighborsClassifierHooks(settings: EngineSettings): KNeighborsClassifierHooks {
  return {
    ...lifecycle(settings),
    async predict(ctx) {
      return (await search(settings, ctx, "classes", "ints")).ints;
    },
    async predictProba(ctx) {
      const { rows, floats } = await search(settings, ctx, "classes", "floats");
      return new Matrix(Float64Array.from(floats), rows, ctx.model.nClasses!);
    },
  };
}

/** The KNeighborsRegressor hooks for one engine configuration. */
export function kNeighborsRegressorHooks(settings: EngineSettings): KNeighborsRegressorHooks {
  return {
    ...lifecycle(settings),
    async predict(ctx) {
      return Float64Array.from((await search(settings, ctx, "regression", "floats")).floats);
    },
  };
}
