/**
 * Per-cluster sums of distances (the silhouette's pairwise part): one invocation per (row, cluster) pair adds the
 * row's distances to that cluster's members, read through a cluster-sorted row order, so every pair of rows is
 * formed once and no n x n distances exist anywhere. Rows are cut into steps of the pace's budget.
 */
import type { Gpu } from "../device.js";
import type { WebGPUMatrix } from "../resident.js";
import { range, WGSL_GROUP_INDEX } from "./dispatch.js";
import type { Paced } from "./pacing.js";

const WORKGROUP = 64;
const MODE = { euclidean: 0, manhattan: 1, cosine: 2 } as const;
/** Distances added into a block sum before it joins the total: float32 error ~ (d + BLOCK + n / BLOCK) ulps, not n. */
const BLOCK = 256;

const SOURCE = /* wgsl */ `
// mode: 0 euclidean, 1 manhattan, 2 cosine (rows already normalised as scikit-learn's normalize does)
struct Params { start: u32, count: u32, n: u32, d: u32, k: u32, mode: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// Row indices sorted by cluster; cluster c's rows are order[offsets[c] .. offsets[c + 1]).
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;
${WGSL_GROUP_INDEX}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = group_index(wid, nwg) * ${WORKGROUP}u + lid.x;
  if (t >= p.count * p.k) { return; }
  let i = p.start + t / p.k;
  let c = t % p.k;
  var total = 0.0;
  var block = 0.0;
  var inBlock = 0u;
  for (var q = offsets[c]; q < offsets[c + 1u]; q++) {
    let j = order[q];
    var s = 0.0;
    for (var f = 0u; f < p.d; f++) {
      let a = x[i * p.d + f];
      let b = x[j * p.d + f];
      if (p.mode == 0u) { s += (a - b) * (a - b); } else if (p.mode == 1u) { s += abs(a - b); } else { s += a * b; }
    }
    // cosine_distances: 1 - similarity clipped to [0, 2], and 0 from a row to itself (a zero row included).
    var dist = s;
    if (p.mode == 0u) { dist = sqrt(s); } else if (p.mode == 2u) { dist = select(clamp(1.0 - s, 0.0, 2.0), 0.0, i == j); }
    block += dist;
    inBlock++;
    if (inBlock == ${BLOCK}u) { total += block; block = 0.0; inBlock = 0u; }
  }
  sums[i * p.k + c] = total + block;
}
`;

/**
 * Records the sums of every row of `X` to each of `k` clusters into `sums` (n x k float32), as steps of `paced`
 * of about its budget in distance terms; for cosine, `X` holds the l2-normalised rows. `order` and `offsets` list the rows of each cluster (see the kernel).
 */
export async function encodeClusterSums(
  gpu: Gpu,
  paced: Paced,
  X: WebGPUMatrix,
  buffers: { order: GPUBuffer; offsets: GPUBuffer; sums: GPUBuffer },
  k: number,
  metric: keyof typeof MODE,
): Promise<void> {
  const pipeline = await gpu.pipeline(SOURCE);
  const { rows: n, cols: d } = X;
  for (let start = 0; start < n; ) {
    const count = Math.min(n - start, Math.max(1, Math.floor(paced.budget / (n * d))));
    const first = start;
    await paced.step(count * n * d, (batch) =>
      batch.dispatch(
        pipeline,
        [first, count, n, d, k, MODE[metric]],
        [range(X.buffer, n * d * 4), range(buffers.order, n * 4), range(buffers.offsets, (k + 1) * 4), range(buffers.sums, n * k * 4)],
        Math.ceil((count * k) / WORKGROUP),
      ),
    );
    start += count;
  }
}
