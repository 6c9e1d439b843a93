/**
 * The process-wide WebGPU device: one adapter and one device, created on first use and shared by every engine
 * instance, with the caches that belong to a device (compiled pipelines, pooled buffers, kernel speeds), and what
 * happens when it is lost.
 */
import { DeviceLostError } from "@plugml/core";
import { Pace, type PaceKind } from "./kernels/pacing.js";
import { ENGINE_NAME } from "./resident.js";

/** The device limits the kernels plan with (what was granted, after asking for the adapter's best). */
export interface DeviceLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupsPerDimension: number;
  minStorageBufferOffsetAlignment: number;
}

/**
 * Limits requested above the defaults. A device asked for nothing gets WebGPU's defaults (16 KiB of workgroup
 * memory, 256 invocations, 256-byte offset alignment), which are lower than most adapters offer. The alignment
 * limits are "better" when smaller, so asking for the adapter's value lowers them.
 */
const REQUESTED_LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxStorageBuffersPerShaderStage",
  "minStorageBufferOffsetAlignment",
  "minUniformBufferOffsetAlignment",
] as const;

/** Pooled buffers kept for reuse, at most this many bytes; beyond it released buffers are destroyed. */
const POOL_BYTES = 256 * 1024 * 1024;

/**
 * Reuses GPU buffers by usage and size class, since creating buffers per call costs more than the small kernels
 * that use them. Sizes are rounded up to a power of two or 1.5 times one, so at most a third is wasted.
 * A buffer may be released while commands using it are still queued: later uses are queue-ordered after them.
 * Reused buffers hold stale data; kernels never rely on fresh buffers being zero.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private pooled = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
  ) {}

  /** A buffer of at least `bytes` bytes (and at least 4) with exactly `usage`. */
  acquire(bytes: number, usage: GPUBufferUsageFlags): GPUBuffer {
    const size = sizeClass(Math.max(bytes, 4), this.maxBufferSize);
    const stack = this.free.get(`${usage}:${size}`);
    const reused = stack?.pop();
    if (reused) {
      this.pooled -= reused.size;
      return reused;
    }
    return this.device.createBuffer({ size, usage });
  }

  /** Hands a buffer back for reuse (or destroys it when the pool is full). */
  release(buffer: GPUBuffer): void {
    if (this.pooled + buffer.size > POOL_BYTES) {
      buffer.destroy();
      return;
    }
    const key = `${buffer.usage}:${buffer.size}`;
    const stack = this.free.get(key) ?? [];
    stack.push(buffer);
    this.free.set(key, stack);
    this.pooled += buffer.size;
  }

  /** Destroys every pooled buffer. */
  clear(): void {
    for (const stack of this.free.values()) for (const b of stack) b.destroy();
    this.free.clear();
    this.pooled = 0;
  }
}

function sizeClass(bytes: number, max: number): number {
  let size = 256;
  while (size < bytes) size = size * 2;
  const threeQuarters = (size / 4) * 3;
  const rounded = threeQuarters >= bytes ? threeQuarters : size;
  // Storage bindings need multiples of 4; a class above the device's maximum falls back to the exact size.
  return rounded <= max ? rounded : Math.ceil(bytes / 4) * 4;
}

/** How long a failed operation waits for `device.lost` to settle before deciding the device is not lost. */
const LOSS_SETTLE_MS = 50;

/** A live device with its caches. Everything on it becomes invalid once {@link disposeDevice} runs or it is lost. */
export class Gpu {
  /** Pooled buffers of this device. */
  readonly pool: BufferPool;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly paces = new Map<PaceKind, Pace>();

  /** Set once the device is destroyed or lost; data still pointing at it is unusable. */
  disposed = false;
  /** Set when {@link Gpu.destroy} released the device on purpose (engine.dispose()), rather than the device failing. */
  released = false;
  /** `"<reason>: <message>"` of `device.lost`, once the device is lost (also after a deliberate destroy). */
  lostReason?: string;

  constructor(
    readonly device: GPUDevice,
    readonly limits: DeviceLimits,
    /**
     * The object `create()` returned. Dawn crashes (SIGSEGV, or a hang in onSubmittedWorkDone) if it is
     * garbage-collected while a device from it is in use, so it lives exactly as long as this device object.
     */
    readonly entryPoint: GPU,
  ) {
    this.pool = new BufferPool(device, limits.maxBufferSize);
    void device.lost.then((info) => {
      this.disposed = true;
      this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  /** Destroys the device and pooled buffers; the entry point is released with this object. */
  destroy(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.released = true;
    this.pool.clear();
    this.device.destroy();
  }

  /** The measured speed of one kind of kernel on this device, which sizes its submissions. */
  pace(kind: PaceKind): Pace {
    let pace = this.paces.get(kind);
    if (!pace) {
      pace = new Pace(kind);
      this.paces.set(kind, pace);
    }
    return pace;
  }

  /** Throws {@link DeviceLostError} if the device has been lost: whatever it computed since is garbage. */
  throwIfLost(): void {
    if (this.lostReason !== undefined) throw new DeviceLostError(ENGINE_NAME, this.lostReason);
  }

  /**
   * What an operation's failure means: a {@link DeviceLostError} when the device is lost, the error itself
   * otherwise. A lost device fails pending operations without saying why (mapAsync rejects with a DOMException
   * named AbortError and an empty message, like a user's cancel), and `device.lost` may settle just after that
   * rejection, so a failure waits briefly for it.
   */
  async explain(error: unknown): Promise<unknown> {
    if (error instanceof Error && error.name === "DeviceLostError") return error;
    // The constructor's handler, registered on device.lost first, has run by the time the race settles.
    if (this.lostReason === undefined) await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, LOSS_SETTLE_MS))]);
    return this.lostReason === undefined ? error : new DeviceLostError(ENGINE_NAME, this.lostReason, { cause: error });
  }

  /**
   * The compute pipeline for a WGSL source (entry point `main`), compiled once per device. Compilation errors
   * reject with the compiler's messages rather than surfacing later as an invalid pipeline.
   */
  pipeline(source: string): Promise<GPUComputePipeline> {
    let cached = this.pipelines.get(source);
    if (!cached) {
      cached = this.compile(source);
      this.pipelines.set(source, cached);
      cached.catch(() => this.pipelines.delete(source));
    }
    return cached;
  }

  private async compile(source: string): Promise<GPUComputePipeline> {
    const module = this.device.createShaderModule({ code: source });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === "error");
    if (errors.length > 0) {
      throw new Error(`WGSL compilation failed: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join("; ")}`);
    }
    try {
      return await this.device.createComputePipelineAsync({ layout: "auto", compute: { module, entryPoint: "main" } });
    } catch (e) {
      throw await this.explain(e);
    }
  }
}

/** Loads the `webgpu` package without a compile-time dependency: it is optional, and absent in browsers. */
type WebGpuModule = { create(options: string[]): GPU; globals: object };

let current: Promise<Gpu | string> | undefined;

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === "string";
}

async function gpuEntryPoint(): Promise<GPU | string> {
  if (!isNode()) {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    return gpu ?? "navigator.gpu is undefined (this browser has no WebGPU, or the page is not a secure context)";
  }
  let mod: WebGpuModule;
  try {
    const specifier = "webgpu";
    mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as WebGpuModule;
  } catch (e) {
    return `the optional package "webgpu" cannot be loaded (${e instanceof Error ? e.message : String(e)}); run \`npm install webgpu@0.6.2\``;
  }
  Object.assign(globalThis, mod.globals);
  return mod.create([]);
}

async function createDevice(): Promise<Gpu | string> {
  const gpu = await gpuEntryPoint();
  if (typeof gpu === "string") return `no WebGPU adapter: ${gpu}`;
  // Browsers sometimes return null once while the GPU process starts; one retry is what they recommend.
  const adapter = (await gpu.requestAdapter()) ?? (await gpu.requestAdapter());
  if (!adapter) {
    return "no WebGPU adapter: requestAdapter() returned null (no Vulkan/Metal/D3D12 driver; on Linux without a GPU run `sudo bash .ci/setup-webgpu.sh` to install Mesa's lavapipe)";
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredLimits });
  const l = device.limits;
  const limits: DeviceLimits = {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    minStorageBufferOffsetAlignment: l.minStorageBufferOffsetAlignment,
  };
  return new Gpu(device, limits, gpu);
}

/**
 * The shared device, created on the first call; or, when WebGPU is unavailable, the reason as a string starting
 * with "no WebGPU adapter:". The answer is cached, so declining costs nothing after the first probe.
 */
export async function acquireDevice(): Promise<Gpu | string> {
  const pending = (current ??= createDevice().catch((e: unknown) => `no WebGPU adapter: device creation failed (${e instanceof Error ? e.message : String(e)})`));
  const gpu = await pending;
  if (typeof gpu === "string" || !gpu.disposed) return gpu;
  // A lost device (driver reset, destroyed) is replaced on next use rather than failing every later call.
  if (current === pending) current = undefined;
  return acquireDevice();
}

/** Whether WebGPU works here: true, or why not (the reason `accepts` gives). Creates the shared device. */
export async function webgpuAvailable(): Promise<true | string> {
  const gpu = await acquireDevice();
  return typeof gpu === "string" ? gpu : true;
}

/** The shared device; throws with the reason when there is none (hooks run only after `accepts` agreed). */
export async function requireDevice(): Promise<Gpu> {
  const gpu = await acquireDevice();
  if (typeof gpu === "string") throw new Error(gpu);
  return gpu;
}

/**
 * Destroys the device and its pooled buffers and drops every reference, so the next use starts afresh. Resident
 * matrices of the old device become unusable. Node exits by itself afterwards (and, with webgpu 0.6.2, before).
 */
export async function disposeDevice(): Promise<void> {
  const pending = current;
  current = undefined;
  const gpu = pending ? await pending : undefined;
  if (gpu && typeof gpu !== "string") gpu.destroy();
}
