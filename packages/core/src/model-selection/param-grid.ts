/** Parameter grids: scikit-learn's `ParameterGrid`, expanded in its order. */
import { ValidationError } from "../errors.js";
import { formatValue } from "../validation/format.js";

/** One grid: each parameter name with the values to try. */
export type ParamGridDict = Readonly<Record<string, readonly unknown[]>>;

/** What GridSearchCV searches: one grid, or several whose candidates are concatenated. */
export type ParamGrid = ParamGridDict | readonly ParamGridDict[];

/**
 * Every combination of the grid's values, as scikit-learn's `ParameterGrid` lists them: grid after grid; within a
 * grid the parameter names sorted, the last name varying fastest. An empty grid gives one candidate, `{}`.
 * Throws a `ValidationError` for a value that is not a non-empty array (scikit-learn's wording).
 */
export function expandParamGrid(grid: ParamGrid, fn: string): Record<string, unknown>[] {
  const grids = Array.isArray(grid) ? (grid as readonly ParamGridDict[]) : [grid as ParamGridDict];
  const candidates: Record<string, unknown>[] = [];
  for (const one of grids) {
    if (typeof one !== "object" || one === null || Array.isArray(one)) {
      throw new ValidationError(`${fn}: paramGrid must be an object of parameter names to arrays of values, or an array of such objects, got ${formatValue(one)}.`);
    }
    // scikit-learn sorts with Python's str ordering (code points); the names here are ASCII identifiers in practice.
    const names = Object.keys(one).sort();
    for (const name of names) {
      const values = one[name];
      if (!Array.isArray(values)) {
        throw new ValidationError(
          `${fn}: the parameter grid for parameter "${name}" needs to be an array, but got ${formatValue(values)} instead. Single values need to be wrapped in an array with one element.`,
        );
      }
      if (values.length === 0) throw new ValidationError(`${fn}: the parameter grid for parameter "${name}" needs to be a non-empty array, got [].`);
    }
    let combos: Record<string, unknown>[] = [{}];
    for (const name of names) combos = combos.flatMap((c) => one[name].map((v) => ({ ...c, [name]: v })));
    candidates.push(...combos);
  }
  return candidates;
}
