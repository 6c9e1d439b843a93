import { ValidationError } from "../errors.js";

/** The element types a {@link Matrix} can hold. */
export type DType = "float32" | "float64";
/** Typed array backing a {@link Matrix}. */
export type FloatArray = Float32Array | Float64Array;

/**
 * A dense row-major matrix of float32 or float64 values: plugml's host data type.
 *
 * Element (i, j) lives at `data[i * cols + j]`. The constructor does not copy `data`.
 */
export class Matrix<T extends FloatArray = FloatArray> {
  constructor(
    readonly data: T,
    readonly rows: number,
    readonly cols: number,
  ) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new ValidationError(`Matrix shape must be non-negative integers, got ${rows} x ${cols}.`);
    }
    if (data.length !== rows * cols) {
      throw new ValidationError(
        `Matrix data has ${data.length} values but the shape ${rows} x ${cols} needs ${rows * cols}.`,
      );
    }
  }

  /** `"float32"` or `"float64"`, from the backing array. */
  get dtype(): DType {
    return this.data instanceof Float32Array ? "float32" : "float64";
  }

  /**
   * Builds a matrix from nested arrays (copied into a Float64Array) or from a typed array and a shape (not copied).
   * Ragged rows are a {@link ValidationError} naming the row.
   */
  static from(rows: readonly (readonly number[])[]): Matrix<Float64Array>;
  static from<T extends FloatArray>(data: T, rows: number, cols: number): Matrix<T>;
  static from(
    source: readonly (readonly number[])[] | FloatArray,
    rows?: number,
    cols?: number,
  ): Matrix {
    if (source instanceof Float32Array || source instanceof Float64Array) {
      if (rows === undefined || cols === undefined) {
        throw new ValidationError("Matrix.from(typedArray, rows, cols) needs both rows and cols.");
      }
      return new Matrix(source, rows, cols);
    }
    return fromNested(source, "Matrix.from");
  }

  /** Zero-filled matrix of the given shape and dtype. */
  static zeros(rows: number, cols: number, dtype: DType = "float64"): Matrix {
    const data = dtype === "float32" ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
    return new Matrix(data, rows, cols);
  }

  /** Element at row `i`, column `j`. */
  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  /** Row `i` as a view sharing memory with the matrix. */
  row(i: number): T {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols) as T;
  }

  /** Copy as nested number arrays. */
  toArray(): number[][] {
    const out: number[][] = new Array(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = Array.from(this.row(i));
    return out;
  }

  /** Same values in the other precision (or this matrix itself when the dtype already matches). */
  astype(dtype: DType): Matrix {
    if (dtype === this.dtype) return this;
    const data = dtype === "float32" ? Float32Array.from(this.data) : Float64Array.from(this.data);
    return new Matrix(data, this.rows, this.cols);
  }
}

/**
 * Copies rows (number arrays or float typed arrays) into a matrix of `dtype` (float64 by default), reporting the
 * first ragged row. `where` names the argument.
 */
export function fromNested(source: readonly (readonly number[])[], where: string): Matrix<Float64Array>;
export function fromNested(source: readonly (readonly number[] | FloatArray)[], where: string, dtype: DType): Matrix;
export function fromNested(source: readonly (readonly number[] | FloatArray)[], where: string, dtype: DType = "float64"): Matrix {
  const rows = source.length;
  const cols = rows === 0 ? 0 : (source[0]?.length ?? 0);
  const data = dtype === "float32" ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = source[i];
    const typed = row instanceof Float32Array || row instanceof Float64Array;
    if (!typed && !Array.isArray(row)) throw new ValidationError(`${where}: row ${i} is not an array.`);
    if (row.length !== cols) {
      throw new ValidationError(`${where}: ragged rows, row ${i} has ${row.length} values but row 0 has ${cols}.`);
    }
    if (typed) data.set(row, i * cols);
    else for (let j = 0; j < cols; j++) data[i * cols + j] = row[j];
  }
  return new Matrix(data, rows, cols);
}
