/**
 * The CPU engine's exact-distance kernels: squared euclidean distances by direct float64 differences, each summed in
 * column order exactly as the pure-TypeScript kernels (and core's k-means++) sum them, so that every distance they
 * return is bit-for-bit the reference's. Rows are packed as float64 row blocks (`[block][column][row]`, see
 * {@link EXACT_BLOCK_ROWS}) and sit in the lanes, one center at a time broadcast against them: the SIMD lanes hold
 * different rows, never different columns of one sum, so vectorising changes no rounding.
 *
 * - `exact_trials`: k-means++'s candidates against every row, each distance capped by the row's current closest
 *   distance, plus each candidate's potential (sum of capped distances) over the chunk's rows, in row order.
 * - `exact_transform_{dtype}`: the euclidean distance of every row to every center, times a power of two, rounded to
 *   the output's dtype (KMeans' transform).
 * - `exact_labelled_{dtype}`: every row's squared distance to the center its label names, on row-major rows of X's
 *   dtype (KMeans' inertia after the Lloyd kernel's labels).
 *
 * Every kernel processes one chunk of rows per call, `(chunk, slot, ...args)`, as the worker pool runs them.
 */
import { F64, I32, V128, type FunctionBuilder, type ModuleBuilder, type ValType } from "./emitter.js";

/** float64 vectors of rows per register block. */
const VECTORS = 4;
/** Rows per packed row block (two float64 lanes per vector); chunks are multiples of it. */
export const EXACT_BLOCK_ROWS = VECTORS * 2;

/** Export names of the exact-distance kernels. */
export const exactKernelName = {
  trials: "exact_trials",
  transform: (dtype: "float32" | "float64") => `exact_transform_${dtype}`,
  labelled: (dtype: "float32" | "float64") => `exact_labelled_${dtype}`,
};

/**
 * Parameters after `(chunk, slot)` of the packed-row kernels (`trials`, `transform`). `out` is, per mode: the `m`
 * candidates' capped distances (candidate c's at `out + c * outStride * 8`, padded rows included), or the n x m
 * row-major distances of the output dtype (`outStride` = m). `closest` and
 * `pots` (`chunks x m` float64) are read by `trials` only, `unscale` by `transform` only.
 */
export const EXACT_PARAMS = ["xPacked", "n", "d", "centers", "m", "chunkRows", "out", "outStride", "closest", "pots", "unscale:f64"] as const;

/** Parameters after `(chunk, slot)` of `exact_labelled_{dtype}`: row-major rows and centers of X's dtype, i32 labels, f64 out. */
export const EXACT_LABELLED_PARAMS = ["xRows", "n", "d", "cRows", "labels", "out", "chunkRows"] as const;

type Mode = "trials" | "transform32" | "transform64";

/** Local indices of a chunked kernel's parameters, `chunk` and `slot` first. */
function declare<N extends readonly string[]>(names: N): { types: ValType[]; p: Record<string, number> } {
  const types: ValType[] = [I32, I32];
  const p: Record<string, number> = { chunk: 0, slot: 1 };
  for (const name of names) {
    const [base, kind] = name.split(":");
    p[base] = types.length;
    types.push(kind === "f64" ? F64 : I32);
  }
  return { types, p };
}

/** Sets `first` and `end` to the chunk's rows: `[chunk * chunkRows, min(n, (chunk + 1) * chunkRows))`. */
function chunkRange(f: FunctionBuilder, p: Record<string, number>, first: number, end: number): void {
  f.get(p.chunk).get(p.chunkRows).op("i32.mul").tee(first).get(p.chunkRows).op("i32.add").set(end);
  f.get(end).get(p.n).get(end).get(p.n).op("i32.lt_s", "select").set(end);
}

function packedKernel(m: ModuleBuilder, mode: Mode): void {
  const { types, p } = declare(EXACT_PARAMS);
  const R = EXACT_BLOCK_ROWS;
  const name =
    mode === "trials" ? exactKernelName.trials : exactKernelName.transform(mode === "transform32" ? "float32" : "float64");
  m.func(types, [], (f) => {
    const [row, rowEnd, xb, xp, cp, cEnd, c, at, rr] = Array.from({ length: 9 }, () => f.local(I32));
    const acc = Array.from({ length: VECTORS }, () => f.local(V128));
    const [s, diff] = [f.local(V128), f.local(V128)];
    const sum = f.local(F64);
    chunkRange(f, p, row, rowEnd);
    if (mode === "trials") {
      // This chunk's potentials start from +0.
      f.forRange(c, () => f.i32(0), () => f.get(p.m), 1, () => {
        f.get(p.pots).get(p.chunk).get(p.m).op("i32.mul").get(c).op("i32.add").i32(8).op("i32.mul", "i32.add").f64(0).mem("f64.store");
      });
    }
    f.block((done) =>
      f.loop((nextBlock) => {
        f.get(row).get(rowEnd).op("i32.ge_s").brIf(done);
        f.get(p.xPacked).get(row).get(p.d).op("i32.mul").i32(8).op("i32.mul", "i32.add").set(xb);
        f.get(p.centers).set(cp);
        f.forRange(c, () => f.i32(0), () => f.get(p.m), 1, () => {
          // acc[v] lane l: sum over columns, in order, of (x - c)^2 for row `row + 2v + l`.
          for (const a of acc) f.v128i32([0, 0, 0, 0]).set(a);
          f.get(xb).set(xp);
          f.get(cp).get(p.d).i32(8).op("i32.mul", "i32.add").set(cEnd);
          f.loop((next) => {
            f.get(cp).mem("v128.load64_splat").set(s);
            for (let v = 0; v < VECTORS; v++) {
              f.get(xp).mem("v128.load", v * 16).get(s).op("f64x2.sub").set(diff);
              f.get(acc[v]).get(diff).get(diff).op("f64x2.mul", "f64x2.add").set(acc[v]);
            }
            f.get(xp).i32(R * 8).op("i32.add").set(xp);
            f.get(cp).i32(8).op("i32.add").tee(cp).get(cEnd).op("i32.lt_u").brIf(next);
          });
          if (mode === "trials") {
            // Capped as the reference caps (`cap < d ? cap : d`, which is pmin's order), stored, and added to the
            // potential in row order; padded rows have a cap of 0 and add +0.
            f.get(p.out).get(c).get(p.outStride).op("i32.mul").get(row).op("i32.add").i32(8).op("i32.mul", "i32.add").set(at);
            f.get(p.closest).get(row).i32(8).op("i32.mul", "i32.add").set(rr);
            for (let v = 0; v < VECTORS; v++) {
              f.get(at).get(acc[v]).get(rr).mem("v128.load", v * 16).op("f64x2.pmin").tee(acc[v]).mem("v128.store", v * 16);
            }
            f.get(p.pots).get(p.chunk).get(p.m).op("i32.mul").get(c).op("i32.add").i32(8).op("i32.mul", "i32.add").set(at);
            f.get(at).mem("f64.load").set(sum);
            for (let v = 0; v < VECTORS; v++) for (let l = 0; l < 2; l++) f.get(sum).get(acc[v]).lane("f64x2.extract_lane", l).op("f64.add").set(sum);
            f.get(at).get(sum).mem("f64.store");
          } else {
            const bytes = mode === "transform32" ? 4 : 8;
            for (let v = 0; v < VECTORS; v++) {
              for (let l = 0; l < 2; l++) {
                f.get(row).i32(2 * v + l).op("i32.add").tee(rr).get(rowEnd).op("i32.lt_s");
                f.if(() => {
                  f.get(p.out).get(rr).get(p.outStride).op("i32.mul").get(c).op("i32.add").i32(bytes).op("i32.mul", "i32.add");
                  f.get(acc[v]).lane("f64x2.extract_lane", l).op("f64.sqrt").get(p.unscale).op("f64.mul");
                  if (bytes === 4) f.op("f32.demote_f64").mem("f32.store");
                  else f.mem("f64.store");
                });
              }
            }
          }
        });
        f.get(row).i32(R).op("i32.add").set(row).br(nextBlock);
      }),
    );
  }, name);
}

/** `exact_labelled_{dtype}`: one row at a time, the float64 direct-difference distance to its labelled center. */
function labelledKernel(m: ModuleBuilder, dtype: "float32" | "float64"): void {
  const { types, p } = declare(EXACT_LABELLED_PARAMS);
  const bytes = dtype === "float32" ? 4 : 8;
  const load = (f: FunctionBuilder) => (dtype === "float32" ? f.mem("f32.load").op("f64.promote_f32") : f.mem("f64.load"));
  m.func(types, [], (f) => {
    const [row, rowEnd, xp, cp, xEnd, stride] = Array.from({ length: 6 }, () => f.local(I32));
    const [sum, diff] = [f.local(F64), f.local(F64)];
    chunkRange(f, p, row, rowEnd);
    f.get(p.d).i32(bytes).op("i32.mul").set(stride);
    f.forRange(row, () => f.get(row), () => f.get(rowEnd), 1, () => {
      f.get(p.xRows).get(row).get(stride).op("i32.mul", "i32.add").tee(xp).get(stride).op("i32.add").set(xEnd);
      f.get(p.cRows).get(p.labels).get(row).i32(4).op("i32.mul", "i32.add").mem("i32.load").get(stride).op("i32.mul", "i32.add").set(cp);
      f.f64(0).set(sum);
      f.block((exit) =>
        f.loop((next) => {
          f.get(xp).get(xEnd).op("i32.ge_u").brIf(exit);
          f.get(xp);
          load(f);
          f.get(cp);
          load(f);
          f.op("f64.sub").set(diff);
          f.get(sum).get(diff).get(diff).op("f64.mul", "f64.add").set(sum);
          f.get(xp).i32(bytes).op("i32.add").set(xp);
          f.get(cp).i32(bytes).op("i32.add").set(cp).br(next);
        }),
      );
      f.get(p.out).get(row).i32(8).op("i32.mul", "i32.add").get(sum).mem("f64.store");
    });
  }, exactKernelName.labelled(dtype));
}

/** Adds every exact-distance kernel to `m`. */
export function exactKernels(m: ModuleBuilder): void {
  for (const mode of ["trials", "transform32", "transform64"] as const) packedKernel(m, mode);
  labelledKernel(m, "float32");
  labelledKernel(m, "float64");
}
