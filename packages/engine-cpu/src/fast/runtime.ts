/**
 * The fast path's runtime: the compiled kernel module, the WebAssembly memory the kernels work in, a bump
 * allocator over it, and the worker pool (or the calling thread when threads are off). Engine calls take the
 * runtime one at a time; when it has been idle a while, the pool and the memory are released.
 */
import type { FloatArray, TraceRecorder } from "@plugml/core";
import { Pacer, throwIfAborted } from "../cancel.js";
import { WorkerPool, hardwareThreads, threadsAvailable } from "../parallel/pool.js";
import { buildKernelModule } from "../wasm/kernels.js";

const PAGE = 65536;
/** Bytes below the first allocation: the pool's chunk counter lives at address 0. */
const RESERVED = 64;
const ALIGN = 64;

/** Options of {@link KernelRuntime.create}. */
export interface RuntimeOptions {
  /** Worker threads: 0 runs kernels on the calling thread; `"auto"` uses every core. */
  threads: number | "auto";
  /** Milliseconds of inactivity after which workers and memory are released. */
  idleMs: number;
}

/**
 * Runs `kernel(chunk, slot, ...args)` for every chunk in `[0, chunks)`; once the call's signal is aborted, no
 * further chunk starts and the promise rejects with core's `AbortError`.
 */
export type RunKernel = (kernel: string, chunks: number, args: readonly number[]) => Promise<void>;

/** Bump allocation in the kernel memory for the duration of one engine call; views are taken after allocating. */
export class Arena {
  private top = RESERVED;

  constructor(private readonly memory: WebAssembly.Memory) {}

  /** Reserves `bytes` (64-byte aligned), growing the memory if needed, and returns their address. */
  alloc(bytes: number): number {
    const at = Math.ceil(this.top / ALIGN) * ALIGN;
    this.top = at + bytes;
    const short = this.top - this.memory.buffer.byteLength;
    if (short > 0) this.memory.grow(Math.ceil(short / PAGE));
    return at;
  }

  /** The current end of the allocations, to {@link release} back to. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, length);
  }

  f64(at: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, at, length);
  }

  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, at, length);
  }

  /** A view of `length` elements of the dtype that `like` has. */
  floats(like: FloatArray, at: number, length: number): FloatArray {
    return like instanceof Float32Array ? this.f32(at, length) : this.f64(at, length);
  }
}

const modules = new Map<boolean, WebAssembly.Module>();

function kernelModule(shared: boolean): WebAssembly.Module {
  let module = modules.get(shared);
  if (!module) {
    module = new WebAssembly.Module(buildKernelModule({ shared, initialPages: 1, maximumPages: 65536 }));
    modules.set(shared, module);
  }
  return module;
}

/** Whether this platform runs WebAssembly SIMD (checked by validating a one-instruction module). */
export function simdAvailable(): boolean {
  if (typeof WebAssembly !== "object") return false;
  // (module (func (result v128) v128.const i32x4 0 0 0 0))
  const probe = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, ...new Array(16).fill(0), 11);
  return WebAssembly.validate(probe);
}

function newMemory(shared: boolean): WebAssembly.Memory {
  // A shared memory reserves its maximum up front; fall back to 1 GiB where 4 GiB of address space is refused.
  for (const maximum of [65536, 16384]) {
    try {
      return new WebAssembly.Memory({ initial: 16, maximum, shared });
    } catch (error) {
      if (maximum === 16384) throw error;
    }
  }
  throw new Error("unreachable");
}

/** Kernel module, memory and threads of one engine instance. */
export class KernelRuntime {
  private queue: Promise<unknown> = Promise.resolve();
  private users = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private memory: WebAssembly.Memory | undefined;
  private pool: WorkerPool | undefined;
  private local: Record<string, (...args: number[]) => void> | undefined;

  private constructor(
    /** Worker threads (0: kernels run on the calling thread). */
    readonly threads: number,
    /** Why that many, for the trace. */
    readonly threadsReason: string,
    private readonly idleMs: number,
  ) {}

  /** A runtime, or undefined where WebAssembly SIMD is unavailable (threads fall back to 0 where unsupported). */
  static create(options: RuntimeOptions): KernelRuntime | undefined {
    if (!simdAvailable()) return undefined;
    const wanted = options.threads === "auto" ? hardwareThreads() : Math.max(0, options.threads);
    if (!threadsAvailable()) {
      return new KernelRuntime(0, "no shared memory for workers here (a browser page that is not cross-origin isolated, or no SharedArrayBuffer)", options.idleMs);
    }
    const reason =
      options.threads === "auto" ? `threads: "auto", one worker per core (${wanted})` : wanted === 0 ? "threads: 0 asked for" : `threads: ${wanted} asked for`;
    return new KernelRuntime(wanted, reason, options.idleMs);
  }

  /** Number of accumulator slots kernels may use: one per thread. */
  get slots(): number {
    return Math.max(1, this.threads);
  }

  /**
   * Runs `body` with the runtime to itself: a fresh {@link Arena} and a way to run kernels. Calls queue up, so
   * concurrent engine calls never share the memory. With `signal`, the kernels it runs stop between chunks once it
   * is aborted (see {@link RunKernel}), and a call aborted while it waits its turn does not start.
   */
  exclusive<T>(body: (arena: Arena, run: RunKernel) => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.users++;
    clearTimeout(this.idleTimer);
    const result = this.queue.then(() => {
      throwIfAborted(signal);
      // One pacer for the whole call: on this thread, short kernel tasks add up to long stretches between yields.
      const pacer = new Pacer(signal);
      return body(new Arena(this.ensureMemory()), (kernel, chunks, args) => this.run(kernel, chunks, args, signal, pacer));
    });
    this.queue = result.then(
      () => this.leave(),
      () => this.leave(),
    );
    return result;
  }

  /** Releases workers and memory now; the next call starts afresh. */
  dispose(): void {
    clearTimeout(this.idleTimer);
    this.pool?.terminate();
    this.pool = undefined;
    this.memory = undefined;
    this.local = undefined;
  }

  private leave(): void {
    if (--this.users > 0) return;
    this.idleTimer = setTimeout(() => this.dispose(), this.idleMs);
    // An idle engine must not keep a Node process alive.
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  private ensureMemory(): WebAssembly.Memory {
    this.memory ??= newMemory(this.threads > 0);
    return this.memory;
  }

  private async run(kernel: string, chunks: number, args: readonly number[], signal: AbortSignal | undefined, pacer: Pacer): Promise<void> {
    throwIfAborted(signal);
    const memory = this.ensureMemory();
    // A single chunk is not worth a round trip to the workers (small calls, such as predicting one row).
    if (this.threads > 0 && chunks > 1) {
      this.pool ??= new WorkerPool(this.threads, kernelModule(true), memory);
      return this.pool.run(kernel, chunks, args, signal);
    }
    this.local ??= new WebAssembly.Instance(kernelModule(this.threads > 0), { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
    const fn = this.local[kernel];
    // On this thread, chunk by chunk, letting the event loop (and an abort) in now and then.
    for (let chunk = 0; chunk < chunks; chunk++) {
      if (pacer.due) await pacer.pause();
      fn(chunk, 0, ...args);
    }
  }
}

/** How an engine's hooks use the fast path: its runtime (none on the pure-TypeScript path) and its limits. */
export interface FastPath {
  runtime: KernelRuntime | undefined;
  /** Why there is no runtime, when there is none. */
  noRuntimeReason?: string;
  /** Multiply-adds below which a call stays on the pure-TypeScript kernels (copying into kernel memory costs more). */
  minWork: number;
  /** Bytes the chunk buffers of one call may take. */
  workingMemory: number;
}

/**
 * The runtime to compute `work` multiply-adds on, or undefined for the pure-TypeScript kernels; records in the
 * call's trace how many threads that means and why.
 */
export function runtimeFor(path: FastPath, work: number, record: Pick<TraceRecorder, "threads">): KernelRuntime | undefined {
  const { runtime } = path;
  if (!runtime) {
    record.threads(1, `pure-TypeScript kernels on the calling thread: ${path.noRuntimeReason ?? "no WebAssembly SIMD runtime"}`);
    return undefined;
  }
  if (work < path.minWork) {
    record.threads(1, `pure-TypeScript kernels on the calling thread: ${work} multiply-adds is below fastPathMinWork (${path.minWork})`);
    return undefined;
  }
  if (runtime.threads === 0) record.threads(1, `WebAssembly SIMD on the calling thread: ${runtime.threadsReason}`);
  else record.threads(runtime.threads, `WebAssembly SIMD on ${runtime.threads} worker threads: ${runtime.threadsReason}`);
  return runtime;
}
