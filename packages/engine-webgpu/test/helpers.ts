// Test data and engine registration shared by the WebGPU tests.
import { getEngine, Matrix, registerEngine, RandomState, type Engine } from "@plugml/core";
import { createWebGPUEngine, type WebGPUEngineOptions } from "@plugml/engine-webgpu";
import { requireDevice, type Gpu } from "../src/device.js";
import { SUBMISSION_MS, type PaceKind } from "../src/kernels/pacing.js";

/** Registers a WebGPU engine under another name, so that several configurations can coexist in one test file. */
export function registerVariant(name: string, options: WebGPUEngineOptions): string {
  if (!getEngine(name)) {
    const engine: Engine = { ...createWebGPUEngine(options), name };
    registerEngine(engine);
  }
  return name;
}

/** Gaussian blobs: `centers` clusters of `rows / centers` points in `cols` dimensions, float32. */
export function blobs(rows: number, cols: number, centers: number, seed = 0, offset = 0): Matrix<Float32Array> {
  const rng = new RandomState(seed);
  const means = Array.from({ length: centers }, () => Array.from({ length: cols }, () => rng.random() * 20 - 10));
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const m = means[i % centers];
    for (let j = 0; j < cols; j++) data[i * cols + j] = offset + m[j] + gaussian(rng);
  }
  return new Matrix(data, rows, cols);
}

/** Uniform random float32 data in [0, 1). */
export function uniform(rows: number, cols: number, seed: number): Matrix<Float32Array> {
  const rng = new RandomState(seed);
  return new Matrix(Float32Array.from({ length: rows * cols }, () => rng.random()), rows, cols);
}

function gaussian(rng: RandomState): number {
  return Math.sqrt(-2 * Math.log(1 - rng.random())) * Math.cos(2 * Math.PI * rng.random());
}

/** Largest |a - b| / max(1, |b|) over two equally long arrays. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

/** Runs `body` and returns how many buffers it took from the pool and had not given back when it settled. */
export async function outstandingAfter(gpu: Gpu, body: () => Promise<unknown>): Promise<number> {
  const { pool } = gpu;
  const taken = new Set<GPUBuffer>();
  const acquire = pool.acquire.bind(pool);
  const release = pool.release.bind(pool);
  pool.acquire = (bytes, usage) => {
    const buffer = acquire(bytes, usage);
    taken.add(buffer);
    return buffer;
  };
  pool.release = (buffer) => {
    taken.delete(buffer);
    release(buffer);
  };
  try {
    await body();
  } finally {
    delete (pool as Partial<typeof pool>).acquire;
    delete (pool as Partial<typeof pool>).release;
  }
  return taken.size;
}

/**
 * Lowers a kernel's speed estimate until one submission holds at most `units` of its work (as if the device were
 * that slow), so that a call spans several submissions on any device.
 */
export async function slowDown(kind: PaceKind, units: number): Promise<void> {
  const pace = (await requireDevice()).pace(kind);
  while (pace.budget > units) pace.observe(pace.budget, 10 * SUBMISSION_MS);
}

/**
 * Runs `body` with `fault` called from inside the `n`-th queue submission made meanwhile (right after it was
 * handed to the queue), and returns what `body` settled with and how many submissions followed the fault.
 */
export async function faultAtSubmit(n: number, fault: () => void, body: () => Promise<unknown>): Promise<{ error: unknown; faultedAt: number; submitsAfter: number }> {
  const queue = Object.getPrototypeOf((await requireDevice()).device.queue) as GPUQueue;
  const submit = queue.submit;
  let submits = 0;
  let faultedAt = 0;
  let submitsAfter = 0;
  queue.submit = function (this: GPUQueue, buffers: Iterable<GPUCommandBuffer>) {
    submits++;
    if (faultedAt) submitsAfter++;
    const result = submit.call(this, buffers);
    if (submits === n) {
      faultedAt = performance.now();
      fault();
    }
    return result;
  };
  try {
    const error = await body().then(() => undefined, (e: unknown) => e);
    return { error, faultedAt, submitsAfter };
  } finally {
    queue.submit = submit;
  }
}
