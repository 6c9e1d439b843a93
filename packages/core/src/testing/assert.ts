/** Assertions of the conformance kit, with messages that say which value differs and by how much. */

/** Throws unless `actual` deep-equals `expected` (structural, via JSON). */
export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${clip(e)}, got ${clip(a)}`);
}

/** Throws unless |actual - expected| <= rtol * max(1, |expected|). */
export function assertClose(actual: number, expected: number, rtol: number, what: string): void {
  if (!(Math.abs(actual - expected) <= rtol * Math.max(1, Math.abs(expected)))) {
    throw new Error(`${what}: expected ${expected}, got ${actual} (rtol ${rtol})`);
  }
}

/** A number or nested arrays of numbers (a matrix as rows, say): what the assertions compare. */
export type NestedNumbers = number | readonly NestedNumbers[];

/** Element-wise {@link assertClose} over equally shaped nested arrays, naming the first differing position. */
export function assertAllClose(actual: NestedNumbers, expected: NestedNumbers, rtol: number, what: string, at = ""): void {
  if (typeof expected === "number") {
    if (typeof actual !== "number") throw new Error(`${what}${at}: expected a number, got ${clip(JSON.stringify(actual))}`);
    return assertClose(actual, expected, rtol, `${what}${at}`);
  }
  if (typeof actual === "number" || actual.length !== expected.length) {
    throw new Error(`${what}${at}: expected ${expected.length} entries, got ${typeof actual === "number" ? "a number" : actual.length}`);
  }
  expected.forEach((e, i) => assertAllClose(actual[i], e, rtol, what, `${at}[${i}]`));
}

function clip(s: string | undefined): string {
  return s === undefined ? "undefined" : s.length > 300 ? `${s.slice(0, 300)}...` : s;
}
