// Property-based comparison of every engine with an exact reference, on random well-formed data across each dtype's
// range: magnitudes from 1e-30 to 1e30 (float32 up to its maximum, float64 over its whole range), values on a coarse
// grid so that duplicates, ties and constant columns are common. An engine either returns the reference's answer
// (rounded to the dtype) or declines with a reason; a wrong answer, NaN for finite input or an error fails.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import {
  EngineDeclinedError,
  KMeans,
  Matrix,
  NearestNeighbors,
  StandardScaler,
  addWarningListener,
  registerEngine,
  unregisterEngine,
  type DType,
  type NeighborsMetric,
} from "@plugml/core";
import { createCpuEngine } from "@plugml/engine-cpu";
import { createWebGPUEngine, webgpuAvailable } from "@plugml/engine-webgpu";

const hasWebGPU = (await webgpuAvailable()) === true;
if (process.env.CI && !hasWebGPU) throw new Error("CI needs a WebGPU adapter for the cross-engine properties");
/** Every engine under test: the CPU's SIMD path (forced even for tiny inputs), its pure-TypeScript path, WebGPU. */
const ENGINES = ["cpu-simd", "cpu-ts", ...(hasWebGPU ? ["webgpu"] : [])];
const RUNS = Number(process.env.PLUGML_PROPERTY_RUNS ?? 150);

const tally = { cases: 0, compared: 0, declined: new Map<string, number>() };
let stopWarnings: () => void;
beforeAll(() => {
  registerEngine(createCpuEngine({ name: "cpu-simd", fastPathMinWork: 0 }));
  registerEngine(createCpuEngine({ name: "cpu-ts", wasm: false }));
  if (hasWebGPU) registerEngine(createWebGPUEngine({ minElements: 0 }));
  // Duplicate-heavy data makes ConvergenceWarnings expected; they are the subject of other tests.
  stopWarnings = addWarningListener(() => {});
});
afterAll(async () => {
  stopWarnings();
  for (const name of ENGINES) await unregisterEngine(name);
  const declines = [...tally.declined].map(([k, v]) => `${k}: ${v}`).join(", ");
  console.log(`cross-engine properties: ${tally.cases} random cases, ${tally.compared} engine results compared with the reference; declines: ${declines || "none"}`);
});

/** A data set: n x d values on a grid of small integers times 10^exponent, so ties and duplicates are frequent. */
interface Case {
  dtype: DType;
  n: number;
  d: number;
  exponent: number;
  values: number[];
}

const caseArb = (maxRows: number): fc.Arbitrary<Case> =>
  fc
    .record({
      dtype: fc.constantFrom<DType>("float32", "float64"),
      n: fc.integer({ min: 2, max: maxRows }),
      d: fc.integer({ min: 1, max: 6 }),
      // Magnitudes 1e-30..1e30 for both dtypes, and now and then the extremes of the dtype itself.
      exponent: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -30, max: 30 }) }, { weight: 1, arbitrary: fc.constantFrom(-300, -200, -40, 37, 38, 200, 300) }),
      constantColumn: fc.boolean(),
      seed: fc.integer(),
    })
    .map(({ dtype, n, d, exponent, constantColumn, seed }) => {
      // float32 cannot hold 1e+/-200 or 1e300: those exponents become its own extremes.
      const e = dtype === "float32" ? Math.max(-37, Math.min(38, exponent)) : exponent;
      let state = seed >>> 0 || 1;
      const next = () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 16) % 7;
      const values = Array.from({ length: n * d }, (_, i) => (constantColumn && i % d === 0 ? 2 : next() - 3) * 10 ** e);
      return { dtype, n, d, exponent: e, values };
    });

function matrixOf(c: Case, values = c.values, rows = c.n): Matrix {
  const data = c.dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
  return new Matrix(data, rows, c.d);
}

/** A power of two that brings the largest magnitude near 1, so exact float64 arithmetic neither overflows nor underflows. */
function scaleFor(...arrays: ArrayLike<number>[]): number {
  let max = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]));
  return max === 0 ? 1 : 2 ** -Math.floor(Math.log2(max));
}

/**
 * Exact distance between row i of A and row j of B (float64 on scaled values, unscaled at the end). Cosine follows
 * scikit-learn's `normalize`: a row whose norm is below 10 epsilons of the dtype is left as it is
 * (`_handle_zeros_in_scale`), so a zero or tiny row is at distance about 1 from everything.
 */
function distance(A: Matrix, i: number, B: Matrix, j: number, metric: NeighborsMetric, s: number): number {
  const d = A.cols;
  let acc = 0;
  let na = 0;
  let nb = 0;
  for (let f = 0; f < d; f++) {
    const a = A.data[i * d + f] * s;
    const b = B.data[j * d + f] * s;
    const diff = Math.abs(a - b);
    if (metric === "euclidean") acc += diff * diff;
    else if (metric === "manhattan") acc += diff;
    else if (metric === "chebyshev") acc = Math.max(acc, diff);
    else {
      acc += a * b;
      na += a * a;
      nb += b * b;
    }
  }
  if (metric === "euclidean") return Math.sqrt(acc) / s;
  if (metric === "manhattan" || metric === "chebyshev") return acc / s;
  const tiny = 10 * (A.dtype === "float32" ? 2 ** -23 : Number.EPSILON);
  // In scaled units: a normalised row is divided by its scaled norm, a row left as it is by s itself.
  const norm = (squares: number) => (Math.sqrt(squares) / s < tiny ? s : Math.sqrt(squares));
  const sim = acc / norm(na) / norm(nb);
  return Math.min(Math.max(1 - sim, 0), 2);
}

/**
 * The precision an engine computes a dtype in: WebGPU computes in float32 whatever the input (documented in
 * docs/engines/webgpu.md, and recorded as a conversion in the trace); the CPU engine in the input's dtype.
 */
function precision(engine: string, dtype: DType): DType {
  return engine === "webgpu" ? "float32" : dtype;
}

/** Relative tolerance of a computation in `dtype`. */
const tolerance = (dtype: DType, loose = 1) => (dtype === "float32" ? 1e-4 : 1e-9) * loose;

/** Whether `actual` is the reference rounded to the result's dtype, within the tolerance of the engine's precision. */
function close(actual: number, exact: number, dtype: DType, scale: number, computed: DType): boolean {
  const expected = dtype === "float32" ? Math.fround(exact) : exact;
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= tolerance(computed) * Math.max(Math.abs(expected), scale);
}

/** Runs `call` on one engine without fallback: the result, or undefined (counted) when the engine declined. */
async function onEngine<T>(engine: string, call: (engine: string) => Promise<T>): Promise<T | undefined> {
  try {
    const result = await call(engine);
    tally.compared++;
    return result;
  } catch (e) {
    if (!(e instanceof EngineDeclinedError)) throw e;
    expect(e.reasons.length).toBeGreaterThan(0);
    tally.declined.set(engine, (tally.declined.get(engine) ?? 0) + 1);
    return undefined;
  }
}

describe("every engine agrees with the exact reference on random data across the dtype's range", () => {
  it("NearestNeighbors.kneighbors: distances, and indices whose distance is the one reported", async () => {
    const metricArb = fc.constantFrom<NeighborsMetric>("euclidean", "manhattan", "chebyshev", "cosine");
    await fc.assert(
      fc.asyncProperty(caseArb(40), metricArb, fc.integer({ min: 1, max: 5 }), async (c, metric, kWanted) => {
        tally.cases++;
        const train = matrixOf(c);
        // Queries: exact copies of training rows (distance 0, duplicates) and new grid rows.
        const m = Math.min(c.n, 8);
        const queryValues = c.values.slice(0, m * c.d).map((v, i) => (i % 3 === 1 ? -v : v));
        const queries = matrixOf(c, queryValues, m);
        const k = Math.min(kWanted, c.n);
        const s = scaleFor(train.data, queries.data);
        const magnitude = 1 / s;
        for (const engine of ENGINES) {
          const found = await onEngine(engine, async (name) => {
            const nn = await new NearestNeighbors({ nNeighbors: k, metric }).setComputationalEngine(name, { fallback: false }).fit(train);
            return nn.kneighbors(queries);
          });
          if (!found) continue;
          for (let q = 0; q < m; q++) {
            const exact = Array.from({ length: c.n }, (_, t) => distance(queries, q, train, t, metric, s)).sort((a, b) => a - b);
            const seen = new Set<number>();
            for (let j = 0; j < k; j++) {
              const idx = found.indices.get(q, j);
              const dist = found.distances.data[q * k + j];
              const where = `${engine} ${metric} ${c.dtype} 1e${c.exponent} query ${q} neighbour ${j}`;
              expect({ where, ok: Number.isInteger(idx) && idx >= 0 && idx < c.n && !seen.has(idx) }).toEqual({ where, ok: true });
              seen.add(idx);
              const scale = metric === "cosine" ? 1 : magnitude;
              const computed = precision(engine, c.dtype);
              expect({ where, dist, ok: close(dist, exact[j], c.dtype, scale, computed) }).toEqual({ where, dist, ok: true });
              const own = distance(queries, q, train, idx, metric, s);
              expect({ where, idx, ok: close(dist, own, c.dtype, scale, computed) }).toEqual({ where, idx, ok: true });
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("StandardScaler: mean_ and var_ equal the exact column statistics", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(60), async (c) => {
        tally.cases++;
        const X = matrixOf(c);
        for (const engine of ENGINES) {
          const scaler = await onEngine(engine, (name) => new StandardScaler().setComputationalEngine(name, { fallback: false }).fit(X));
          if (!scaler) continue;
          for (let j = 0; j < c.d; j++) {
            const col = Array.from({ length: c.n }, (_, i) => X.data[i * c.d + j]);
            const s = scaleFor(col);
            const mean = col.reduce((a, v) => a + v * s, 0) / c.n;
            const variance = col.reduce((a, v) => a + (v * s - mean) ** 2, 0) / c.n;
            const where = `${engine} ${c.dtype} 1e${c.exponent} column ${j}`;
            // Statistics are float64 whatever X's dtype; an engine computing in float32 is held to float32's precision.
            const exactMean = mean / s;
            const exactVar = variance / s / s;
            const tol = tolerance(precision(engine, c.dtype));
            const magnitude = 1 / s;
            expect({ where, mean: scaler.mean_![j], ok: Math.abs(scaler.mean_![j] - exactMean) <= tol * magnitude }).toEqual({ where, mean: scaler.mean_![j], ok: true });
            const v = scaler.var_![j];
            // A variance beyond float64 must be Infinity; one within it must match to the tolerance, in the column's
            // scaled units (a constant column's rounding residue included) or, where it underflows, as a number.
            const scaledOk = Number.isFinite(v) && Math.abs(v * s * s - variance) <= tol;
            const unscaledOk = Number.isFinite(exactVar) ? Math.abs(v - exactVar) <= Math.max(tol * exactVar, 2 ** -1022) : v === Infinity;
            const varOk = scaledOk || unscaledOk;
            expect({ where, v, exactVar, ok: varOk && v >= 0 }).toEqual({ where, v, exactVar, ok: true });
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("KMeans: finite centers, every label at its nearest center, inertia as the labels give it", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(60), fc.integer({ min: 1, max: 4 }), async (c, kWanted) => {
        tally.cases++;
        const X = matrixOf(c);
        const k = Math.min(kWanted, c.n);
        const init = Array.from({ length: k }, (_, r) => c.values.slice(r * c.d, (r + 1) * c.d));
        for (const engine of ENGINES) {
          const km = await onEngine(engine, (name) =>
            new KMeans({ nClusters: k, init, maxIter: 20 }).setComputationalEngine(name, { fallback: false }).fit(X),
          );
          if (!km) continue;
          const C = km.clusterCenters_;
          const s = scaleFor(X.data, C.data);
          const where = `${engine} ${c.dtype} 1e${c.exponent} k=${k}`;
          expect({ where, finite: Array.from(C.data).every(Number.isFinite) }).toEqual({ where, finite: true });
          let inertia = 0;
          for (let i = 0; i < c.n; i++) {
            const dists = Array.from({ length: k }, (_, j) => distance(X, i, C, j, "euclidean", s) * s);
            const nearest = Math.min(...dists);
            const own = dists[km.labels_[i]];
            const tol = tolerance(precision(engine, c.dtype));
            expect({ where, i, ok: own <= nearest * (1 + tol) + tol * 2 ** -20 }).toEqual({ where, i, ok: true });
            inertia += own * own;
          }
          const exactInertia = inertia / s / s;
          const tol = tolerance(precision(engine, c.dtype), 10);
          // The floor: the data's own rounding in the engine's precision, over n squared distances.
          const floor = (c.n / s / s) * (precision(engine, c.dtype) === "float32" ? 1e-6 : 1e-15);
          const ok = Number.isFinite(exactInertia) ? Math.abs(km.inertia_ - exactInertia) <= tol * Math.max(exactInertia, floor) + floor : km.inertia_ === Infinity;
          expect({ where, inertia: km.inertia_, exactInertia, ok }).toEqual({ where, inertia: km.inertia_, exactInertia, ok: true });
        }
      }),
      { numRuns: RUNS },
    );
  });
});
