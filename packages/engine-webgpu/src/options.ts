/** Engine options and the `accepts` gate every estimator shares: adapter, input size, then estimator checks. */
import { isResident, type AcceptsContext, type DataMatrix } from "@plugml/core";
import { acquireDevice, type Gpu } from "./device.js";
import { isWebGPUMatrix } from "./resident.js";

/** Options of {@link createWebGPUEngine}. */
export interface WebGPUEngineOptions {
  /**
   * Inputs with fewer elements (rows x columns of X) than this are declined, so that the next engine (by default
   * the CPU) runs them: below it, device setup, transfers and dispatch cost more than the computation. Default
   * {@link DEFAULT_MIN_ELEMENTS}; 0 accepts everything. Data already resident on the device is never declined
   * for its size.
   */
  minElements?: number;
  /**
   * Largest storage binding the kernels use, in bytes (default and ceiling: the device's
   * `maxStorageBufferBindingSize`). Inputs larger than one binding are processed in chunks of rows; lowering
   * this forces chunking, e.g. to test it on small data.
   */
  maxBindingBytes?: number;
}

/** Default {@link WebGPUEngineOptions.minElements}: 65,536 elements (256 KiB of float32). */
export const DEFAULT_MIN_ELEMENTS = 65_536;

/**
 * Most neighbours per query: each query keeps its running top-k in the invocation's private memory, which must be
 * sized at compile time and stay small.
 */
export const MAX_NEIGHBORS = 64;

/** Options with their defaults applied. */
export interface EngineSettings {
  minElements: number;
  maxBindingBytes: number;
}

/** Applies defaults and validates {@link WebGPUEngineOptions}. */
export function resolveOptions(options: WebGPUEngineOptions): EngineSettings {
  const minElements = options.minElements ?? DEFAULT_MIN_ELEMENTS;
  const maxBindingBytes = options.maxBindingBytes ?? Infinity;
  if (!(minElements >= 0)) throw new RangeError(`createWebGPUEngine: minElements must be >= 0, got ${minElements}.`);
  if (!(maxBindingBytes >= 256)) throw new RangeError(`createWebGPUEngine: maxBindingBytes must be >= 256, got ${maxBindingBytes}.`);
  return { minElements, maxBindingBytes };
}

/** Any estimator's `accepts` context; the gate reads the data, given now or kept by a neighbours model. */
type GateContext = AcceptsContext<unknown, unknown>;

/** An estimator's own admission test, run once the device exists. */
export type EstimatorCheck = (gpu: Gpu, ctx: GateContext) => true | string;

/**
 * The shared `accepts` (can the device run this call?): declines with a reason when there is no adapter or when the
 * estimator's check (device limits, value range, unsupported options) refuses. Size is not its business: see
 * {@link worthRunning}.
 */
export async function gate(c: GateContext, check?: EstimatorCheck): Promise<true | string> {
  const gpu = await acquireDevice();
  if (typeof gpu === "string") return gpu;
  return check ? check(gpu, c) : true;
}

/**
 * The shared `shouldRun` (is the device worth it?): below `minElements` elements, device setup, transfers and
 * dispatch cost more than the computation, so the call is passed on while another engine can take it. Data already
 * on the device is always worth running, since passing it on would force a readback. Core asks this only when
 * another candidate could run the call: an engine named alone with `fallback: false` runs whatever the size.
 */
export function worthRunning(settings: EngineSettings, c: GateContext): true | string {
  const fitX = modelFitX(c);
  const data = c.X ?? fitX;
  const onDevice = isWebGPUMatrix(c.X) || isWebGPUMatrix(fitX);
  if (!data || onDevice || settings.minElements === 0) return true;
  const elements = data.rows * data.cols;
  if (elements >= settings.minElements) return true;
  const where = isResident(data) ? `resident on "${data.engine}"` : "on the host";
  return (
    `input too small for the device: ${data.rows} x ${data.cols} = ${elements} elements ${where} < minElements ${settings.minElements} ` +
    `(createWebGPUEngine({ minElements }) changes the threshold)`
  );
}

/** Floats of workgroup memory a kernel may use for its tile: half the device's budget, the rest for bookkeeping. */
export function tileFloats(gpu: Gpu): number {
  return Math.floor(gpu.limits.maxComputeWorkgroupStorageSize / 4 / 2);
}

/** The training set a neighbours model keeps, which the hooks read when the call gives no X. */
function modelFitX(ctx: GateContext): DataMatrix | undefined {
  return (ctx.model as { fitX?: DataMatrix } | undefined)?.fitX;
}

/** The estimator check for distance kernels: a row must fit one tile. */
export function featuresFit(gpu: Gpu, ctx: GateContext): true | string {
  const cols = (ctx.X ?? modelFitX(ctx))?.cols ?? 0;
  const max = tileFloats(gpu);
  return cols <= max ? true : `${cols} features exceed the ${max} a workgroup tile holds on this device`;
}
