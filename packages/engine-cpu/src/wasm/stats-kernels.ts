/**
 * The column-statistics kernel behind KMeans' tolerance (the mean of the columns' variances): the three passes of
 * the pure-TypeScript `columnDeviations` without weights, each column accumulated in float64 over the rows in row
 * order, exactly as that loop accumulates it; two columns share a SIMD vector (their sums never mix), so the
 * results are the pure-TypeScript ones bit for bit. It runs as one chunk, on the calling thread: each pass is one
 * streaming read of X.
 */
import { F64, I32, V128, type ModuleBuilder, type ValType } from "./emitter.js";

/** Export name of the column-statistics kernel of a dtype. */
export const columnStatsName = (dtype: "float32" | "float64") => `column_stats_${dtype}`;

/**
 * Parameters after `(chunk, slot)`: rows `xRows` (n x d, X's dtype), the pass (0: `acc[j] = max(acc[j], |x|)`; 1:
 * `acc[j] += x * factors[j]`; 2: with `dev = x * factors[j] - mean[j]`, `acc[j] += dev` and `squares[j] += dev^2`),
 * and float64 arrays of d values `factors`, `mean`, `acc`, `squares`.
 */
export const COLUMN_STATS_PARAMS = ["xRows", "n", "d", "pass", "factors", "mean", "acc", "squares"] as const;

function columnStatsKernel(m: ModuleBuilder, dtype: "float32" | "float64"): void {
  const bytes = dtype === "float32" ? 4 : 8;
  const types: ValType[] = [I32, I32, ...COLUMN_STATS_PARAMS.map((): ValType => I32)];
  const p = Object.fromEntries(COLUMN_STATS_PARAMS.map((name, i) => [name, i + 2])) as Record<(typeof COLUMN_STATS_PARAMS)[number], number>;
  m.func(types, [], (f) => {
    const [xp, xEnd, rowEnd, j, pairs, col] = Array.from({ length: 6 }, () => f.local(I32));
    const [x, dev] = [f.local(V128), f.local(V128)];
    const [xs, ds] = [f.local(F64), f.local(F64)];
    /** Pushes the address of float64 element `col` (a byte offset in `col`'s units of 8) of `base`. */
    const at = (base: number) => f.get(base).get(col).op("i32.add");
    /** One step of the pass on `value` (a local of `vec ? v128 : f64`) for the column(s) at byte offset `col`. */
    const step = (vec: boolean, value: number, scratch: number) => {
      const [load, store, abs, max, mul, add, sub] = vec
        ? ["v128.load", "v128.store", "f64x2.abs", "f64x2.pmax", "f64x2.mul", "f64x2.add", "f64x2.sub"]
        : ["f64.load", "f64.store", "f64.abs", "f64.max", "f64.mul", "f64.add", "f64.sub"];
      f.get(p.pass).op("i32.eqz");
      f.if(
        () => {
          at(p.acc);
          at(p.acc).mem(load);
          f.get(value).op(abs, max).mem(store);
        },
        () => {
          f.get(value);
          at(p.factors).mem(load);
          f.op(mul).set(value);
          f.get(p.pass).i32(1).op("i32.eq");
          f.if(
            () => {
              at(p.acc);
              at(p.acc).mem(load);
              f.get(value).op(add).mem(store);
            },
            () => {
              f.get(value);
              at(p.mean).mem(load);
              f.op(sub).set(scratch);
              at(p.acc);
              at(p.acc).mem(load);
              f.get(scratch).op(add).mem(store);
              at(p.squares);
              at(p.squares).mem(load);
              f.get(scratch).get(scratch).op(mul, add).mem(store);
            },
          );
        },
      );
    };
    f.get(p.d).i32(-2).op("i32.and").set(pairs);
    f.get(p.xRows).set(xp);
    f.get(p.xRows).get(p.n).get(p.d).op("i32.mul").i32(bytes).op("i32.mul", "i32.add").set(rowEnd);
    f.block((done) =>
      f.loop((nextRow) => {
        f.get(xp).get(rowEnd).op("i32.ge_u").brIf(done);
        f.get(xp).get(p.d).i32(bytes).op("i32.mul", "i32.add").set(xEnd);
        // Column pairs: vectors of two columns.
        f.forRange(j, () => f.i32(0), () => f.get(pairs), 2, () => {
          f.get(j).i32(8).op("i32.mul").set(col);
          f.get(xp).get(j).i32(bytes).op("i32.mul", "i32.add");
          if (bytes === 4) f.mem("v128.load64_zero").op("f64x2.promote_low_f32x4");
          else f.mem("v128.load");
          f.set(x);
          step(true, x, dev);
        });
        // An odd last column.
        f.get(pairs).get(p.d).op("i32.lt_s");
        f.if(() => {
          f.get(pairs).i32(8).op("i32.mul").set(col);
          f.get(xEnd).i32(bytes).op("i32.sub");
          if (bytes === 4) f.mem("f32.load").op("f64.promote_f32");
          else f.mem("f64.load");
          f.set(xs);
          step(false, xs, ds);
        });
        f.get(xEnd).set(xp).br(nextRow);
      }),
    );
  }, columnStatsName(dtype));
}

/** Adds the column-statistics kernels to `m`. */
export function statsKernels(m: ModuleBuilder): void {
  columnStatsKernel(m, "float32");
  columnStatsKernel(m, "float64");
}
