/**
 * The CPU engine's WebAssembly SIMD kernels, generated with the emitter: Lloyd's assignment step fused with the
 * partial sums of the center update, in float32 and float64, and the k-nearest search fused with a top-k heap per
 * query, filtering in float32 and re-checking on float32 or float64 rows. Every kernel processes one chunk of rows
 * per call, `(chunk, slot, ...args)`, so the worker pool can hand chunks to threads (`slot` is the calling thread's
 * index). Results never depend on which thread ran a chunk:
 * Lloyd's partial sums are kept per chunk, not per thread, and added up in chunk order (`lloyd_reduce`).
 *
 * k-nearest distances go through register-blocked micro-kernels (R = 4 rows against a panel of 2 SIMD vectors of
 * columns); Lloyd's put the rows in the lanes instead (2 vectors of rows against 4 broadcast centers), so that the
 * argmin over centers stays in registers. Every decision the approximate distances cannot make safely is re-made
 * with exact float64 distances computed by direct differences, in the same order as the pure-TypeScript kernels:
 * both paths return the same labels and neighbours.
 */
import { F32, F64, FunctionBuilder, I32, ModuleBuilder, V128, type MemoryImport, type ValType } from "./emitter.js";
import { exactKernels } from "./exact-kernels.js";
import { statsKernels } from "./stats-kernels.js";

/** Rows per register block of the k-nearest kernels (queries). */
export const BLOCK_ROWS = 4;
/** SIMD vectors of columns per panel (train rows, or centers). */
const PANEL_VECTORS = 2;

/** Element type of a kernel family. */
export interface Flavor {
  readonly dtype: "float32" | "float64";
  readonly bytes: 4 | 8;
  readonly lanes: 4 | 2;
  /** Columns per panel: {@link PANEL_VECTORS} vectors of `lanes`. */
  readonly panelWidth: number;
}

export const FLAVORS = {
  float32: { dtype: "float32", bytes: 4, lanes: 4, panelWidth: PANEL_VECTORS * 4 },
  float64: { dtype: "float64", bytes: 8, lanes: 2, panelWidth: PANEL_VECTORS * 2 },
} as const satisfies Record<string, Flavor>;

/**
 * Metrics with a SIMD k-nearest kernel: squared euclidean through norms and dot products, manhattan and chebyshev
 * directly, and cosine as dot products of rows normalised beforehand (the exact distance is `1 - dot`, clipped).
 */
export type KernelMetric = "euclidean" | "manhattan" | "chebyshev" | "cosine";

/** Every {@link KernelMetric}. */
export const KNN_METRICS: readonly KernelMetric[] = ["euclidean", "manhattan", "chebyshev", "cosine"];

/** Export names of the chunked kernels. */
export const kernelName = {
  lloyd: (fl: Flavor) => `lloyd_${fl.dtype}`,
  lloydPrepare: (fl: Flavor) => `lloyd_prepare_${fl.dtype}`,
  lloydReduce: "lloyd_reduce",
  /** The k-nearest kernel filtering in `fl` and re-checking exactly on rows of `exact`. */
  knn: (fl: Flavor, exact: Flavor, metric: KernelMetric) => `knn_${metric}_${fl.dtype}_${exact.dtype}`,
  /** The radius kernel: the k-nearest kernel's filter with a fixed threshold, collecting exact candidates. */
  radius: (fl: Flavor, exact: Flavor, metric: KernelMetric) => `radius_${metric}_${fl.dtype}_${exact.dtype}`,
};

/** Vectors of rows in the Lloyd kernel's register block (rows in lanes). */
const LLOYD_VECTORS = 2;
/** Centers (broadcast) in the Lloyd kernel's register block. */
const LLOYD_CENTERS = 4;

/**
 * The Lloyd kernel's register block: `rows` (whole vectors of lanes; the samples' row-block size, a power of two so
 * that blocks never straddle the 256-row multiples that chunks are made of) against `centers` (the centers' panel
 * width).
 */
export function lloydBlock(fl: Flavor): { rows: number; centers: number } {
  return { rows: LLOYD_VECTORS * fl.lanes, centers: LLOYD_CENTERS };
}

/** Parameters of the Lloyd kernel after `(chunk, slot)`, in order (f64 ones marked). */
export const LLOYD_PARAMS = [
  "xPacked", "xRows", "n", "d", "cPanels", "cNorms", "nPanels", "cRows", "k", "xNorms", "thrA:f64", "thrB:f64",
  "labels", "weights", "sums", "wsums", "chunkRows", "update",
] as const;

/** Parameters of the Lloyd layout kernel after `(chunk, slot)`. */
export const LLOYD_PREPARE_PARAMS = ["xRows", "n", "d", "chunkRows", "xPacked", "xNorms", "margin:f64", "scale:f64", "maxAbs"] as const;

/** Parameters of the Lloyd reduction after `(chunk, slot)`. */
export const LLOYD_REDUCE_PARAMS = ["sums", "wsums", "chunks", "k", "d"] as const;

/** Parameters of the k-nearest kernels after `(chunk, slot)`, in order (f64 ones marked). */
export const KNN_PARAMS = [
  "qPacked", "qRows", "mq", "tPanels", "tRows", "tNorms", "nt", "nPanels", "d", "kk", "heapD", "heapI", "heapN", "thr",
  "qOffset", "qBound", "rel:f64", "chunkQueries", "panelsPerBlock",
] as const;

type ParamMap<N extends readonly string[]> = { [K in N[number] as K extends `${infer B}:f64` ? B : K]: number };

/** Arguments of a kernel after `(chunk, slot)`, in the order of its parameter list (`LLOYD_PARAMS`, `KNN_PARAMS`). */
export function kernelArgs<N extends readonly string[]>(params: N, values: ParamMap<N>): number[] {
  return params.map((name) => (values as Record<string, number>)[name.split(":")[0]]);
}

function declare<N extends readonly string[]>(names: N, chunked = true): { types: ValType[]; p: ParamMap<N> & { chunk: number; slot: number } } {
  const types: ValType[] = chunked ? [I32, I32] : [];
  const p: Record<string, number> = chunked ? { chunk: 0, slot: 1 } : {};
  for (const name of names) {
    const [base, kind] = name.split(":");
    p[base] = types.length;
    types.push(kind === "f64" ? F64 : I32);
  }
  return { types, p: p as ParamMap<N> & { chunk: number; slot: number } };
}

/** Instruction names of a flavor. */
function names(fl: Flavor) {
  const s = fl.dtype === "float32" ? "f32" : "f64";
  const v = fl.dtype === "float32" ? "f32x4" : "f64x2";
  return {
    scalar: s,
    vec: v,
    load: `${s}.load`,
    splat: fl.bytes === 4 ? "v128.load32_splat" : "v128.load64_splat",
    idx: fl.dtype === "float32" ? "i32x4" : "i64x2",
    type: (fl.dtype === "float32" ? F32 : F64) as ValType,
  };
}

/** Pushes `a + b * c` for i32 locals, the usual address arithmetic. */
function addr(f: FunctionBuilder, base: number, index: number, scale: number): void {
  f.get(base).get(index).i32(scale).op("i32.mul", "i32.add");
}

/** Loads a scalar of the flavor at the address on the stack, widened to f64. */
function loadF64(f: FunctionBuilder, fl: Flavor, offset = 0): void {
  f.mem(names(fl).load, offset);
  if (fl.bytes === 4) f.op("f64.promote_f32");
}

/**
 * `exact(a, b, d) -> f64`: the exact distance of two rows in float64, in column order, exactly as the pure-TypeScript
 * kernels compute it: squared euclidean, manhattan or chebyshev by direct differences; cosine as
 * `min(max(1 - a.b, 0), 2)` of normalised rows, and 0 when `a` and `b` are the same address (a query that is the
 * training row itself, whose distance the reference sets to 0).
 */
function exactDistance(m: ModuleBuilder, fl: Flavor, metric: KernelMetric): number {
  return m.func([I32, I32, I32], [F64], (f) => {
    const [a, b, d] = [0, 1, 2];
    const s = f.local(F64);
    const diff = f.local(F64);
    const end = f.local(I32);
    if (metric === "cosine") {
      f.get(a).get(b).op("i32.eq");
      f.if(() => f.f64(0).op("return"));
    }
    addr(f, a, d, fl.bytes);
    f.set(end).f64(0).set(s);
    f.block((exit) =>
      f.loop((next) => {
        f.get(a).get(end).op("i32.ge_u").brIf(exit);
        f.get(a);
        loadF64(f, fl);
        f.get(b);
        loadF64(f, fl);
        f.op(metric === "cosine" ? "f64.mul" : "f64.sub").set(diff);
        f.get(s).get(diff);
        if (metric === "euclidean") f.get(diff).op("f64.mul", "f64.add");
        else if (metric === "manhattan") f.op("f64.abs", "f64.add");
        else if (metric === "chebyshev") f.op("f64.abs", "f64.max");
        else f.op("f64.add");
        f.set(s);
        f.get(a).i32(fl.bytes).op("i32.add").set(a);
        f.get(b).i32(fl.bytes).op("i32.add").set(b).br(next);
      }),
    );
    if (metric === "cosine") f.f64(1).get(s).op("f64.sub").f64(0).op("f64.max").f64(2).op("f64.min");
    else f.get(s);
  });
}

/**
 * Accumulates one R x W block: for each feature, one panel row of W columns (two vectors at `pp`) against R
 * broadcast row values (at `xp`, interleaved by row). Advances `pp` and `xp` past the block; `acc[r][v]` end up
 * holding dot products (euclidean, cosine), sums of absolute differences (manhattan) or their maximum (chebyshev).
 */
function microKernel(f: FunctionBuilder, fl: Flavor, metric: KernelMetric, pp: number, xp: number, d: number, acc: number[][]): void {
  const n = names(fl);
  const b = [f.local(V128), f.local(V128)];
  const a = f.local(V128);
  const end = f.local(I32);
  for (const row of acc) for (const v of row) f.v128i32([0, 0, 0, 0]).set(v);
  addr(f, pp, d, fl.panelWidth * fl.bytes);
  f.set(end);
  f.loop((next) => {
    for (let v = 0; v < PANEL_VECTORS; v++) f.get(pp).mem("v128.load", v * 16).set(b[v]);
    for (let r = 0; r < BLOCK_ROWS; r++) {
      f.get(xp).mem(n.splat, r * fl.bytes).set(a);
      for (let v = 0; v < PANEL_VECTORS; v++) {
        f.get(acc[r][v]).get(a).get(b[v]);
        if (metric === "euclidean" || metric === "cosine") f.op(`${n.vec}.mul`, `${n.vec}.add`);
        else if (metric === "manhattan") f.op(`${n.vec}.sub`, `${n.vec}.abs`, `${n.vec}.add`);
        else f.op(`${n.vec}.sub`, `${n.vec}.abs`, `${n.vec}.pmax`);
        f.set(acc[r][v]);
      }
    }
    f.get(xp).i32(BLOCK_ROWS * fl.bytes).op("i32.add").set(xp);
    f.get(pp).i32(fl.panelWidth * fl.bytes).op("i32.add").tee(pp);
    f.get(end).op("i32.lt_u").brIf(next);
  });
}

function vectors(f: FunctionBuilder): number[][] {
  return Array.from({ length: BLOCK_ROWS }, () => Array.from({ length: PANEL_VECTORS }, () => f.local(V128)));
}

/** `min(a, b)` of two i32 locals or expressions, pushed. */
function minI32(f: FunctionBuilder, a: () => void, b: () => void): void {
  a();
  b();
  a();
  b();
  f.op("i32.lt_s", "select");
}

/**
 * Lloyd's assignment for one chunk of rows, fused with the center update's partial sums. A block of R rows sits in
 * the lanes of R / lanes vectors (the row blocks' layout), and each center's value of a feature is broadcast
 * against it, so the distances of the block to a panel of W centers end up in registers with one center per
 * accumulator: the running best and second-best distance and the best's index need no horizontal reduction and no
 * scratch memory. Centers are packed as `-2 c` (scaling by 2 is exact), so that an accumulator holds `-2 x.c` and
 * one addition of the center's squared norm gives the approximate distance `||c||^2 - 2 x.c`. When the best and
 * second-best distance of a row are within its threshold `thrA * ||x|| + thrB` (twice the error bound, rounded up),
 * the row is re-assigned with exact distances. With `update`, each row's weighted values are added to the chunk's
 * float64 sums of its cluster.
 */
function lloydKernel(m: ModuleBuilder, fl: Flavor, exactArgmin: number): void {
  const n = names(fl);
  const { types, p } = declare(LLOYD_PARAMS);
  const { rows: R, centers: W } = lloydBlock(fl);
  const V = LLOYD_VECTORS;
  m.func(types, [], (f) => {
    const [row, rowEnd, stride, xb, pp, pn, pEnd, xp, end, label, sums, wsums, xr, sr, xrEnd, lb] = Array.from({ length: 16 }, () => f.local(I32));
    const best = Array.from({ length: V }, () => f.local(V128));
    const second = Array.from({ length: V }, () => f.local(V128));
    const bidx = Array.from({ length: V }, () => f.local(V128));
    const need = Array.from({ length: V }, () => f.local(V128));
    const acc = Array.from({ length: V }, () => Array.from({ length: W }, () => f.local(V128)));
    const xv = Array.from({ length: V }, () => f.local(V128));
    const [sv, nrm, dist, jvec, thrA, thrB, wv] = Array.from({ length: 7 }, () => f.local(V128));
    const w = f.local(F64);
    const splatParam = (param: number) => {
      f.get(param);
      if (fl.bytes === 4) f.op("f32.demote_f64", "f32x4.splat");
      else f.op("f64x2.splat");
    };

    f.get(p.d).i32(fl.bytes).op("i32.mul").set(stride);
    f.get(p.chunk).get(p.chunkRows).op("i32.mul").set(row);
    minI32(f, () => f.get(p.n), () => f.get(row).get(p.chunkRows).op("i32.add"));
    f.set(rowEnd);
    f.get(p.sums).get(p.chunk).get(p.k).op("i32.mul").get(p.d).op("i32.mul").i32(8).op("i32.mul", "i32.add").set(sums);
    f.get(p.wsums).get(p.chunk).get(p.k).op("i32.mul").i32(8).op("i32.mul", "i32.add").set(wsums);
    f.get(p.cPanels).get(p.nPanels).get(p.d).op("i32.mul").i32(W * fl.bytes).op("i32.mul", "i32.add").set(pEnd);
    // This chunk's partial sums start from +0 (so they are never -0, as the pure-TypeScript path's).
    f.get(p.update);
    f.if(() => {
      f.get(wsums).get(p.k).i32(8).op("i32.mul", "i32.add").set(end);
      f.get(sums).get(p.k).get(p.d).op("i32.mul").i32(8).op("i32.mul", "i32.add").set(xrEnd);
      for (const [from, to] of [[sums, xrEnd], [wsums, end]]) {
        f.get(from).set(xr);
        f.block((exit) =>
          f.loop((next) => {
            f.get(xr).get(to).op("i32.ge_u").brIf(exit);
            f.get(xr).f64(0).mem("f64.store");
            f.get(xr).i32(8).op("i32.add").set(xr).br(next);
          }),
        );
      }
    });
    splatParam(p.thrA);
    f.set(thrA);
    splatParam(p.thrB);
    f.set(thrB);

    /** Adds the row at `xr`, weighted by `w`, to the sums at `sr`, two columns at a time (then an odd one). */
    const accumulate = () => {
      f.block((exit) =>
        f.loop((next) => {
          f.get(xr).get(xrEnd).op("i32.ge_u").brIf(exit);
          f.get(sr).get(sr).mem("v128.load").get(xr);
          if (fl.bytes === 4) f.mem("v128.load64_zero").op("f64x2.promote_low_f32x4");
          else f.mem("v128.load");
          f.get(wv).op("f64x2.mul", "f64x2.add").mem("v128.store");
          f.get(xr).i32(2 * fl.bytes).op("i32.add").set(xr);
          f.get(sr).i32(16).op("i32.add").set(sr).br(next);
        }),
      );
      f.get(p.d).i32(1).op("i32.and");
      f.if(() => {
        f.get(sr).get(sr).mem("f64.load").get(xr);
        loadF64(f, fl);
        f.get(w).op("f64.mul", "f64.add").mem("f64.store");
      });
    };

    f.block((done) =>
      f.loop((nextBlock) => {
        f.get(row).get(rowEnd).op("i32.ge_s").brIf(done);
        f.get(p.xPacked).get(row).get(stride).op("i32.mul", "i32.add").set(xb);
        f.get(p.cPanels).set(pp).get(p.cNorms).set(pn);
        for (let v = 0; v < V; v++) {
          if (fl.bytes === 4) f.f32(Infinity).op("f32x4.splat");
          else f.f64(Infinity).op("f64x2.splat");
          f.tee(best[v]).set(second[v]).v128i32([0, 0, 0, 0]).set(bidx[v]);
        }
        f.v128i32([0, 0, 0, 0]).set(jvec);
        f.loop((nextPanel) => {
          // acc[v][g] = -2 x.c over the features, for the block's rows (lanes of the V vectors) and the W centers.
          for (const row of acc) for (const a of row) f.v128i32([0, 0, 0, 0]).set(a);
          f.get(xb).set(xp);
          addr(f, pp, p.d, W * fl.bytes);
          f.set(end);
          f.loop((next) => {
            for (let v = 0; v < V; v++) f.get(xp).mem("v128.load", v * 16).set(xv[v]);
            for (let g = 0; g < W; g++) {
              f.get(pp).mem(n.splat, g * fl.bytes).set(sv);
              for (let v = 0; v < V; v++) f.get(acc[v][g]).get(xv[v]).get(sv).op(`${n.vec}.mul`, `${n.vec}.add`).set(acc[v][g]);
            }
            f.get(xp).i32(R * fl.bytes).op("i32.add").set(xp);
            f.get(pp).i32(W * fl.bytes).op("i32.add").tee(pp);
            f.get(end).op("i32.lt_u").brIf(next);
          });
          // Centers in increasing order and strict comparisons: ties keep the lowest index. bidx only ever grows
          // (jvec is above every earlier index), so max(bidx, jvec & mask) selects jvec where the distance is lower.
          for (let g = 0; g < W; g++) {
            f.get(pn).mem(n.splat, g * fl.bytes).set(nrm);
            for (let v = 0; v < V; v++) {
              f.get(nrm).get(acc[v][g]).op(`${n.vec}.add`).set(dist);
              f.get(bidx[v]).get(jvec).get(dist).get(best[v]).op(`${n.vec}.lt`, "v128.and", "i32x4.max_s").set(bidx[v]);
              f.get(second[v]).get(best[v]).get(dist).op(`${n.vec}.pmax`, `${n.vec}.pmin`).set(second[v]);
              f.get(best[v]).get(dist).op(`${n.vec}.pmin`).set(best[v]);
            }
            f.get(jvec).v128i32([1, 1, 1, 1]).op("i32x4.add").set(jvec);
          }
          f.get(pn).i32(W * fl.bytes).op("i32.add").set(pn);
          f.get(pp).get(pEnd).op("i32.lt_u").brIf(nextPanel);
        });
        // Labels of the block (rows past the end land in the labels' padding), then the rows whose two smallest
        // distances are too close to tell apart are re-assigned exactly.
        f.get(p.labels).get(row).i32(4).op("i32.mul", "i32.add").set(lb);
        if (fl.lanes === 4) for (let v = 0; v < V; v++) f.get(lb).get(bidx[v]).mem("v128.store", v * 16);
        else {
          for (let r = 0; r < R; r++) f.get(lb).get(bidx[r >> 1]).lane("i32x4.extract_lane", 2 * (r & 1)).mem("i32.store", r * 4);
        }
        for (let v = 0; v < V; v++) {
          f.get(second[v]).get(best[v]).op(`${n.vec}.sub`);
          f.get(thrA).get(p.xNorms).get(row).i32(fl.bytes).op("i32.mul", "i32.add").mem("v128.load", v * 16).op(`${n.vec}.mul`).get(thrB).op(`${n.vec}.add`);
          f.op(`${n.vec}.le`).set(need[v]);
        }
        f.get(need[0]);
        for (let v = 1; v < V; v++) f.get(need[v]).op("v128.or");
        f.op("v128.any_true");
        f.if(() => {
          for (let r = 0; r < R; r++) {
            f.get(need[Math.floor(r / fl.lanes)]).lane("i32x4.extract_lane", (r % fl.lanes) * (4 / fl.lanes));
            f.get(row).i32(r).op("i32.add").get(rowEnd).op("i32.lt_s", "i32.and");
            f.if(() => {
              f.get(lb);
              f.get(p.xRows).get(row).i32(r).op("i32.add").get(stride).op("i32.mul", "i32.add").get(p.cRows).get(p.k).get(p.d).call(exactArgmin);
              f.mem("i32.store", r * 4);
            });
          }
        });
        f.get(p.update);
        f.if(() => {
          for (let r = 0; r < R; r++) {
            f.get(row).i32(r).op("i32.add").get(rowEnd).op("i32.lt_s");
            f.if(() => {
              f.get(lb).mem("i32.load", r * 4).set(label);
              f.get(p.weights).get(row).i32(8).op("i32.mul", "i32.add").mem("f64.load", r * 8).set(w);
              f.get(p.xRows).get(row).i32(r).op("i32.add").get(stride).op("i32.mul", "i32.add").tee(xr);
              f.get(p.d).i32(-2).op("i32.and").i32(fl.bytes).op("i32.mul", "i32.add").set(xrEnd);
              f.get(sums).get(label).get(p.d).op("i32.mul").i32(8).op("i32.mul", "i32.add").set(sr);
              f.get(w).op("f64x2.splat").set(wv);
              accumulate();
              f.get(wsums).get(label).i32(8).op("i32.mul", "i32.add").tee(sr);
              f.get(sr).mem("f64.load").get(w).op("f64.add").mem("f64.store");
            });
          }
        });
        f.get(row).i32(R).op("i32.add").set(row).br(nextBlock);
      }),
    );
  }, kernelName.lloyd(fl));
}

/**
 * The samples' layouts for the Lloyd kernel, one chunk of rows per call: copies each row of `xRows` times `scale`
 * (a power of two: the filter's units) into its row block of `xPacked` (`[block][col][row]`) and writes the norm of
 * the scaled row, `sqrt(sum of x^2) * margin` (float64 squares summed in column order, stored in the flavor's
 * precision), to `xNorms`, and the chunk's largest |x| (unscaled, float64) to `maxAbs[chunk]`. Padding (rows past
 * `n`) is left untouched.
 */
function lloydPrepareKernel(m: ModuleBuilder, fl: Flavor): void {
  const n = names(fl);
  const { types, p } = declare(LLOYD_PREPARE_PARAMS);
  const { rows: R } = lloydBlock(fl);
  m.func(types, [], (f) => {
    const [row, rowEnd, stride, pb, src, srcEnd, dst, pe] = Array.from({ length: 8 }, () => f.local(I32));
    const acc = Array.from({ length: R / 2 }, () => f.local(V128));
    const x = f.local(V128);
    const [value, mx] = [f.local(F64), f.local(F64)];
    f.f64(0).set(mx);
    f.get(p.d).i32(fl.bytes).op("i32.mul").set(stride);
    f.get(p.chunk).get(p.chunkRows).op("i32.mul").set(row);
    minI32(f, () => f.get(p.n), () => f.get(row).get(p.chunkRows).op("i32.add"));
    f.set(rowEnd);
    f.block((done) =>
      f.loop((nextBlock) => {
        f.get(row).get(rowEnd).op("i32.ge_s").brIf(done);
        f.get(p.xPacked).get(row).get(stride).op("i32.mul", "i32.add").set(pb);
        for (let r = 0; r < R; r++) {
          f.get(row).i32(r).op("i32.add").get(rowEnd).op("i32.lt_s");
          f.if(() => {
            f.get(p.xRows).get(row).i32(r).op("i32.add").get(stride).op("i32.mul", "i32.add").tee(src).get(stride).op("i32.add").set(srcEnd);
            f.get(pb).i32(r * fl.bytes).op("i32.add").set(dst);
            f.block((exit) =>
              f.loop((next) => {
                f.get(src).get(srcEnd).op("i32.ge_u").brIf(exit);
                f.get(dst).get(src);
                loadF64(f, fl);
                f.tee(value).get(p.scale).op("f64.mul");
                if (fl.bytes === 4) f.op("f32.demote_f64");
                f.mem(`${n.scalar}.store`);
                f.get(mx).get(value).op("f64.abs", "f64.max").set(mx);
                f.get(src).i32(fl.bytes).op("i32.add").set(src);
                f.get(dst).i32(R * fl.bytes).op("i32.add").set(dst).br(next);
              }),
            );
          });
        }
        // Squared norms of the block's rows, two rows per float64 vector, column by column.
        for (const a of acc) f.v128i32([0, 0, 0, 0]).set(a);
        f.get(pb).get(stride).i32(R).op("i32.mul", "i32.add").set(pe);
        f.get(pb).set(src);
        f.block((exit) =>
          f.loop((next) => {
            f.get(src).get(pe).op("i32.ge_u").brIf(exit);
            acc.forEach((a, q) => {
              f.get(src);
              if (fl.bytes === 4) f.mem("v128.load64_zero", q * 8).op("f64x2.promote_low_f32x4");
              else f.mem("v128.load", q * 16);
              f.set(x).get(a).get(x).get(x).op("f64x2.mul", "f64x2.add").set(a);
            });
            f.get(src).i32(R * fl.bytes).op("i32.add").set(src).br(next);
          }),
        );
        for (let r = 0; r < R; r++) {
          f.get(row).i32(r).op("i32.add").get(rowEnd).op("i32.lt_s");
          f.if(() => {
            f.get(p.xNorms).get(row).i32(fl.bytes).op("i32.mul", "i32.add");
            f.get(acc[r >> 1]).lane("f64x2.extract_lane", r & 1).op("f64.sqrt").get(p.margin).op("f64.mul");
            if (fl.bytes === 4) f.op("f32.demote_f64");
            f.mem(`${n.scalar}.store`, r * fl.bytes);
          });
        }
        f.get(row).i32(R).op("i32.add").set(row).br(nextBlock);
      }),
    );
    f.get(p.maxAbs).get(p.chunk).i32(8).op("i32.mul", "i32.add").get(mx).mem("f64.store");
  }, kernelName.lloydPrepare(fl));
}

/**
 * Adds the Lloyd kernel's per-chunk partial sums up in chunk order into the first chunk's (as the pure-TypeScript
 * path adds its chunks: element by element, chunk after chunk), on one call: `(0, 0, sums, wsums, chunks, k, d)`.
 */
function lloydReduceKernel(m: ModuleBuilder): void {
  const { types, p } = declare(LLOYD_REDUCE_PARAMS);
  m.func(types, [], (f) => {
    const [c, dst, src, end, len] = Array.from({ length: 5 }, () => f.local(I32));
    const add = (base: number, elements: () => void) => {
      elements();
      f.i32(8).op("i32.mul").set(len);
      f.forRange(c, () => f.i32(1), () => f.get(p.chunks), 1, () => {
        f.get(base).set(dst);
        f.get(base).get(c).get(len).op("i32.mul", "i32.add").set(src);
        // Pairs, then an odd last element.
        f.get(dst).get(len).i32(-16).op("i32.and", "i32.add").set(end);
        f.block((exit) =>
          f.loop((next) => {
            f.get(dst).get(end).op("i32.ge_u").brIf(exit);
            f.get(dst).get(dst).mem("v128.load").get(src).mem("v128.load").op("f64x2.add").mem("v128.store");
            f.get(dst).i32(16).op("i32.add").set(dst);
            f.get(src).i32(16).op("i32.add").set(src).br(next);
          }),
        );
        f.get(len).i32(8).op("i32.and");
        f.if(() => f.get(dst).get(dst).mem("f64.load").get(src).mem("f64.load").op("f64.add").mem("f64.store"));
      });
    };
    add(p.sums, () => f.get(p.k).get(p.d).op("i32.mul"));
    add(p.wsums, () => f.get(p.k));
  }, "lloyd_reduce");
}

/** `argmin(x, centers, k, d) -> i32`: nearest center by exact distances, ties to the lowest index. */
function exactArgminFunction(m: ModuleBuilder, fl: Flavor, exact: number): number {
  return m.func([I32, I32, I32, I32], [I32], (f) => {
    const [x, c, k, d] = [0, 1, 2, 3];
    const [j, label, stride] = [f.local(I32), f.local(I32), f.local(I32)];
    const [best, s] = [f.local(F64), f.local(F64)];
    f.f64(Infinity).set(best).get(d).i32(fl.bytes).op("i32.mul").set(stride);
    f.forRange(j, () => f.i32(0), () => f.get(k), 1, () => {
      f.get(x).get(c).get(j).get(stride).op("i32.mul", "i32.add").get(d).call(exact).tee(s).get(best).op("f64.lt");
      f.if(() => f.get(s).set(best).get(j).set(label));
    });
    f.get(label);
  });
}

/** Parameters of the functions the k-nearest kernel offers a passing (query, training row) pair to. */
const CONSIDER_PARAMS = ["q", "t", "qRows", "tRows", "d", "kk", "heapD", "heapI", "heapN", "thr", "qOffset", "qBound", "rel:f64"] as const;

/** Pushes the exact distance of query `q` and training row `t` (rows of `ex`'s dtype), by the function `exact`. */
function exactOfPair(f: FunctionBuilder, p: ParamMap<typeof CONSIDER_PARAMS>, ex: Flavor, exact: number): void {
  const stride = () => f.get(p.d).i32(ex.bytes).op("i32.mul");
  f.get(p.qRows).get(p.q);
  stride();
  f.op("i32.mul", "i32.add").get(p.tRows).get(p.t);
  stride();
  f.op("i32.mul", "i32.add").get(p.d).call(exact);
}

/**
 * `consider(q, t, ...)`: computes the exact distance of query q to train row t (rows of the `ex` flavor) and offers
 * it to q's max-heap of (distance, index) pairs, ordered lexicographically so that equal distances keep the lower
 * index. Once the heap is full, it refreshes q's filter threshold to `(max - qOffset[q]) * rel + qBound[q]`, in the
 * filter flavor `fl`'s precision.
 */
function considerFunction(m: ModuleBuilder, fl: Flavor, ex: Flavor, exact: number): number {
  const n = names(fl);
  const { types, p } = declare(CONSIDER_PARAMS, false);
  return m.func(types, [], (f) => {
    const dist = f.local(F64);
    const [hd, hi, size, c, parent, child, l] = Array.from({ length: 7 }, () => f.local(I32));
    exactOfPair(f, p, ex, exact);
    f.set(dist);
    f.get(p.heapD).get(p.q).get(p.kk).op("i32.mul").i32(8).op("i32.mul", "i32.add").set(hd);
    f.get(p.heapI).get(p.q).get(p.kk).op("i32.mul").i32(4).op("i32.mul", "i32.add").set(hi);
    f.get(p.heapN).get(p.q).i32(4).op("i32.mul", "i32.add").mem("i32.load").set(size);
    // Heap slots are i32 locals; the root is slot `root`, a local kept at 0.
    const root = f.local(I32);
    const dAt = (slot: number) => f.get(hd).get(slot).i32(8).op("i32.mul", "i32.add");
    const iAt = (slot: number) => f.get(hi).get(slot).i32(4).op("i32.mul", "i32.add");
    // Pushes whether (distance a, index a) is above (distance b, index b) in the lexicographic order.
    const above = (distA: () => void, indexA: () => void, distB: () => void, indexB: () => void) => {
      distA();
      distB();
      f.op("f64.gt");
      distA();
      distB();
      f.op("f64.eq");
      indexA();
      indexB();
      f.op("i32.gt_s", "i32.and", "i32.or");
    };
    const distOf = (slot: number, offset = 0) => () => dAt(slot).mem("f64.load", 8 * offset);
    const indexOf = (slot: number, offset = 0) => () => iAt(slot).mem("i32.load", 4 * offset);
    // Pushes whether the entry at `slot` is above the candidate (dist, t).
    const entryAbove = (slot: number) => above(distOf(slot), indexOf(slot), () => f.get(dist), () => f.get(p.t));
    const moveEntry = (to: number, from: number) => {
      dAt(to);
      dAt(from);
      f.mem("f64.load").mem("f64.store");
      iAt(to);
      iAt(from);
      f.mem("i32.load").mem("i32.store");
    };
    const place = (slot: number) => {
      dAt(slot);
      f.get(dist).mem("f64.store");
      iAt(slot);
      f.get(p.t).mem("i32.store");
    };
    f.get(size).get(p.kk).op("i32.lt_s");
    f.if(
      () => {
        f.get(p.heapN).get(p.q).i32(4).op("i32.mul", "i32.add").get(size).i32(1).op("i32.add").mem("i32.store");
        f.get(size).set(c);
        f.block((exit) =>
          f.loop((next) => {
            f.get(c).op("i32.eqz").brIf(exit);
            f.get(c).i32(1).op("i32.sub").i32(1).op("i32.shr_u").set(parent);
            entryAbove(parent);
            f.brIf(exit);
            moveEntry(c, parent);
            f.get(parent).set(c).br(next);
          }),
        );
        place(c);
      },
      () => {
        // Full: replace the root only if (dist, t) is below it, then sift down.
        entryAbove(root);
        f.op("i32.eqz");
        f.if(() => f.op("return"));
        f.get(root).set(c);
        f.block((exit) =>
          f.loop((next) => {
            f.get(c).i32(2).op("i32.mul").i32(1).op("i32.add").tee(l).get(p.kk).op("i32.ge_s").brIf(exit);
            f.get(l).set(child);
            f.get(l).i32(1).op("i32.add").get(p.kk).op("i32.lt_s");
            f.if(() => {
              // The right child (the entry after the left one) wins if it is above the left one.
              above(distOf(l, 1), indexOf(l, 1), distOf(l), indexOf(l));
              f.if(() => f.get(l).i32(1).op("i32.add").set(child));
            });
            entryAbove(child);
            f.op("i32.eqz").brIf(exit);
            moveEntry(c, child);
            f.get(child).set(c).br(next);
          }),
        );
        place(c);
      },
    );
    f.get(p.heapN).get(p.q).i32(4).op("i32.mul", "i32.add").mem("i32.load").get(p.kk).op("i32.lt_s");
    f.if(() => f.op("return"));
    f.get(p.thr).get(p.q).i32(fl.bytes).op("i32.mul", "i32.add");
    f.get(hd).mem("f64.load").get(p.qOffset).get(p.q).i32(8).op("i32.mul", "i32.add").mem("f64.load").op("f64.sub");
    f.get(p.rel).op("f64.mul").get(p.qBound).get(p.q).i32(8).op("i32.mul", "i32.add").mem("f64.load").op("f64.add");
    if (fl.bytes === 4) f.op("f32.demote_f64");
    f.mem(`${n.scalar}.store`);
  });
}

/**
 * `consider(q, t, ...)` of the radius kernel, with the k-nearest one's parameters: computes the exact distance of
 * query q to train row t and, when it is <= q's limit (`qBound[q]` here: the radius in exact units, widened to cover
 * the host's final comparison), appends (distance, t) to q's list of `kk` slots in `heapD` / `heapI`. `heapN[q]`
 * counts every such candidate, also beyond `kk`, so that the host knows how much room an overflowing query needs.
 * The threshold `thr[q]` is set once by the host and never changed.
 */
function radiusConsiderFunction(m: ModuleBuilder, ex: Flavor, exact: number): number {
  const { types, p } = declare(CONSIDER_PARAMS, false);
  return m.func(types, [], (f) => {
    const dist = f.local(F64);
    const [size, countAt, slot] = [f.local(I32), f.local(I32), f.local(I32)];
    exactOfPair(f, p, ex, exact);
    f.set(dist);
    f.get(dist).get(p.qBound).get(p.q).i32(8).op("i32.mul", "i32.add").mem("f64.load").op("f64.gt");
    f.if(() => f.op("return"));
    f.get(p.heapN).get(p.q).i32(4).op("i32.mul", "i32.add").tee(countAt).mem("i32.load").set(size);
    f.get(countAt).get(size).i32(1).op("i32.add").mem("i32.store");
    f.get(size).get(p.kk).op("i32.lt_s");
    f.if(() => {
      f.get(p.q).get(p.kk).op("i32.mul").get(size).op("i32.add").set(slot);
      f.get(p.heapD).get(slot).i32(8).op("i32.mul", "i32.add").get(dist).mem("f64.store");
      f.get(p.heapI).get(slot).i32(4).op("i32.mul", "i32.add").get(p.t).mem("i32.store");
    });
  });
}

/**
 * k-nearest search for one chunk of queries against every train row: train panels are walked in blocks that stay
 * in cache while every query block of the chunk passes over them. Approximate distances in the filter flavor `fl`
 * (`||t||^2 - 2 q.t` for euclidean and cosine, manhattan or chebyshev directly) are compared with each query's
 * threshold, a bound above which no candidate can enter its heap; the few that pass are offered exactly by
 * `consider`, on the exact rows of flavor `ex`.
 */
function knnKernel(m: ModuleBuilder, fl: Flavor, ex: Flavor, metric: KernelMetric, consider: number, name = kernelName.knn(fl, ex, metric)): void {
  const n = names(fl);
  const { types, p } = declare(KNN_PARAMS);
  m.func(types, [], (f) => {
    const [q0, q1, pb, pe, qb, xb, xp, pp, ppEnd, pn, t, panelBytes, tt, q] = Array.from({ length: 14 }, () => f.local(I32));
    const acc = vectors(f);
    const thrv = Array.from({ length: BLOCK_ROWS }, () => f.local(V128));
    const anyPass = f.local(V128);
    const loadThr = (r: number) => f.get(p.thr).get(qb).i32(r).op("i32.add").i32(fl.bytes).op("i32.mul", "i32.add");
    f.get(p.d).i32(fl.panelWidth * fl.bytes).op("i32.mul").set(panelBytes);
    f.get(p.chunk).get(p.chunkQueries).op("i32.mul").set(q0);
    minI32(f, () => f.get(p.mq), () => f.get(q0).get(p.chunkQueries).op("i32.add"));
    f.set(q1);
    f.forRange(pb, () => f.i32(0), () => f.get(p.nPanels), { local: p.panelsPerBlock }, () => {
      minI32(f, () => f.get(p.nPanels), () => f.get(pb).get(p.panelsPerBlock).op("i32.add"));
      f.set(pe);
      f.forRange(qb, () => f.get(q0), () => f.get(q1), BLOCK_ROWS, () => {
        f.get(p.qPacked).get(qb).get(p.d).op("i32.mul").i32(fl.bytes).op("i32.mul", "i32.add").set(xb);
        for (let r = 0; r < BLOCK_ROWS; r++) {
          loadThr(r);
          f.mem(n.splat).set(thrv[r]);
        }
        f.get(p.tPanels).get(pb).get(panelBytes).op("i32.mul", "i32.add").set(pp);
        f.get(p.tPanels).get(pe).get(panelBytes).op("i32.mul", "i32.add").set(ppEnd);
        f.get(p.tNorms).get(pb).i32(fl.panelWidth * fl.bytes).op("i32.mul", "i32.add").set(pn);
        f.get(pb).i32(fl.panelWidth).op("i32.mul").set(t);
        f.loop((nextPanel) => {
          f.get(xb).set(xp);
          microKernel(f, fl, metric, pp, xp, p.d, acc);
          f.v128i32([0, 0, 0, 0]).set(anyPass);
          for (let r = 0; r < BLOCK_ROWS; r++) {
            for (let v = 0; v < PANEL_VECTORS; v++) {
              if (metric === "euclidean" || metric === "cosine") {
                f.get(pn).mem("v128.load", v * 16).get(acc[r][v]).get(acc[r][v]).op(`${n.vec}.add`, `${n.vec}.sub`).set(acc[r][v]);
              }
              f.get(anyPass).get(acc[r][v]).get(thrv[r]).op(`${n.vec}.lt`, "v128.or").set(anyPass);
            }
          }
          f.get(anyPass).op("v128.any_true");
          f.if(() => {
            for (let r = 0; r < BLOCK_ROWS; r++) {
              f.get(qb).i32(r).op("i32.add").set(q);
              for (let v = 0; v < PANEL_VECTORS; v++) {
                for (let l = 0; l < fl.lanes; l++) {
                  f.get(acc[r][v]).lane(`${n.vec}.extract_lane`, l);
                  loadThr(r);
                  f.mem(n.load).op(`${n.scalar}.lt`);
                  f.get(t).i32(v * fl.lanes + l).op("i32.add").tee(tt).get(p.nt).op("i32.lt_s", "i32.and");
                  f.if(() => {
                    f.get(q).get(tt);
                    for (const name of ["qRows", "tRows", "d", "kk", "heapD", "heapI", "heapN", "thr", "qOffset", "qBound", "rel"] as const) f.get(p[name]);
                    f.call(consider);
                  });
                }
              }
              loadThr(r);
              f.mem(n.splat).set(thrv[r]);
            }
          });
          f.get(pn).i32(fl.panelWidth * fl.bytes).op("i32.add").set(pn);
          f.get(t).i32(fl.panelWidth).op("i32.add").set(t);
          f.get(pp).get(ppEnd).op("i32.lt_u").brIf(nextPanel);
        });
      });
    });
  }, name);
}

/** Builds the kernel module: every kernel in both flavors, over an imported (shared, for threads) memory. */
export function buildKernelModule(memory: MemoryImport): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder(memory);
  for (const fl of Object.values(FLAVORS)) {
    const exactSq = exactDistance(m, fl, "euclidean");
    lloydKernel(m, fl, exactArgminFunction(m, fl, exactSq));
    lloydPrepareKernel(m, fl);
  }
  // k-nearest filters run in float32 on data of either dtype (float64 rows rounded, the bound widened for it); the
  // exact re-check reads the rows in their own dtype. Cosine's normalised rows are always float64.
  for (const ex of Object.values(FLAVORS)) {
    for (const metric of KNN_METRICS) {
      if (metric === "cosine" && ex.bytes === 4) continue;
      const exact = exactDistance(m, ex, metric);
      knnKernel(m, FLAVORS.float32, ex, metric, considerFunction(m, FLAVORS.float32, ex, exact));
      // Radius queries walk the same filter (the rows visited by ascending index for each query).
      knnKernel(m, FLAVORS.float32, ex, metric, radiusConsiderFunction(m, ex, exact), kernelName.radius(FLAVORS.float32, ex, metric));
    }
  }
  lloydReduceKernel(m);
  exactKernels(m);
  statsKernels(m);
  return m.toBytes();
}
