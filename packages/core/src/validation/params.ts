/**
 * Declarative validation of estimator constructor parameters (scikit-learn's `_parameter_constraints` and
 * `validate_parameter_constraints`). Each estimator declares a schema once and hands it, with its defaults, to
 * {@link validateParams}:
 *
 * ```ts
 * const kmeansParams = {
 *   nClusters: [{ kind: "int", min: 1 }],
 *   init: [{ kind: "oneOf", values: ["k-means++", "random"] }, matrixParam],
 *   nInit: [{ kind: "oneOf", values: ["auto"] }, { kind: "int", min: 1 }],
 *   randomState: randomStateParam, // from ./random-state.js
 * } satisfies ParamSchema;
 * this.params = validateParams("KMeans", given, kmeansParams, KMEANS_DEFAULTS);
 * ```
 */
import { ValidationError } from "../errors.js";
import { Matrix } from "../data/matrix.js";
import { formatValue, joinAlternatives, plural, typeName } from "./format.js";
import { suggestName } from "./suggest.js";

/** One accepted form of a parameter value. */
export type ParamRule =
  /** An integer (a `number` with no fractional part), optionally bounded (inclusive). */
  | { kind: "int"; min?: number; max?: number }
  /** A number other than NaN, optionally bounded; bounds are inclusive unless marked exclusive. */
  | { kind: "number"; min?: number; exclusiveMin?: boolean; max?: number; exclusiveMax?: boolean }
  /** `true` or `false`. */
  | { kind: "boolean" }
  /** One of the listed values, compared with `===`. */
  | { kind: "oneOf"; values: readonly unknown[] }
  /**
   * Anything else. `check` returns undefined to accept the value, or text to reject it: an empty string when the
   * value is simply not of this form, or a reason when it is of this form but wrong (the reason is added to the
   * message). `description` says what the rule accepts ("a 2-D array of numbers"); it defaults to "a valid value".
   */
  | { kind: "custom"; description?: string; check: (value: unknown) => string | undefined };

/** The accepted forms of one parameter: a value is valid when any rule accepts it. */
export type ParamSpec = readonly ParamRule[];

/** Parameter name to its accepted forms. Declare with `satisfies ParamSchema` to keep the literal rule types. */
export type ParamSchema = Readonly<Record<string, ParamSpec>>;

/** Accepts nested number arrays (rectangular) and Matrix objects; the values themselves are checked at fit time. */
export const matrixParam: ParamRule = {
  kind: "custom",
  description: "a 2-D array of numbers (number[][] or Matrix)",
  check(value) {
    if (value instanceof Matrix) return undefined;
    if (!Array.isArray(value) || value.length === 0 || !Array.isArray(value[0])) return "";
    const cols = (value[0] as unknown[]).length;
    for (let i = 0; i < value.length; i++) {
      const row: unknown = value[i];
      if (!Array.isArray(row)) return `row ${i} is ${typeName(row)}`;
      if (row.length !== cols) return `row ${i} has ${plural(row.length, "value")} but row 0 has ${cols}`;
    }
    return undefined;
  },
};

/**
 * Merges `given` over `defaults` after checking every given parameter against `schema`.
 *
 * A key of `given` whose value is `undefined` means "use the default", as an omitted keyword argument does in
 * Python. Throws a {@link ValidationError} for a parameter the schema does not know (suggesting the likely intended
 * name) or a value no rule accepts (saying what is allowed and what was given). Defaults are trusted, not checked.
 *
 * @param estimator class name used as the message prefix, e.g. `"KMeans"`.
 * @param given the user's parameters; `undefined` is treated as `{}`.
 * @param schema accepted forms of every parameter; must cover every key of `defaults`.
 */
export function validateParams<T extends object>(
  estimator: string,
  given: Readonly<Record<string, unknown>> | undefined,
  schema: NoInfer<{ readonly [K in keyof T]-?: ParamSpec }>,
  defaults: T,
): T {
  const out = { ...defaults } as Record<string, unknown>;
  if (given === undefined) return out as T;
  checkNamedParams(estimator, given);
  const rules = schema as ParamSchema;
  const names = Object.keys(rules);
  for (const key of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(rules, key)) {
      const guess = suggestName(key, names);
      const hint = guess === undefined ? "" : ` Did you mean "${guess}"?`;
      const list = names.length > 0 ? `Valid parameters: ${names.join(", ")}.` : `${estimator} takes no parameters.`;
      throw new ValidationError(`${estimator}: unknown parameter "${key}".${hint} ${list}`);
    }
    const value = given[key];
    if (value === undefined) continue;
    validateParam(estimator, key, value, rules[key]);
    out[key] = value;
  }
  return out as T;
}

/**
 * Throws the {@link ValidationError} for parameters not given as a plain object of names to values (an array, a
 * number, null), as the constructors and every `setParams` receive them. `where` prefixes the message.
 */
export function checkNamedParams(where: string, given: unknown): asserts given is Readonly<Record<string, unknown>> {
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new ValidationError(`${where}: parameters must be given as an object of named parameters, got ${formatValue(given)}.`);
  }
}

/**
 * Checks one parameter value against its accepted forms, for code that sets a single parameter (e.g. `setParams`).
 * Throws a {@link ValidationError} such as `KMeans: parameter nClusters must be an integer >= 1, got 0.`.
 */
export function validateParam(estimator: string, name: string, value: unknown, spec: ParamSpec): void {
  const reasons: string[] = [];
  for (const rule of spec) {
    const verdict = applyRule(rule, value);
    if (verdict === undefined) return;
    if (verdict !== "") reasons.push(verdict);
  }
  const allowed = joinAlternatives(spec.flatMap(describeRule));
  const detail = reasons.length > 0 ? ` (${reasons.join("; ")})` : "";
  throw new ValidationError(`${estimator}: parameter ${name} must be ${allowed}, got ${formatValue(value)}${detail}.`);
}

/** Human-readable forms a rule accepts, e.g. `["an integer >= 1"]` or `['"k-means++"', '"random"']`. */
export function describeRule(rule: ParamRule): string[] {
  switch (rule.kind) {
    case "int":
      return [`an integer${bounds(rule.min, false, rule.max, false)}`];
    case "number":
      return [`a number${bounds(rule.min, rule.exclusiveMin ?? false, rule.max, rule.exclusiveMax ?? false)}`];
    case "boolean":
      return ["a boolean"];
    case "oneOf":
      return rule.values.map(formatValue);
    case "custom":
      return [rule.description ?? "a valid value"];
  }
}

// undefined: accepted; "": not of this form; other text: of this form but wrong, and why.
function applyRule(rule: ParamRule, value: unknown): string | undefined {
  switch (rule.kind) {
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) return "";
      return inBounds(value, rule.min, false, rule.max, false) ? undefined : "";
    case "number":
      if (typeof value !== "number" || Number.isNaN(value)) return "";
      return inBounds(value, rule.min, rule.exclusiveMin ?? false, rule.max, rule.exclusiveMax ?? false)
        ? undefined
        : "";
    case "boolean":
      return typeof value === "boolean" ? undefined : "";
    case "oneOf":
      return rule.values.includes(value) ? undefined : "";
    case "custom":
      return rule.check(value);
  }
}

function inBounds(v: number, min: number | undefined, exMin: boolean, max: number | undefined, exMax: boolean): boolean {
  if (min !== undefined && (exMin ? v <= min : v < min)) return false;
  if (max !== undefined && (exMax ? v >= max : v > max)) return false;
  return true;
}

function bounds(min: number | undefined, exMin: boolean, max: number | undefined, exMax: boolean): string {
  if (min !== undefined && max !== undefined) return ` in ${exMin ? "(" : "["}${min}, ${max}${exMax ? ")" : "]"}`;
  if (min !== undefined) return ` ${exMin ? ">" : ">="} ${min}`;
  if (max !== undefined) return ` ${exMax ? "<" : "<="} ${max}`;
  return "";
}
