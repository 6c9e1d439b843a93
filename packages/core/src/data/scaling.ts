/** Exact rescaling by powers of two, which change no rounding: how core keeps sums of squares in float64's range. */

/**
 * The power of two that brings a magnitude `max` (> 0) to [1, 2): 2^-floor(log2(max)), clamped to 2^±1023 so that
 * the factor itself is finite for subnormal `max` (which it then brings to at least 2^-52, far from underflow).
 */
export function unitScale(max: number): number {
  return 2 ** Math.min(1023, Math.max(-1023, -Math.floor(Math.log2(max))));
}
