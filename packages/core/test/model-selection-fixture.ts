// scikit-learn 1.2.1's results for the metrics, model-selection and pipeline tests, written by
// scripts/sklearn-model-selection-cases.py (see there for how each case was computed).
import { readFileSync } from "node:fs";

/** The fixture as parsed JSON; each test reads the part it checks. */
export const reference: any = JSON.parse(readFileSync(new URL("./fixtures/sklearn-model-selection.json", import.meta.url), "utf8"));

/** A float array of the fixture (JSON `null` for NaN) as numbers. */
export function numbers(values: (number | null)[]): number[] {
  return values.map((v) => (v === null ? NaN : v));
}
