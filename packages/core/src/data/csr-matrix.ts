import { ValidationError } from "../errors.js";
import { Matrix } from "./matrix.js";

/**
 * A sparse matrix in compressed sparse row form, as scipy's `csr_matrix`: the entries of row `i` are at positions
 * `indptr[i]` to `indptr[i + 1]` (exclusive) of `indices` (their columns) and `data` (their values). Returned by
 * the neighbour graphs (`kneighborsGraph`, `radiusNeighborsGraph`), whose rows list each query's neighbours in the
 * order the neighbour search gave them (see those methods). The constructor checks the structure and does not copy.
 */
export class CsrMatrix {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly data: Float64Array,
  ) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new ValidationError(`CsrMatrix shape must be non-negative integers, got ${rows} x ${cols}.`);
    }
    const nnz = indptr[rows];
    if (indptr.length !== rows + 1 || indptr[0] !== 0 || indices.length !== nnz || data.length !== nnz) {
      throw new ValidationError(
        `CsrMatrix needs indptr of rows + 1 = ${rows + 1} offsets from 0 and indices and data of indptr[rows] values, ` +
          `got ${indptr.length} offsets and ${indices.length} indices and ${data.length} values.`,
      );
    }
    for (let i = 0; i < rows; i++) {
      if (indptr[i + 1] < indptr[i]) throw new ValidationError(`CsrMatrix indptr decreases at row ${i}.`);
    }
    for (let s = 0; s < nnz; s++) {
      if (indices[s] < 0 || indices[s] >= cols) throw new ValidationError(`CsrMatrix column ${indices[s]} at ${s} is outside [0, ${cols}).`);
    }
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.indptr[this.rows];
  }

  /** Row `i`'s columns and values, as views sharing memory with the matrix. */
  row(i: number): { indices: Int32Array; data: Float64Array } {
    const from = this.indptr[i];
    const to = this.indptr[i + 1];
    return { indices: this.indices.subarray(from, to), data: this.data.subarray(from, to) };
  }

  /** The dense float64 matrix, zeros where nothing is stored (a repeated column would add up, as scipy's). */
  toDense(): Matrix<Float64Array> {
    const out = new Float64Array(this.rows * this.cols);
    for (let i = 0; i < this.rows; i++) {
      for (let s = this.indptr[i]; s < this.indptr[i + 1]; s++) out[i * this.cols + this.indices[s]] += this.data[s];
    }
    return new Matrix(out, this.rows, this.cols);
  }
}
