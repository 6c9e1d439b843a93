/**
 * Reading untrusted JSON: a {@link JsonReader} wraps one value and the path that leads to it, so that every check
 * can say exactly where the input is wrong ("KMeans.fromJSON: fitted.labels[3] is 7, expected an integer in
 * [0, 1]"). Every failure is a {@link ValidationError}. Nothing here copies an input object before its keys were
 * checked, so a `"__proto__"` key (which `JSON.parse` creates as an own property) can never reach a prototype.
 */
import { ValidationError } from "../errors.js";
import { formatValue } from "../validation/format.js";

/** Keys that are refused wherever they appear, whatever the object: they name prototypes, not data. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** The strings that stand for the numbers JSON cannot write (see docs/saving-models.md). */
const SPECIAL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
  ["-0", -0],
  ["NaN", NaN],
]);

/** Which numbers a field admits: finite ones from `min` on, and `+Infinity` where `infinity` is set. */
export interface NumberRule {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  min?: number;
  exclusiveMin?: boolean;
  /** `+Infinity` is allowed (written `"Infinity"`); NaN and `-Infinity` never are. */
  infinity?: boolean;
}

/** Keys an object must have and may have. */
export interface ObjectShape {
  required: readonly string[];
  optional?: readonly string[];
}

/** One value of the input and where it sits in it. */
export class JsonReader {
  /**
   * @param where the message prefix, e.g. `"KMeans.fromJSON"`.
   * @param path the location inside the input, e.g. `"fitted.labels[3]"`; empty for the input itself.
   */
  constructor(
    readonly where: string,
    readonly value: unknown,
    readonly path = "",
  ) {}

  /** Throws a ValidationError: "<where>: <path> <problem>." */
  fail(problem: string): never {
    throw new ValidationError(`${this.where}: ${this.path === "" ? "the input" : this.path} ${problem}.`);
  }

  /** "is <value>, expected <what>". */
  expected(what: string): never {
    return this.fail(`is ${describe(this.value)}, expected ${what}`);
  }

  /**
   * Checks that the value is a plain object with exactly the allowed keys (every required one present, none
   * unknown, none naming a prototype) and returns the reader of each key present.
   */
  object(shape: ObjectShape): Record<string, JsonReader> {
    const record = this.plainObject();
    const allowed = [...shape.required, ...(shape.optional ?? [])];
    const fields: Record<string, JsonReader> = Object.create(null);
    for (const key of Object.keys(record)) {
      const child = this.key(key);
      if (FORBIDDEN_KEYS.has(key)) child.fail("is not allowed (keys that name prototypes are refused)");
      if (!allowed.includes(key)) child.fail(`is not a known key (expected ${allowed.join(", ")})`);
      fields[key] = new JsonReader(this.where, record[key], child.path);
    }
    for (const key of shape.required) if (!(key in fields)) this.key(key).fail("is missing");
    return fields;
  }

  /**
   * The reader of one key of an object, read before the object's keys are checked (the format name and version,
   * so that a file of another format is told as such); its value is undefined when the key is absent.
   */
  peek(key: string): JsonReader {
    const record = this.plainObject();
    const value = Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
    return new JsonReader(this.where, value, this.key(key).path);
  }

  /** The value as an array of readers, one per element; `length` checks the count. */
  array(length?: number): JsonReader[] {
    const items = this.arrayValue(length);
    return items.map((item, i) => new JsonReader(this.where, item, `${this.path}[${i}]`));
  }

  /** A string; with `values`, one of them. */
  string<S extends string>(values?: readonly S[]): S {
    const v = this.value;
    if (typeof v !== "string") this.expected(values ? values.map((s) => JSON.stringify(s)).join(" or ") : "a string");
    if (values && !values.includes(v as S)) this.expected(values.map((s) => JSON.stringify(s)).join(" or "));
    return v as S;
  }

  /** A non-empty string. */
  name(): string {
    const v = this.string();
    if (v === "") this.expected("a non-empty string");
    return v;
  }

  /** A boolean. */
  boolean(): boolean {
    if (typeof this.value !== "boolean") this.expected("a boolean");
    return this.value;
  }

  /** An integer in [min, max]. */
  int(min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.value;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) this.expected(intRange(min, max));
    return v;
  }

  /** A number under `rule` (finite by default), decoding the special strings. */
  number(rule: NumberRule = {}): number {
    return checkNumber(this.value, rule, (what) => this.expected(what));
  }

  /** An array of `length` numbers under `rule`, as float64 (or float32, whose values must be exact). */
  numbers(length: number | undefined, rule: NumberRule = {}, dtype: "float32" | "float64" = "float64"): Float64Array | Float32Array {
    const items = this.arrayValue(length);
    const out = dtype === "float32" ? new Float32Array(items.length) : new Float64Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const fail = (what: string): never => new JsonReader(this.where, items[i], `${this.path}[${i}]`).expected(what);
      const v = checkNumber(items[i], rule, fail);
      // A saved float32 model holds float32 values only: anything else was not written by toJSON.
      if (dtype === "float32" && Math.fround(v) !== v) fail("a float32 value (the dtype is float32)");
      out[i] = v;
    }
    return out;
  }

  /** An array of `length` integers in [min, max]. */
  ints(length: number | undefined, min: number, max: number): Int32Array {
    const items = this.arrayValue(length);
    const out = new Int32Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const v = items[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
        new JsonReader(this.where, v, `${this.path}[${i}]`).expected(intRange(min, max));
      }
      out[i] = v as number;
    }
    return out;
  }

  /**
   * The value as a record, if it is a plain object (what JSON.parse makes, in this realm or another): no array, no
   * class instance (whose prototype has a prototype of its own).
   */
  private plainObject(): Record<string, unknown> {
    const value = this.value;
    const proto: unknown = typeof value === "object" && value !== null ? Object.getPrototypeOf(value) : undefined;
    const plain = proto === null || (typeof proto === "object" && Object.getPrototypeOf(proto) === null);
    if (Array.isArray(value) || !plain) this.expected("an object");
    return value as Record<string, unknown>;
  }

  private key(key: string): JsonReader {
    return new JsonReader(this.where, undefined, this.path === "" ? key : `${this.path}.${key}`);
  }

  private arrayValue(length: number | undefined): readonly unknown[] {
    const v = this.value;
    if (!Array.isArray(v)) this.expected(length === undefined ? "an array" : `an array of ${length} values`);
    if (length !== undefined && v.length !== length) this.fail(`has ${v.length} values, expected ${length}`);
    return v;
  }
}

/**
 * A number as the format writes it: finite numbers as JSON numbers, and `"Infinity"`, `"-Infinity"`, `"-0"`,
 * `"NaN"` for the values JSON cannot write (JSON.stringify would turn the infinities and NaN into null, and -0
 * into 0). Whether a field admits them is up to its reader.
 */
export function encodeNumber(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return Object.is(v, -0) ? "-0" : v;
}

/** {@link encodeNumber} over an array. */
export function encodeNumbers(values: ArrayLike<number>): (number | string)[] {
  return Array.from(values, encodeNumber);
}

/** The special strings of {@link encodeNumber} as numbers; any other value is returned as it is. */
export function decodeNumber(value: unknown): unknown {
  return typeof value === "string" && SPECIAL_NUMBERS.has(value) ? SPECIAL_NUMBERS.get(value) : value;
}

function checkNumber(raw: unknown, rule: NumberRule, fail: (what: string) => never): number {
  const v = decodeNumber(raw);
  const what = describeRule(rule);
  if (typeof v !== "number" || Number.isNaN(v)) return fail(what);
  if (!Number.isFinite(v) && !(v === Infinity && rule.infinity)) return fail(what);
  if (rule.min !== undefined && (rule.exclusiveMin ? v <= rule.min : v < rule.min)) return fail(what);
  return v;
}

function describeRule(rule: NumberRule): string {
  const bound = rule.min === undefined ? "" : ` ${rule.exclusiveMin ? ">" : ">="} ${rule.min}`;
  return rule.infinity ? `a number${bound} or "Infinity"` : `a finite number${bound}`;
}

function intRange(min: number, max: number): string {
  if (min === max) return String(min);
  return max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
}

/** What the message says the value is: numbers, and the strings standing for them, as numbers. */
function describe(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string" && SPECIAL_NUMBERS.has(value)) return value;
  if (value === undefined) return "missing";
  return formatValue(value);
}
