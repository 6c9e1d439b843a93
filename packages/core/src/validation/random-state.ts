/**
 * Seeded pseudo-random numbers for everything random in plugml (initialisation, shuffling), so that a given
 * `randomState` reproduces a fit exactly, in every engine and every JavaScript runtime. scikit-learn's
 * `check_random_state` counterpart; the generator is xoshiro128** (not numpy's Mersenne Twister, so sequences
 * differ from scikit-learn's).
 */
import { ValidationError } from "../errors.js";
import { formatValue } from "./format.js";
import type { ParamSpec } from "./params.js";

const TWO_POW_32 = 4294967296;
const MAX_SEED = TWO_POW_32 - 1;

/**
 * A small, fast, seeded generator: xoshiro128** (Blackman and Vigna), its 128-bit state filled from the 32-bit seed
 * by splitmix32. Period 2^128 - 1; passes BigCrush for the 32-bit outputs used here.
 */
export class RandomState {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed an integer in [0, 2^32 - 1]; the same seed always gives the same sequence. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
      throw new ValidationError(`RandomState seed must be an integer in [0, ${MAX_SEED}], got ${formatValue(seed)}.`);
    }
    // splitmix32 (a Weyl sequence through the murmur3 finaliser) spreads the seed's bits over the state, so nearby
    // seeds give unrelated streams; the all-zero state, xoshiro's one fixed point, is guarded below anyway.
    let x = seed | 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32 random bits as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = rotl(n3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (every representable multiple of 2^-53 equally likely). */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), without modulo bias. `n` must be an integer in [1, 2^53]. */
  randInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > Number.MAX_SAFE_INTEGER + 1) {
      throw new ValidationError(`RandomState.randInt: n must be an integer in [1, 2^53], got ${formatValue(n)}.`);
    }
    if (n <= TWO_POW_32) {
      // Reject the top partial block of 2^32 so every residue is equally likely; at most half the draws are
      // rejected, and for small n almost none.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let r = this.nextUint32();
      while (r >= limit) r = this.nextUint32();
      return r % n;
    }
    // Beyond 32 bits the 53-bit double's bias is below n / 2^53, far under anything observable.
    return Math.floor(this.random() * n);
  }

  /** An independent generator in the same state: both produce the same stream from here on. */
  clone(): RandomState {
    const copy = new RandomState(0);
    copy.assign(this);
    return copy;
  }

  /** Puts this generator in `other`'s state (after an engine drew from a clone, the stream it left off at). */
  assign(other: RandomState): void {
    this.s0 = other.s0;
    this.s1 = other.s1;
    this.s2 = other.s2;
    this.s3 = other.s3;
  }

  /** A random ordering of 0..n-1 (Fisher-Yates), like numpy's `permutation(n)`. */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
      throw new ValidationError(`RandomState.permutation: n must be an integer in [0, 2^31 - 1], got ${formatValue(n)}.`);
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.randInt(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Turns a `randomState` parameter into a generator: `undefined` gives a fresh, unpredictable one (seeded from
 * `Math.random`), an integer in [0, 2^32 - 1] a deterministic one, and a {@link RandomState} is returned as is (so
 * successive calls share and advance its stream). Anything else is a {@link ValidationError}.
 *
 * @param estimator prefix for the error message, e.g. `"KMeans"`.
 */
export function checkRandomState(seed?: number | RandomState, estimator?: string): RandomState {
  if (seed === undefined) return new RandomState(Math.floor(Math.random() * TWO_POW_32));
  if (seed instanceof RandomState) return seed;
  if (typeof seed === "number" && Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED) {
    return new RandomState(seed);
  }
  const prefix = estimator === undefined ? "" : `${estimator}: `;
  throw new ValidationError(
    `${prefix}randomState must be an integer in [0, ${MAX_SEED}], a RandomState or undefined, got ${formatValue(seed)}.`,
  );
}

/** Schema entry for a `randomState` constructor parameter (undefined is the default and needs no rule). */
export const randomStateParam: ParamSpec = [
  { kind: "int", min: 0, max: MAX_SEED },
  { kind: "custom", description: "a RandomState", check: (v) => (v instanceof RandomState ? undefined : "") },
];
