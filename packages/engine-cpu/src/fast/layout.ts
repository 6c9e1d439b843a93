/**
 * Data layouts the SIMD micro-kernels stream through: row blocks (R rows interleaved feature by feature, so that
 * one address serves R broadcasts) and column panels (W rows transposed, so that one feature of W rows is W
 * contiguous values).
 */
import type { DType, FloatArray, Matrix } from "@plugml/core";
import { exponentOf } from "../kernels/range.js";

/**
 * The dtype a kernel computes `a` against `b` in: theirs when they agree, float64 otherwise, as the pure-TypeScript
 * kernels (which read mixed inputs in float64) and scikit-learn's pairwise distances do. Rounding the float64 side
 * to float32 instead would change distances and break ties differently.
 */
export function commonDtype(a: Matrix, b: Matrix): DType {
  return a.dtype === b.dtype ? a.dtype : "float64";
}

/** Elements of {@link packRowBlocks}' output: `rows` rounded up to a multiple of `blockRows`, times `cols`. */
export function rowBlocksLength(rows: number, cols: number, blockRows: number): number {
  return Math.ceil(rows / blockRows) * blockRows * cols;
}

/**
 * Writes `src` (rows x cols, row-major) times `scale` (a power of two) as blocks of `blockRows` rows laid out
 * `[block][col][row]`, zero-padded.
 */
export function packRowBlocks(src: FloatArray, rows: number, cols: number, blockRows: number, out: FloatArray, scale = 1): void {
  out.fill(0);
  for (let i = 0; i < rows; i++) {
    const base = (i - (i % blockRows)) * cols + (i % blockRows);
    for (let f = 0; f < cols; f++) out[base + f * blockRows] = src[i * cols + f] * scale;
  }
}

/** Number of panels of `width` rows covering `rows`. */
export function panelCount(rows: number, width: number): number {
  return Math.ceil(rows / width);
}

/**
 * Writes `src` (rows x cols, row-major) times `scale` (a power of two) as panels of `width` rows laid out
 * `[panel][col][row]`; the missing rows of the last panel are filled with `pad`.
 */
export function packPanels(src: FloatArray, rows: number, cols: number, width: number, pad: number, out: FloatArray, scale = 1): void {
  const panels = panelCount(rows, width);
  for (let p = 0; p < panels; p++) {
    for (let j = 0; j < width; j++) {
      const i = p * width + j;
      const base = p * cols * width + j;
      if (i < rows) for (let f = 0; f < cols; f++) out[base + f * width] = src[i * cols + f] * scale;
      else for (let f = 0; f < cols; f++) out[base + f * width] = pad;
    }
  }
}

/** Squared euclidean norm of every row, in float64. */
export function squaredNorms(src: FloatArray, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let f = 0; f < cols; f++) s += src[i * cols + f] * src[i * cols + f];
    out[i] = s;
  }
  return out;
}

/**
 * Exponent of the power of two a float32 filter (the kernels' approximate distances, computed in the flavor's
 * precision) runs at: 0 for data whose largest magnitude lies within 2^+-40, where norms, dot products and their
 * error bounds stay well inside float32's range for any practical number of features; otherwise the exponent that
 * brings the largest magnitude to [2^19, 2^20). Values scaled below float32's normal range only blur the filter by
 * amounts its absolute slack covers. The exact distances the filter defers to are float64 on the unscaled data.
 */
export function filterShift(max: number): number {
  if (max === 0) return 0;
  const e = exponentOf(max);
  return e >= -40 && e <= 40 ? 0 : 19 - e;
}
