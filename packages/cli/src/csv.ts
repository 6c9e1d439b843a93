/**
 * Reading a numeric CSV file as a stream into a growing typed array: one pass, records parsed by csv-parse, every
 * cell checked, and a bad row reported by file, line and column.
 */
import { createReadStream } from "node:fs";
import { parse, CsvError } from "csv-parse";
import { Matrix, type DType } from "@plugml/core";
import { CliError, UsageError } from "./errors.js";

/** How the file is written. */
export interface CsvFormat {
  /** Field separator (default `","`). */
  delimiter?: string;
  /** `true`: the first row names the columns; `false`: it is data; `undefined`: a header if any cell of it is not a number. */
  header?: boolean;
}

/** Which fields become features and which one is the target, decided once the first row is known. */
export interface ColumnPlan {
  /** Field indexes (0-based) of the feature columns, in the order the model sees them. */
  features: number[];
  /** Field index of the target column; `kind` says whether its cells must be numbers or are taken as labels. */
  target?: { index: number; kind: "number" | "label" };
}

/** What the first row told: the header's names, if there is one, and the number of fields of every row. */
export interface CsvShape {
  /** Column names from the header row; `undefined` for a file without one. */
  columns?: string[];
  /** Fields per row. */
  nFields: number;
}

/** A CSV file read into a matrix. */
export interface CsvTable extends CsvShape {
  /** The feature columns, row-major, in the requested dtype. */
  X: Matrix;
  /** The plan that selected the columns. */
  plan: ColumnPlan;
  /** The target column: numbers when the plan said `"number"`, the cells as written when `"label"`. */
  target?: Float64Array | string[];
}

/** Options of {@link readCsv}. */
export interface ReadCsvOptions extends CsvFormat {
  dtype?: DType;
  /** Chooses the columns from the first row (throw a {@link CliError} to refuse the file). */
  plan(shape: CsvShape): ColumnPlan;
}

/** `column 3 ("sepal_width")` (1-based), or `column 3` in a file without a header. */
export function columnLabel(index: number, columns: readonly string[] | undefined): string {
  return columns ? `column ${index + 1} (${JSON.stringify(columns[index])})` : `column ${index + 1}`;
}

/** A cell as a finite number, or undefined. `Number` alone would read "" and " " as 0. */
function toNumber(cell: string): number | undefined {
  const v = Number(cell);
  if (v === 0 && cell.trim() === "") return undefined;
  return Number.isFinite(v) ? v : undefined;
}

function notANumber(cell: string): string {
  const v = cell.trim() === "" ? NaN : Number(cell);
  return Number.isNaN(v) ? `${JSON.stringify(cell)} is not a number` : `${JSON.stringify(cell)} is not a finite number`;
}

/** The csv-parse options of both passes. */
function parserOptions(delimiter: string, info: boolean) {
  return { delimiter, info, relax_column_count: true, trim: true, bom: true, skip_empty_lines: true } as const;
}

/**
 * A bad record, told by its index among the records; its line is found afterwards (see {@link lineOfRecord}).
 * `message` gets the line of the first record (a short row's message names it).
 */
class BadRecord {
  constructor(
    readonly record: number,
    readonly message: (firstLine: () => Promise<number>) => string | Promise<string>,
  ) {}
}

/**
 * The line (1-based, where the record ends) of record `index` (0-based, empty lines not counted): a second pass
 * with csv-parse's per-record info, which costs about as much as the parse itself, paid only when a row is bad.
 */
async function lineOfRecord(path: string, delimiter: string, index: number): Promise<number> {
  const parser = createReadStream(path).pipe(parse({ ...parserOptions(delimiter, true), to: index + 1 }));
  let line = 0;
  for await (const { info } of parser as AsyncIterable<{ info: { lines: number } }>) line = info.lines;
  return line;
}

/**
 * Reads `path` as a stream (never as one string) into a Float64Array or Float32Array that doubles when full. A
 * non-numeric feature cell, a row with another number of fields than the first, or a CSV syntax error is a
 * {@link CliError} such as `data.csv:1234: column 3 ("sepal_width"): "abc" is not a number`. Empty lines are skipped;
 * fields are trimmed; a UTF-8 byte order mark is ignored.
 */
export async function readCsv(path: string, options: ReadCsvOptions): Promise<CsvTable> {
  const { delimiter = ",", dtype = "float64" } = options;
  const input = createReadStream(path);
  // No per-record info (it costs more than the parse): a bad record is told by its index, its line found later.
  const parser = input.pipe(parse(parserOptions(delimiter, false)));
  // pipe() does not forward the file's errors (a missing file): the parser fails with them instead.
  input.on("error", (e) => parser.destroy(e));
  let shape: CsvShape | undefined;
  let plan: ColumnPlan | undefined;
  let values: Float64Array | Float32Array = new Float64Array(0);
  let rows = 0;
  let records = 0;
  let numericTarget: Float64Array | undefined;
  let labelTarget: string[] | undefined;
  const alloc = (n: number) => (dtype === "float32" ? new Float32Array(n) : new Float64Array(n));
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const index = records++;
      if (!shape) {
        const isHeader = options.header ?? record.some((cell) => toNumber(cell) === undefined);
        shape = { nFields: record.length, ...(isHeader && { columns: record }) };
        plan = options.plan(shape);
        values = alloc(1024 * plan.features.length);
        if (plan.target?.kind === "number") numericTarget = new Float64Array(1024);
        else if (plan.target) labelTarget = [];
        if (isHeader) continue;
      }
      const p = plan!;
      if (record.length !== shape.nFields) {
        const n = record.length;
        const expected = shape.nFields;
        throw new BadRecord(index, async (firstLine) => `${n} field${n === 1 ? "" : "s"}, expected ${expected} (as in line ${await firstLine()})`);
      }
      const cols = p.features.length;
      if ((rows + 1) * cols > values.length) {
        const grown = alloc(values.length * 2);
        grown.set(values);
        values = grown;
      }
      const base = rows * cols;
      for (let j = 0; j < cols; j++) {
        const field = p.features[j];
        const v = toNumber(record[field]);
        if (v === undefined) {
          const message = `${columnLabel(field, shape.columns)}: ${notANumber(record[field])}`;
          throw new BadRecord(index, () => message);
        }
        values[base + j] = v;
      }
      if (p.target) {
        const cell = record[p.target.index];
        if (numericTarget) {
          const v = toNumber(cell);
          if (v === undefined) {
            const message = `${columnLabel(p.target.index, shape.columns)} (the target): ${notANumber(cell)}`;
            throw new BadRecord(index, () => message);
          }
          if (rows === numericTarget.length) {
            const grown = new Float64Array(rows * 2);
            grown.set(numericTarget);
            numericTarget = grown;
          }
          numericTarget[rows] = v;
        } else {
          if (cell === "") {
            const message = `${columnLabel(p.target.index, shape.columns)} (the target) is empty`;
            throw new BadRecord(index, () => message);
          }
          labelTarget!.push(cell);
        }
      }
      rows++;
    }
  } catch (e) {
    input.destroy();
    if (e instanceof BadRecord) {
      const line = await lineOfRecord(path, delimiter, e.record);
      throw new CliError(`${path}:${line}: ${await e.message(() => lineOfRecord(path, delimiter, 0))}`);
    }
    if (e instanceof CliError) throw e;
    if (e instanceof CsvError) throw new CliError(`${path}:${(e as CsvError & { lines?: number }).lines ?? 0}: ${e.message}`);
    const code = (e as { code?: string }).code;
    if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
    throw e;
  }
  if (!shape || !plan || rows === 0) throw new CliError(`${path}: no data rows`);
  const cols = plan.features.length;
  const data = values.length === rows * cols ? values : values.slice(0, rows * cols);
  const target = numericTarget ? numericTarget.slice(0, rows) : labelTarget;
  return { ...shape, X: new Matrix(data, rows, cols), plan, ...(target && { target }) };
}

/**
 * The field index a `--target` or `--drop` value names: a header name first, else a 1-based column number (the
 * numbering of error messages).
 */
export function resolveColumn(spec: string, shape: CsvShape, option: string): number {
  const byName = shape.columns?.indexOf(spec) ?? -1;
  if (byName >= 0) return byName;
  if (/^[1-9][0-9]*$/.test(spec)) {
    const n = Number(spec);
    if (n <= shape.nFields) return n - 1;
    throw new UsageError(`${option} ${spec}: the file has ${shape.nFields} column${shape.nFields === 1 ? "" : "s"}`);
  }
  const names = shape.columns ? `; its columns are ${shape.columns.map((c) => JSON.stringify(c)).join(", ")}` : " (it has no header row, so name columns by number, from 1)";
  throw new UsageError(`${option} ${JSON.stringify(spec)}: no such column${names}`);
}
