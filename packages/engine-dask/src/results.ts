/** Results coming back from the bridge: a host Matrix from raw bytes, or a DaskMatrix that stays on the workers. */
import { Matrix, type DType } from "@plugml/core";
import { float32s, float64s, type Bridge } from "./bridge.js";
import { DaskMatrix, type StoredInfo } from "./matrix.js";

/** The reply of an operation with an `output`: the matrix on the workers ("engine") or its values on the host. */
export function deliver(bridge: Bridge, reply: Record<string, unknown>, rows: number, cols: number, dtype: DType): Matrix | DaskMatrix {
  if (typeof reply.key === "string") return new DaskMatrix(bridge, reply as unknown as StoredInfo);
  return hostMatrix(reply.data, rows, cols, dtype);
}

/** A host matrix of `dtype` over the reply's bytes (copied, so it owns its memory). */
export function hostMatrix(data: unknown, rows: number, cols: number, dtype: DType): Matrix {
  const values = dtype === "float32" ? Float32Array.from(float32s(data)) : Float64Array.from(float64s(data));
  return new Matrix(values, rows, cols);
}
