/** Row normalisation: each row divided by its l1, l2 or max norm (Normalizer), one invocation per row. */
import type { Gpu } from "../device.js";
import type { WebGPUMatrix } from "../resident.js";
import { rowRange, stepChunks, WGSL_GROUP_INDEX } from "./dispatch.js";
import type { Paced } from "./pacing.js";

const WORKGROUP = 64;

/** The kernel's code of each norm. */
export const NORM_CODE = { l1: 0, l2: 1, max: 2 } as const;

const SOURCE = /* wgsl */ `
struct Params { rows: u32, cols: u32, norm: u32, tiny: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${WGSL_GROUP_INDEX}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = group_index(wid, nwg) * ${WORKGROUP}u + lid.x;
  if (i >= p.rows) { return; }
  let base = i * p.cols;
  var s = 0.0;
  for (var j = 0u; j < p.cols; j++) {
    let v = x[base + j];
    if (p.norm == 0u) { s += abs(v); } else if (p.norm == 1u) { s += v * v; } else { s = max(s, abs(v)); }
  }
  let n = select(s, sqrt(s), p.norm == 1u);
  // scikit-learn's _handle_zeros_in_scale: a norm below 10 eps (of X's dtype) leaves the row unchanged.
  let d = select(n, 1.0, n < p.tiny);
  for (var j = 0u; j < p.cols; j++) { out[base + j] = x[base + j] / d; }
}
`;

/**
 * Records `out = X / rowNorm(X)` over every row chunk of `X` as steps of `paced`; `tiny` is the norm below which
 * a row is copied unchanged. Paced as an element-wise kernel: each row is read twice and written once.
 */
export async function encodeRowNormalize(gpu: Gpu, paced: Paced, X: WebGPUMatrix, out: WebGPUMatrix, norm: keyof typeof NORM_CODE, tiny: number, maxBindingBytes: number): Promise<void> {
  const pipeline = await gpu.pipeline(SOURCE);
  const rowBytes = X.cols * 4;
  for (const chunk of stepChunks(gpu, X.rows, [rowBytes], maxBindingBytes, paced.budget / X.cols)) {
    await paced.step(chunk.count * X.cols, (batch) =>
      batch.dispatch(
        pipeline,
        [chunk.count, X.cols, NORM_CODE[norm], { f32: tiny }],
        [rowRange(X.buffer, chunk, rowBytes), rowRange(out.buffer, chunk, rowBytes)],
        Math.ceil(chunk.count / WORKGROUP),
      ),
    );
  }
}
