import { describe, expect, it } from "@jest/globals";
import { Matrix } from "../../src/data/matrix.js";
import { ValidationError } from "../../src/errors.js";
import { checkFeatureCount, checkMatrix, checkMinSamples, type MatrixInput } from "../../src/validation/input.js";

const fit = { estimator: "KMeans.fit", argument: "X" };

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).name).toBe("ValidationError");
    return (err as Error).message;
  }
  throw new Error("expected a ValidationError");
}

describe("checkMatrix", () => {
  it("copies nested arrays into a float64 matrix", () => {
    const source = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const m = checkMatrix(source, fit);
    expect(m.dtype).toBe("float64");
    expect(m.rows).toBe(2);
    expect(m.cols).toBe(3);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    source[0][0] = 99;
    expect(m.get(0, 0)).toBe(1);
  });

  it("returns a Matrix as is, keeping float32", () => {
    const m32 = new Matrix(new Float32Array([1, 2, 3, 4]), 2, 2);
    expect(checkMatrix(m32, fit)).toBe(m32);
    expect(checkMatrix(m32, fit).dtype).toBe("float32");
    const m64 = new Matrix(new Float64Array([1, 2]), 1, 2);
    expect(checkMatrix(m64, fit)).toBe(m64);
  });

  it("accepts a Matrix-shaped object from another copy of the package without copying its data", () => {
    const data = new Float32Array([1, 2, 3]);
    const m = checkMatrix({ data, rows: 3, cols: 1 } as unknown as Matrix, fit);
    expect(m).toBeInstanceOf(Matrix);
    expect(m.data).toBe(data);
    expect(m.rows).toBe(3);
  });

  it("reports ragged rows with the argument and row", () => {
    const X = [
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1, 2, 3],
    ];
    expect(messageOf(() => checkMatrix(X, fit))).toBe(
      "KMeans.fit: X has ragged rows: row 2 has 3 values but row 0 has 4.",
    );
    expect(messageOf(() => checkMatrix([[1, 2], [3]], fit))).toBe(
      "KMeans.fit: X has ragged rows: row 1 has 1 value but row 0 has 2.",
    );
  });

  it("reports empty input", () => {
    expect(messageOf(() => checkMatrix([], fit))).toBe(
      "KMeans.fit: X is empty (0 samples); at least 1 sample is required.",
    );
    expect(messageOf(() => checkMatrix([[], []], fit))).toBe(
      "KMeans.fit: X is empty (0 features); at least 1 feature is required.",
    );
    expect(messageOf(() => checkMatrix(Matrix.zeros(0, 3), fit))).toBe(
      "KMeans.fit: X is empty (0 samples); at least 1 sample is required.",
    );
    expect(messageOf(() => checkMatrix(Matrix.zeros(4, 0, "float32"), fit))).toBe(
      "KMeans.fit: X is empty (0 features); at least 1 feature is required.",
    );
  });

  it.each([
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
  ])("reports %p in nested arrays with row and column", (bad, text) => {
    const X = [
      [0, 0],
      [0, bad],
      [0, 0],
    ];
    expect(messageOf(() => checkMatrix(X, fit))).toBe(`KMeans.fit: X contains ${text} at row 1, column 1.`);
  });

  it.each([
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
  ])("reports %p in a float32 or float64 Matrix with row and column", (bad, text) => {
    const d64 = new Float64Array(12);
    d64[2 * 4 + 3] = bad;
    expect(messageOf(() => checkMatrix(new Matrix(d64, 3, 4), fit))).toBe(
      `KMeans.fit: X contains ${text} at row 2, column 3.`,
    );
    const d32 = new Float32Array(12);
    d32[1 * 4 + 0] = bad;
    expect(messageOf(() => checkMatrix(new Matrix(d32, 3, 4), fit))).toBe(
      `KMeans.fit: X contains ${text} at row 1, column 0.`,
    );
  });

  it("reports the first non-finite value in row-major order", () => {
    expect(messageOf(() => checkMatrix([[1, 2], [NaN, Infinity]], fit))).toBe(
      "KMeans.fit: X contains NaN at row 1, column 0.",
    );
  });

  it("uses the argument name and the separate method field", () => {
    const where = { estimator: "KMeans", method: "fit", argument: "init" };
    expect(messageOf(() => checkMatrix([[1], [NaN]], where))).toBe("KMeans.fit: init contains NaN at row 1, column 0.");
    expect(messageOf(() => checkMatrix([[1, 2], [1]], { estimator: "PCA.transform", argument: "Xnew" }))).toBe(
      "PCA.transform: Xnew has ragged rows: row 1 has 1 value but row 0 has 2.",
    );
  });

  it("rejects non-numeric entries instead of coercing them", () => {
    const X = [
      [1, 2],
      [3, "4"],
    ] as unknown as MatrixInput;
    expect(messageOf(() => checkMatrix(X, fit))).toBe(
      "KMeans.fit: X contains a non-numeric value (string) at row 1, column 1.",
    );
    const holes = [[1, 2], new Array<number>(2)];
    expect(messageOf(() => checkMatrix(holes, fit))).toBe(
      "KMeans.fit: X contains a non-numeric value (undefined) at row 1, column 0.",
    );
  });

  it("names the type of input that is neither an array nor a Matrix", () => {
    const bad = (v: unknown) => messageOf(() => checkMatrix(v as MatrixInput, fit));
    expect(bad("abc")).toBe("KMeans.fit: X must be a 2-D array of numbers (number[][]) or a Matrix, got string.");
    expect(bad(null)).toBe("KMeans.fit: X must be a 2-D array of numbers (number[][]) or a Matrix, got null.");
    expect(bad(undefined)).toBe(
      "KMeans.fit: X must be a 2-D array of numbers (number[][]) or a Matrix, got undefined.",
    );
    expect(bad({ a: 1 })).toBe(
      "KMeans.fit: X must be a 2-D array of numbers (number[][]) or a Matrix, got an object.",
    );
    expect(bad(new Map())).toBe("KMeans.fit: X must be a 2-D array of numbers (number[][]) or a Matrix, got Map.");
    expect(bad(new Float64Array(4))).toBe(
      "KMeans.fit: X must be a 2-D array of numbers (number[][]) or a Matrix, got Float64Array " +
        "(wrap a flat typed array with Matrix.from(data, rows, cols)).",
    );
  });

  it("explains 1-D input and non-array rows", () => {
    expect(messageOf(() => checkMatrix([1, 2, 3] as unknown as MatrixInput, fit))).toBe(
      "KMeans.fit: X must be 2-D (one array per sample), got a 1-D array of numbers. " +
        "Wrap a single sample as [sample], or a single feature as one [value] per sample.",
    );
    expect(messageOf(() => checkMatrix([[1], 2] as unknown as MatrixInput, fit))).toBe(
      "KMeans.fit: X row 1 must be an array of numbers, got number.",
    );
    expect(messageOf(() => checkMatrix(["ab"] as unknown as MatrixInput, fit))).toBe(
      "KMeans.fit: X row 0 must be an array of numbers, got string.",
    );
  });
});

describe("checkMatrix with typed-array rows", () => {
  it("keeps float32 when every row is a Float32Array, copying the rows", () => {
    const rows = [new Float32Array([0.1, 2]), new Float32Array([3, 4.5])];
    const m = checkMatrix(rows, fit);
    expect(m.dtype).toBe("float32");
    expect(m.rows).toBe(2);
    expect(m.cols).toBe(2);
    expect(Array.from(m.data)).toEqual([Math.fround(0.1), 2, 3, 4.5]);
    rows[0][0] = 99;
    expect(m.get(0, 0)).toBe(Math.fround(0.1));
  });

  it("gives float64 for Float64Array rows and for mixed rows", () => {
    const m64 = checkMatrix([new Float64Array([0.1, 2]), new Float64Array([3, 4])], fit);
    expect(m64.dtype).toBe("float64");
    expect(Array.from(m64.data)).toEqual([0.1, 2, 3, 4]);
    const mixed = checkMatrix([new Float32Array([0.5, 1]), [0.1, 2], new Float64Array([0.2, 3])], fit);
    expect(mixed.dtype).toBe("float64");
    expect(Array.from(mixed.data)).toEqual([0.5, 1, 0.1, 2, 0.2, 3]);
  });

  it("rejects ragged typed rows and non-finite values with the row and column", () => {
    expect(messageOf(() => checkMatrix([new Float32Array(3), new Float32Array(2)], fit))).toBe(
      "KMeans.fit: X has ragged rows: row 1 has 2 values but row 0 has 3.",
    );
    expect(messageOf(() => checkMatrix([new Float32Array([1, 2]), new Float32Array([3, NaN])], fit))).toBe(
      "KMeans.fit: X contains NaN at row 1, column 1.",
    );
    expect(messageOf(() => checkMatrix([[1, 2], new Float64Array([-Infinity, 0])], fit))).toBe(
      "KMeans.fit: X contains -Infinity at row 1, column 0.",
    );
    expect(messageOf(() => checkMatrix([new Int32Array([1, 2])] as unknown as MatrixInput, fit))).toBe(
      "KMeans.fit: X row 0 must be an array of numbers, got Int32Array.",
    );
  });
});

describe("checkFeatureCount", () => {
  const predict = { estimator: "KMeans.predict", argument: "X" };

  it("passes when the count matches", () => {
    expect(() => checkFeatureCount(Matrix.zeros(2, 4), 4, predict)).not.toThrow();
  });

  it("states both counts and the class name", () => {
    expect(messageOf(() => checkFeatureCount(Matrix.zeros(2, 3), 4, predict))).toBe(
      "KMeans.predict: X has 3 features, but KMeans was fitted with 4 features.",
    );
    expect(
      messageOf(() => checkFeatureCount(Matrix.zeros(2, 1), 2, { estimator: "PCA", method: "transform", argument: "X" })),
    ).toBe("PCA.transform: X has 1 feature, but PCA was fitted with 2 features.");
  });
});

describe("checkMinSamples", () => {
  it("passes at the minimum", () => {
    expect(() => checkMinSamples(Matrix.zeros(3, 2), 3, fit, "nClusters=3")).not.toThrow();
  });

  it("uses the caller's subject", () => {
    expect(messageOf(() => checkMinSamples(Matrix.zeros(3, 2), 5, fit, "nClusters=5"))).toBe(
      "KMeans.fit: nClusters=5 must be <= the number of samples (3).",
    );
  });

  it("falls back to a message about the argument", () => {
    expect(messageOf(() => checkMinSamples(Matrix.zeros(1, 2), 2, fit))).toBe(
      "KMeans.fit: X has 1 sample, but at least 2 are required.",
    );
  });
});
