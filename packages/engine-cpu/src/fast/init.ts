/**
 * Greedy k-means++ on the fast path, drawing from the generator exactly as core's reference
 * (`kmeansPlusPlusIndices`) does: per run, `randInt(n)` for the first center, then per further center all
 * `2 + floor(ln k)` draws before any distance. X is packed into kernel memory once per call; each center's
 * candidates are compared with every row in one batched kernel call (see {@link PackedRows.trials}), which caps
 * their distances by the current closest ones and sums each candidate's potential per chunk. The cumulative sums
 * and the searches that turn draws into rows run here, in float64 and in the reference's order.
 *
 * Every distance is the reference's bit for bit (float64 direct differences on X times the same power of two,
 * summed in column order), and so is the potential the draws are scaled by (the last cumulative sum is the
 * reference's sequential sum). Only a candidate's potential, compared with the other candidates', is added up
 * per chunk and then over chunks: two candidates whose potentials agree to rounding may be ordered differently.
 */
import { kmeansPlusPlusScale, kmeansPlusPlusTrials, searchSortedLeft, type Matrix, type RandomState } from "@plugml/core";
import { PackedRows } from "./exact.js";
import type { KernelRuntime } from "./runtime.js";

/**
 * `nInit` runs of greedy k-means++ on the rows of `X` (`nClusters` row indices each, in the order chosen), drawing
 * from `rng` in turn, as `nInit` calls of core's `kmeansPlusPlusIndices`. Aborting `signal` stops it between kernel
 * chunks, rejecting with core's `AbortError`.
 */
export function fastKMeansPlusPlus(runtime: KernelRuntime, X: Matrix, nClusters: number, nInit: number, rng: RandomState, signal?: AbortSignal): Promise<Int32Array[]> {
  return runtime.exclusive(async (arena, run) => {
    const { rows: n, cols: d, data } = X;
    const trials = kmeansPlusPlusTrials(nClusters);
    const scale = kmeansPlusPlusScale(data);
    const rows = new PackedRows(arena, run, runtime.slots, data, n, d, scale);
    const P = rows.padded;
    // Fewer centers never make more chunks, so the first center's call fits too.
    const chunks = rows.chunks(trials);
    const at = {
      centers: arena.alloc(trials * d * 8),
      closest: arena.alloc(P * 8),
      out: arena.alloc(trials * P * 8),
      pots: arena.alloc(chunks * trials * 8),
    };
    const candidates = arena.f64(at.centers, trials * d);
    const closest = arena.f64(at.closest, P);
    const out = arena.f64(at.out, trials * P);
    const pots = arena.f64(at.pots, chunks * trials);
    const cumsum = new Float64Array(n);
    const draws = new Float64Array(trials);
    const ids = new Int32Array(trials);

    /** Puts row `id` of X, times the scale (the reference's products), as candidate `t`. */
    const setCandidate = (t: number, id: number) => {
      for (let j = 0; j < d; j++) candidates[t * d + j] = data[id * d + j] * scale;
    };
    /** Takes candidate `t`'s capped distances as the closest ones; returns their sum, in row order. */
    const keep = (t: number) => {
      closest.set(out.subarray(t * P, (t + 1) * P));
      let acc = 0;
      for (let i = 0; i < n; i++) cumsum[i] = acc += closest[i];
      return acc;
    };

    const runs: Int32Array[] = [];
    for (let r = 0; r < nInit; r++) {
      const indices = new Int32Array(nClusters);
      indices[0] = rng.randInt(n);
      runs.push(indices);
      // One center needs no distance: the reference computes them but draws nothing more.
      if (nClusters === 1) continue;
      // No cap on the first center's distances (padded rows: 0, so they add nothing).
      closest.fill(Infinity, 0, n).fill(0, n);
      setCandidate(0, indices[0]);
      await rows.trials(at, 1);
      let currentPot = keep(0);
      for (let c = 1; c < nClusters; c++) {
        // All draws come first, as in the reference, so the stream consumed per center is fixed.
        for (let t = 0; t < trials; t++) draws[t] = rng.random() * currentPot;
        for (let t = 0; t < trials; t++) {
          // Rounding can leave the draw above the last cumulative sum; searchsorted then returns n, clipped.
          ids[t] = Math.min(searchSortedLeft(cumsum, draws[t]), n - 1);
          setCandidate(t, ids[t]);
        }
        await rows.trials(at, trials);
        let bestPot = Infinity;
        let best = -1;
        for (let t = 0; t < trials; t++) {
          let pot = 0;
          for (let chunk = 0; chunk < chunks; chunk++) pot += pots[chunk * trials + t];
          // Strictly lower: on ties the earlier candidate wins, as in the reference.
          if (pot < bestPot) {
            bestPot = pot;
            best = t;
          }
        }
        indices[c] = ids[best];
        currentPot = keep(best);
      }
    }
    return runs;
  }, signal);
}
