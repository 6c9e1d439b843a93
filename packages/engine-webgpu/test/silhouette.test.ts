// The silhouette's cluster distance sums on the device: float32 sums within the documented tolerance of the CPU
// engine's float64, only n x nClusters sums read back, resident input used where it lies.
import { addTraceListener, silhouetteSamples, silhouetteScore, StandardScaler, withConfig, type TraceEntry } from "@plugml/core";
import { describeWebGPU } from "./adapter.js";
import { blobs, registerVariant } from "./helpers.js";

registerVariant("webgpu", { minElements: 0 });

const traced = async <R>(fn: () => Promise<R>): Promise<{ value: R; entries: TraceEntry[] }> => {
  const entries: TraceEntry[] = [];
  const stop = addTraceListener((e) => entries.push(e));
  try {
    return { value: await fn(), entries };
  } finally {
    stop();
  }
};
const on = <R>(engine: string, fn: () => Promise<R>) => withConfig({ engines: [engine], fallback: false }, fn);

describeWebGPU("silhouette on WebGPU", () => {
  const n = 3000;
  const d = 8;
  const k = 5;
  const X = blobs(n, d, k);
  const labels = Int32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? (i + 1) % k : i % k));

  it.each(["euclidean", "manhattan", "cosine"] as const)("%s: within 1e-4 of the CPU engine's float64, reading back n x k sums only", async (metric) => {

    const want = await on("cpu", () => silhouetteSamples(X.astype("float64"), labels, { metric }));
    const { value: got, entries } = await traced(() => on("webgpu", () => silhouetteSamples(X, labels, { metric })));
    got.forEach((s, i) => expect(Math.abs(s - want[i])).toBeLessThan(1e-4));
    const ran = entries.filter((e) => e.hook === "clusterDistanceSums" && e.outcome === "ran");
    expect(ran.map((e) => e.engine)).toEqual(["webgpu"]);
    expect(ran[0].bytesFromDevice).toBe(n * k * 4);
    // X, the row order (n u32) and the cluster offsets (k + 1 u32).
    expect(ran[0].bytesToDevice).toBe(n * d * 4 + n * 4 + (k + 1) * 4);
  });

  it("a resident X (a scaler's engine output) is used on the device, never read back", async () => {
    const scaler = await new StandardScaler().setComputationalEngine("webgpu", { fallback: false }).fit(X);
    const Z = await scaler.transform(X, { output: "engine" });
    const { value, entries } = await traced(() => on("webgpu", () => silhouetteScore(Z, labels)));
    const scaled = await scaler.transform(X);
    const host = await on("cpu", () => silhouetteScore(scaled, labels));
    expect(Math.abs(value - host)).toBeLessThan(1e-4);
    const ran = entries.find((e) => e.hook === "clusterDistanceSums")!;
    expect(ran.bytesToDevice).toBe(n * 4 + (k + 1) * 4);
    expect(ran.bytesFromDevice).toBe(n * k * 4);
  });

  it("declines data whose summed distances could overflow float32, and the CPU engine takes the call", async () => {
    const big = [[1e19, 0], [0, 1e19], [1e19, 1e19], [0, 0]];
    const { value, entries } = await traced(() => withConfig({ engines: ["webgpu", "cpu"] }, () => silhouetteScore(big, [0, 0, 1, 1])));
    expect(entries.filter((e) => e.hook === "clusterDistanceSums").map((e) => `${e.engine} ${e.outcome}`)).toEqual(["webgpu declined", "cpu ran"]);
    // scikit-learn: silhouette_score of the same points scaled by 1e-19 (silhouettes are scale-free).
    expect(value).toBeCloseTo(await silhouetteScore([[1, 0], [0, 1], [1, 1], [0, 0]], [0, 0, 1, 1]), 12);
  });
});
