/**
 * The worker pool: threads (worker_threads in Node, Web Workers in a browser) that run chunked kernels over one
 * shared WebAssembly memory. Workers start on the first task; between tasks they are unreferenced, so an idle pool
 * never keeps a Node process alive, and whoever owns the pool terminates it when it has been idle a while.
 */
import { abortError } from "../cancel.js";
import { WORKER_SOURCE } from "./worker-source.js";

/** One platform thread: a Node worker or a Web Worker behind the same few calls. */
export interface PlatformWorker {
  post(message: unknown): void;
  /** Called with `null` when a task is done, or the error text when it failed. */
  onReply(listener: (reply: string | null) => void): void;
  /** Called when the worker itself fails or exits while the pool holds it (it will not reply). */
  onFailure(listener: (error: unknown) => void): void;
  /** Whether this worker keeps the process alive (a no-op in browsers). */
  keepAlive(on: boolean): void;
  terminate(): void;
}

function nodeWorker(): PlatformWorker {
  const { Worker } = process.getBuiltinModule("node:worker_threads");
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  return {
    post: (message) => worker.postMessage(message),
    onReply: (listener) => worker.on("message", listener),
    onFailure: (listener) => {
      worker.on("error", listener);
      // An exit without an error event (the thread stopped from outside) would otherwise leave a task waiting.
      worker.on("exit", (code) => listener(new Error(`engine-cpu worker exited with code ${code}.`)));
    },
    keepAlive: (on) => (on ? worker.ref() : worker.unref()),
    terminate: () => void worker.terminate(),
  };
}

function browserWorker(): PlatformWorker {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  return {
    post: (message) => worker.postMessage(message),
    onReply: (listener) => worker.addEventListener("message", (event) => listener(event.data as string | null)),
    onFailure: (listener) => worker.addEventListener("error", listener),
    keepAlive: () => undefined,
    terminate: () => worker.terminate(),
  };
}

const inNode = typeof process === "object" && typeof process.versions?.node === "string";

/** Threads available to the pool: the cores this process may use. */
export function hardwareThreads(): number {
  if (inNode) return process.getBuiltinModule("node:os").availableParallelism();
  return typeof navigator === "object" ? navigator.hardwareConcurrency || 1 : 1;
}

/** Whether this platform can run the pool: shared memory, Atomics and workers (a cross-origin isolated page). */
export function threadsAvailable(): boolean {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return false;
  if (inNode) return typeof process.getBuiltinModule === "function";
  return typeof Worker === "function" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** Creates one platform worker; the pool's default starts a Node worker or a Web Worker running {@link WORKER_SOURCE}. */
export type WorkerFactory = () => PlatformWorker;

const platformWorker: WorkerFactory = () => (inNode ? nodeWorker() : browserWorker());

/** Value the chunk counter is set to on abort: above any chunk count, so every worker's next take ends its loop. */
const STOP = 1 << 30;

/** A fixed number of workers running kernels of one module on one shared memory, one task at a time. */
export class WorkerPool {
  private workers: PlatformWorker[] = [];
  /**
   * The running task: the workers whose reply it still awaits, the first failure reported, and, with a signal,
   * how to stop listening to it.
   */
  private pending:
    | { resolve(): void; reject(error: unknown): void; awaiting: Set<PlatformWorker>; failure?: unknown; signal?: AbortSignal; unlisten(): void }
    | undefined;

  /**
   * @param size number of workers; kernels receive the worker's index in `[0, size)` as their `slot`.
   * @param memory shared memory of the kernels; its first Int32 is the counter workers take chunk numbers from.
   * @param createWorker starts one worker (tests substitute workers that fail on cue).
   */
  constructor(
    readonly size: number,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly createWorker: WorkerFactory = platformWorker,
  ) {}

  /**
   * Runs `kernel(chunk, slot, ...args)` for every chunk in `[0, chunks)`, spread over the workers; resolves when
   * all chunks are done, rejects with the first error. A kernel error is reported once every worker has stopped
   * taking chunks; a worker that dies instead takes the whole pool down with it (see {@link fail}). Aborting
   * `signal` stops the hand-out of chunks: the chunks already running finish, and once every worker has replied
   * the task rejects with core's `AbortError`, leaving the pool ready for the next task.
   */
  run(kernel: string, chunks: number, args: readonly number[], signal?: AbortSignal): Promise<void> {
    if (this.pending) return Promise.reject(new Error("WorkerPool: a task is already running."));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.workers.length === 0) this.start();
    const counter = new Int32Array(this.memory.buffer, 0, 1);
    Atomics.store(counter, 0, 0);
    return new Promise<void>((resolve, reject) => {
      const stop = () => Atomics.store(counter, 0, STOP);
      signal?.addEventListener("abort", stop, { once: true });
      const unlisten = () => signal?.removeEventListener("abort", stop);
      this.pending = { resolve, reject, awaiting: new Set(this.workers), signal, unlisten };
      this.workers.forEach((worker, slot) => {
        worker.keepAlive(true);
        worker.post({ kernel, chunks, slot, args });
      });
    });
  }

  /** Terminates the workers; a later {@link run} starts new ones. */
  terminate(): void {
    this.fail(new Error("WorkerPool: terminated while a task was running."));
  }

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = this.createWorker();
      worker.onReply((reply) => this.done(worker, reply === null ? undefined : new Error(`engine-cpu worker: ${reply}`)));
      worker.onFailure((error) => {
        if (this.workers.includes(worker)) this.fail(error);
      });
      worker.post({ module: this.module, memory: this.memory });
      this.workers.push(worker);
    }
  }

  private done(worker: PlatformWorker, failure: unknown): void {
    worker.keepAlive(false);
    const task = this.pending;
    // A reply from a worker the task no longer waits for (one terminated with a failed pool) is stale.
    if (!task?.awaiting.delete(worker)) return;
    task.failure ??= failure;
    if (task.awaiting.size > 0) return;
    this.pending = undefined;
    task.unlisten();
    if (task.failure !== undefined) task.reject(task.failure);
    else if (task.signal?.aborted) task.reject(abortError(task.signal));
    else task.resolve();
  }

  /**
   * Terminates every worker and rejects the running task, if any. The surviving workers may still be taking chunk
   * numbers from the shared counter: left running, they would take the next task's chunks with this task's kernel
   * and arguments, and their replies would count towards it. The next {@link run} starts a fresh set.
   */
  private fail(error: unknown): void {
    const workers = this.workers;
    this.workers = [];
    for (const worker of workers) worker.terminate();
    const task = this.pending;
    this.pending = undefined;
    task?.unlisten();
    task?.reject(error);
  }
}
