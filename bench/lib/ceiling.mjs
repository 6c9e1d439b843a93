// This machine's ceiling for WebAssembly SIMD arithmetic: the best of kernels that do nothing but multiply and add
// (independent chains in registers, or multiply-accumulate over vectors that stay in L1), on one thread and on every
// core at once. A distance kernel does at least that much work per element, so it is the yardstick the speed bench
// divides by ("% of ceiling").
//
// WebAssembly SIMD has no fused multiply-add, so one multiply and one add count as 2 floating-point operations,
// as they do in the bench's GFLOP/s figures.
import { Worker } from "node:worker_threads";
import os from "node:os";
import { F32, F64, I32, V128, ModuleBuilder } from "../../packages/engine-cpu/dist/wasm/emitter.js";

/** Independent accumulator chains: enough to cover the multiply and add latencies, few enough to stay in registers. */
const CHAINS = [8, 12, 14];
const ITERATIONS = 20_000_000;

/**
 * Kernel shapes per dtype, `(iterations) -> scalar`: `peak_*` runs `acc = acc * 0.5 + 1` on every chain (it
 * converges to 2, never denormal), `stream_*` runs `acc += x[j] * 0.5` over 16-byte vectors of memory, `block_*`
 * is the KNN micro-kernel's register block (the fastest on this machine: its multiplies are independent).
 */
function ceilingModule() {
  const m = new ModuleBuilder({ shared: false, initialPages: 1, maximumPages: 1 });
  for (const [dtype, splat, mul, add, lane, scalar] of [
    ["f32", "f32x4.splat", "f32x4.mul", "f32x4.add", "f32x4.extract_lane", F32],
    ["f64", "f64x2.splat", "f64x2.mul", "f64x2.add", "f64x2.extract_lane", F64],
  ]) {
    for (const chains of CHAINS) {
      m.func([I32], [scalar], (f) => {
        const i = f.local(I32);
        const half = f.local(V128);
        const one = f.local(V128);
        const acc = Array.from({ length: chains }, () => f.local(V128));
        const constant = (v) => (dtype === "f32" ? f.f32(v) : f.f64(v));
        constant(0.5).op(splat).set(half);
        constant(1).op(splat).set(one);
        for (const a of acc) f.get(one).set(a);
        f.forRange(i, () => f.i32(0), () => f.get(0), 1, () => {
          for (const a of acc) f.get(a).get(half).op(mul).get(one).op(add).set(a);
        });
        f.get(acc[0]);
        for (const a of acc.slice(1)) f.get(a).op(add);
        f.lane(lane, 0);
      }, `peak_${dtype}_${chains}`);
      // The shape of a distance micro-kernel: acc += x[j] * c, x streamed from L1 (one 16-byte load per
      // multiply-add), the multiplies independent and only the adds chained.
      m.func([I32], [scalar], (f) => {
        const i = f.local(I32);
        const c = f.local(V128);
        const acc = Array.from({ length: chains }, () => f.local(V128));
        (dtype === "f32" ? f.f32(0.5) : f.f64(0.5)).op(splat).set(c);
        f.forRange(i, () => f.i32(0), () => f.get(0), 1, () => {
          acc.forEach((a, j) => f.get(a).i32(0).mem("v128.load", 16 * j).get(c).op(mul).op(add).set(a));
        });
        f.get(acc[0]);
        for (const a of acc.slice(1)) f.get(a).op(add);
        f.lane(lane, 0);
      }, `stream_${dtype}_${chains}`);
    }
    // The register block of the KNN micro-kernel: 2 vectors x 4 broadcasts per step, 8 accumulators.
    m.func([I32], [scalar], (f) => {
      const i = f.local(I32);
      const a = [f.local(V128), f.local(V128)];
      const b = Array.from({ length: 4 }, () => f.local(V128));
      const acc = Array.from({ length: 8 }, () => f.local(V128));
      const broadcast = dtype === "f32" ? "v128.load32_splat" : "v128.load64_splat";
      f.forRange(i, () => f.i32(0), () => f.get(0), 1, () => {
        a.forEach((v, j) => f.i32(0).mem("v128.load", 64 + 16 * j).set(v));
        b.forEach((v, j) => f.i32(0).mem(broadcast, 8 * j).set(v));
        acc.forEach((x, j) => f.get(x).get(a[j % 2]).get(b[j >> 1]).op(mul).op(add).set(x));
      });
      f.get(acc[0]);
      for (const x of acc.slice(1)) f.get(x).op(add);
      f.lane(lane, 0);
    }, `block_${dtype}`);
  }
  return new WebAssembly.Module(m.toBytes());
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
const instance = new WebAssembly.Instance(workerData.module, { env: { memory } });
// Best of three: the first long call may still run on V8's baseline compiler (Liftoff) before it tiers up.
parentPort.on("message", ({ name, iterations }) => {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    instance.exports[name](iterations);
    best = Math.min(best, performance.now() - start);
  }
  parentPort.postMessage(best);
});
`;

/**
 * GFLOP/s of the fastest multiply-add kernel shape, per dtype: on one thread, and on `threads` threads at once.
 * Takes about ten seconds.
 */
export async function simdCeiling(threads = os.availableParallelism()) {
  const module = ceilingModule();
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { module } }));
  const run = (worker, name) =>
    new Promise((resolve) => {
      worker.once("message", resolve);
      worker.postMessage({ name, iterations: ITERATIONS });
    });
  const flops = (dtype, chains) => ITERATIONS * chains * (dtype === "f32" ? 4 : 2) * 2;
  const result = {};
  try {
    for (const dtype of ["f32", "f64"]) {
      let single = 0;
      let all = 0;
      for (const [kind, chains] of [...CHAINS.flatMap((c) => [["peak", c], ["stream", c]]), ["block", 8]]) {
        const name = kind === "block" ? `block_${dtype}` : `${kind}_${dtype}_${chains}`;
        single = Math.max(single, flops(dtype, chains) / (await run(workers[0], name)) / 1e6);
        const ms = await Promise.all(workers.map((w) => run(w, name)));
        all = Math.max(all, (flops(dtype, chains) * threads) / Math.max(...ms) / 1e6);
      }
      result[dtype === "f32" ? "float32" : "float64"] = { oneThread: single, allThreads: all, threads };
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const c = await simdCeiling();
  for (const [dtype, v] of Object.entries(c)) {
    console.log(`${dtype}: ${v.oneThread.toFixed(1)} GFLOP/s on one thread, ${v.allThreads.toFixed(1)} GFLOP/s on ${v.threads} threads`);
  }
}
