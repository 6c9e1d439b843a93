/**
 * Range checks. The device computes in float32: sums overflow to Infinity above 2^128, and GPUs may flush results
 * below 2^-126 (subnormals) to zero. So before anything is uploaded each hook checks, from the largest magnitude
 * of every input (one pass over host data; resident matrices carry a bound), that no value its kernels form can
 * overflow and that whatever may be flushed is below float32 rounding of the result, and declines with the bound
 * otherwise. As a last line of defence, non-finite values in what the device sends back decline the call too.
 *
 * The bounds follow from the arithmetic (docs/engines/webgpu.md lists them): a sum may reach 2^126 (a factor 4
 * below float32's largest value, for the rounding of partial sums), and a lost term below 2^-126 must be at most
 * 2^-24 (float32's unit roundoff) of the result's scale, so that scale must be at least 2^-102.
 */
import { NotSupportedByEngineError } from "@plugml/core";

/** Largest magnitude a device sum may reach. */
const HUGE = 2 ** 126;
/** Smallest normal float32: GPUs may flush anything smaller to zero. */
const TINY = 2 ** -126;
/** Smallest scale of a result at which losing a term below {@link TINY} is within float32 rounding (TINY / 2^-24). */
const FLOOR = 2 ** -102;

/** The distance kinds the range of a search depends on (minkowski with p = 1, 2, inf is computed as its exact form). */
export type DistanceKind = "euclidean" | "manhattan" | "chebyshev" | "minkowski" | "cosine";

/** Largest |value| of each column of a row-major host matrix: one pass. */
export function columnMaxAbs(data: Float32Array | Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0, o = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++, o++) {
      const v = data[o] < 0 ? -data[o] : data[o];
      if (v > out[j]) out[j] = v;
    }
  }
  return out;
}

/** Largest of a few magnitudes (0 for none). */
export function largest(...values: ArrayLike<number>[]): number {
  let max = 0;
  for (const v of values) for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i];
  return max;
}

const num = (x: number) => x.toExponential(1);

const tooLarge = (found: string, need: string, why: string) => `${found}: too large for the device's float32 arithmetic: ${need}, ${why}`;
const tooSmall = (found: string, need: string) =>
  `${found}: too small for the device's float32 arithmetic: ${need} (or all zero), since GPUs may flush results below 2^-126 to zero`;

/**
 * StandardScaler.fit on columns of largest magnitudes `maxAbs` over `rows` rows: the squared deviations summed
 * over a column reach rows * (2 max|x|)^2, which must stay below 2^126; below that, when every value is tiny, the
 * variance itself is so small that deviations flushed to zero matter (max|x| >= 2^-50 sqrt(n) keeps what may be
 * lost below 2^-24 of the variance).
 */
export function scalerFitRange(maxAbs: Float64Array, rows: number): true | string {
  const high = 2 ** 62 / Math.sqrt(rows);
  const low = 2 ** -50 * Math.sqrt(rows);
  for (let j = 0; j < maxAbs.length; j++) {
    const a = maxAbs[j];
    const found = `column ${j} has |x| up to ${num(a)}`;
    if (a > high) return tooLarge(found, `StandardScaler needs max |x| <= 2^62 / sqrt(n) = ${num(high)} per column for n = ${rows} rows`, "so that sums of squared deviations stay below 2^126");
    if (a > 0 && a < low) return tooSmall(found, `StandardScaler needs max |x| >= 2^-50 * sqrt(n) = ${num(low)} per column for n = ${rows} rows`);
  }
  return true;
}

/**
 * StandardScaler.transform (`(x - mean) / scale`) or inverseTransform (`x * scale + mean`) with the float32
 * coefficients `mean` and `scale` the kernel applies: the coefficients must be normal float32 numbers, and each
 * column's largest result must stay below 2^126 and, unless it is 0, reach 2^-102.
 */
export function scalerTransformRange(maxAbs: Float64Array, mean: Float32Array, scale: Float32Array, inverse: boolean): true | string {
  for (let j = 0; j < maxAbs.length; j++) {
    const a = maxAbs[j];
    const m = Math.abs(mean[j]);
    const s = scale[j];
    if (!(s >= TINY && s <= HUGE && m <= HUGE)) {
      return `column ${j}'s mean ${num(mean[j])} and scale ${num(s)} are outside the normal float32 range the device computes in (scale in [2^-126, 2^126], |mean| <= 2^126)`;
    }
    const result = inverse ? a * s + m : (a + m) / s;
    const found = `column ${j} has |x| up to ${num(a)}, giving results up to ${num(result)}`;
    const what = inverse ? "x * scale + mean" : "(x - mean) / scale";
    if (Math.max(result, inverse ? a * s : a + m) > HUGE) return tooLarge(found, `${what} must stay below 2^126`, "or it overflows");
    if (result > 0 && result < FLOOR) return tooSmall(found, `the column's largest ${what} must be >= 2^-102`);
  }
  return true;
}

/**
 * Normalizer.transform of data of largest magnitude `a` over `cols` features: the row sum (of |x| for l1, of x^2
 * for l2) must stay below 2^126; and data all below 2^-102 would lose terms flushed to zero beyond float32
 * rounding of the norms it is divided by.
 */
export function normalizerRange(norm: "l1" | "l2" | "max", cols: number, a: number): true | string {
  const high = norm === "l2" ? Math.sqrt(HUGE / cols) : norm === "l1" ? HUGE / cols : HUGE;
  const rule = norm === "l2" ? "d max|x|^2 <= 2^126" : norm === "l1" ? "d max|x| <= 2^126" : "max|x| <= 2^126";
  const found = `values with |x| up to ${num(a)}`;
  const need = (bound: string) => `the ${norm} norms of rows of ${cols} features need max |x| ${bound} (${rule})`;
  if (a > high) return tooLarge(found, need(`<= ${num(high)}`), "so that the row sums stay below 2^126");
  if (a > 0 && a < FLOOR) return tooSmall(found, need(">= 2^-102"));
  return true;
}

/** Largest and smallest admissible max|x| for distances of one kind over `cols` features, and the largest distance. */
function distanceBounds(kind: DistanceKind, p: number, cols: number, a: number): { high: number; low: number; rule: string; farthest: number } {
  switch (kind) {
    case "euclidean":
      return { high: 2 ** 62 / Math.sqrt(cols), low: 2 ** -39 * Math.sqrt(cols), rule: "d (2 max|x|)^2 <= 2^126, max|x| >= 2^-39 sqrt(d)", farthest: 2 * a * Math.sqrt(cols) };
    case "minkowski":
      return {
        high: (HUGE / cols) ** (1 / p) / 2,
        low: 2 ** 24 * (cols * TINY) ** (1 / p),
        rule: `d (2 max|x|)^p <= 2^126, max|x| >= 2^24 (d 2^-126)^(1/p), p = ${p}`,
        farthest: 2 * a * cols ** (1 / p),
      };
    case "manhattan":
      return { high: HUGE / (2 * cols), low: cols * FLOOR, rule: "d 2 max|x| <= 2^126, max|x| >= d 2^-102", farthest: 2 * a * cols };
    case "chebyshev":
      return { high: HUGE / 2, low: FLOOR, rule: "2 max|x| <= 2^126, max|x| >= 2^-102", farthest: 2 * a };
    case "cosine":
      // Row norms are summed squares; after normalising, every value is at most 1, and near-zero rows count as zero.
      return { high: Math.sqrt(HUGE / cols), low: 0, rule: "d max|x|^2 <= 2^126", farthest: 2 };
  }
}

/**
 * Distances of kind `kind` among data of largest magnitude `a` over `cols` features: the accumulated sum (of
 * squares, p-th powers, absolute differences) must stay below 2^126, and the data must not be so small that
 * differences flushed to zero exceed float32 rounding at the data's scale.
 */
export function distanceRange(kind: DistanceKind, p: number, cols: number, a: number): true | string {
  const { high, low, rule } = distanceBounds(kind, p, cols, a);
  const found = `values with |x| up to ${num(a)}`;
  const need = (bound: string) => `${kind} distances over ${cols} features need max |x| ${bound} (${rule})`;
  if (a > high) return tooLarge(found, need(`<= ${num(high)}`), "so that the sums stay below 2^126");
  if (a > 0 && a < low) return tooSmall(found, need(`>= ${num(low)}`));
  return true;
}

/**
 * Sums of `n` euclidean or manhattan distances among data of largest magnitude `a` over `cols` features (the
 * silhouette's): each distance as {@link distanceRange} requires, and n of the largest below 2^126.
 */
export function clusterSumsRange(metric: "euclidean" | "manhattan", cols: number, n: number, a: number): true | string {
  const distances = distanceRange(metric, metric === "euclidean" ? 2 : 1, cols, a);
  if (distances !== true) return distances;
  const farthest = distanceBounds(metric, metric === "euclidean" ? 2 : 1, cols, a).farthest;
  if (n * farthest > HUGE) {
    return tooLarge(`values with |x| up to ${num(a)}`, `sums of ${n} ${metric} distances up to ${num(farthest)} must stay below 2^126`, "or they overflow");
  }
  return true;
}

/**
 * Regression targets of largest magnitude `yMax` averaged over `k` neighbours: the sum of k targets must stay below
 * 2^126, and the targets, times the smallest distance weight (1 / the largest distance), must reach 2^-102.
 * (Distance weights of very close neighbours can still overflow a sum; the result check catches that.)
 */
export function targetsRange(yMax: number, k: number, kind: DistanceKind, p: number, cols: number, a: number, distanceWeights: boolean): true | string {
  const high = HUGE / k;
  const low = FLOOR * (distanceWeights ? Math.max(1, distanceBounds(kind, p, cols, a).farthest) : 1);
  const found = `regression targets with |y| up to ${num(yMax)}`;
  if (yMax > high) return tooLarge(found, `the mean of ${k} neighbours' targets needs |y| <= 2^126 / k = ${num(high)}`, "so that their sum stays below 2^126");
  if (yMax > 0 && yMax < low) return tooSmall(found, `the ${distanceWeights ? "distance-weighted " : ""}mean needs max |y| >= ${num(low)}`);
  return true;
}

/** Sample weights as the KMeans kernels see them: their sum and their smallest positive value. */
export interface WeightRange {
  sum: number;
  minPositive: number;
}

/** {@link WeightRange} of a weight vector; undefined when every weight is 1 (the kernels then read none). */
export function weightRange(w: Float64Array): WeightRange | undefined {
  let sum = 0;
  let minPositive = Infinity;
  let ones = true;
  for (let i = 0; i < w.length; i++) {
    sum += w[i];
    if (w[i] > 0 && w[i] < minPositive) minPositive = w[i];
    if (w[i] !== 1) ones = false;
  }
  return ones ? undefined : { sum, minPositive };
}

/**
 * KMeans on data and centers of largest magnitude `a`, `rows` x `cols`, with optional sample weights: squared
 * distances, the inertia (summed over rows, weighted) and, for a fit with a tolerance, the column variances must
 * stay below 2^126, as must the weighted sums; the data must not be so small that squared differences (or, for the
 * tolerance, the variances) flushed to zero matter; and each positive weight must stay a normal float32 number even
 * multiplied by the data (w >= 2^-100 and w max|x| >= 2^-102), or a cluster of light points could come out empty.
 */
export function kmeansRange(a: number, rows: number, cols: number, weights: WeightRange | undefined, withTolerance: boolean): true | string {
  const total = weights?.sum ?? rows;
  const mass = Math.max(rows, total);
  const high = Math.min(2 ** 62 / Math.sqrt(cols * mass), HUGE / total);
  const low = Math.max(2 ** -39 * Math.sqrt(cols), withTolerance ? 2 ** -50 * Math.sqrt(rows) : 0);
  const found = `values with |x| up to ${num(a)}`;
  const over = `${cols} features and ${rows} rows${weights ? ` of total weight ${num(total)}` : ""}`;
  if (total > HUGE) return tooLarge(`sample weights summing to ${num(total)}`, "KMeans needs a total weight <= 2^126", "the largest sum of weights the device forms");
  if (a > high) {
    return tooLarge(found, `KMeans over ${over} needs max |x| <= min(2^62 / sqrt(d max(n, sum w)), 2^126 / sum w) = ${num(high)}`, "so that squared distances, the inertia and the weighted sums stay below 2^126");
  }
  if (a > 0 && a < low) {
    const rule = withTolerance ? "max(2^-39 sqrt(d), 2^-50 sqrt(n))" : "2^-39 sqrt(d)";
    return tooSmall(found, `KMeans over ${over} needs max |x| >= ${rule} = ${num(low)}`);
  }
  if (weights) {
    const wLow = Math.max(2 ** -100, a > 0 ? FLOOR / a : 0);
    if (weights.minPositive < wLow) return tooSmall(`sample weights down to ${num(weights.minPositive)}`, `KMeans needs every positive weight >= max(2^-100, 2^-102 / max|x|) = ${num(wLow)}`);
  }
  return true;
}

/**
 * Throws `NotSupportedByEngineError`, so that the call declines and the next engine runs it, when `values` (a
 * result the device sent back, computed from finite input) holds NaN or an infinity: the last line of defence
 * should a range check above have missed an overflow.
 */
export function requireFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    // v - v is 0 for every finite v, NaN for NaN and both infinities.
    if (values[i] - values[i] !== 0) {
      throw new NotSupportedByEngineError(`the device computed ${values[i]} in ${what} from finite input (float32 overflow); the input is outside what it computes exactly`);
    }
  }
}

/** Declines the call (late, from inside a hook) unless `verdict` is true. */
export function requireInRange(verdict: true | string): void {
  if (verdict !== true) throw new NotSupportedByEngineError(verdict);
}
