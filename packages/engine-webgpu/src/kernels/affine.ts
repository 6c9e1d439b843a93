/** Element-wise affine maps per column: StandardScaler's (x - mean) / scale and its inverse x * scale + mean. */
import type { Gpu } from "../device.js";
import type { WebGPUMatrix } from "../resident.js";
import { range, rowRange, stepChunks, WGSL_GROUP_INDEX } from "./dispatch.js";
import type { Paced } from "./pacing.js";

const WORKGROUP = 256;

const SOURCE = /* wgsl */ `
struct Params { count: u32, cols: u32, inverse: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// mean (cols values) then scale (cols values)
@group(0) @binding(2) var<storage, read> coef: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${WGSL_GROUP_INDEX}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = group_index(wid, nwg) * ${WORKGROUP}u + lid.x;
  if (i >= p.count) { return; }
  let j = i % p.cols;
  let m = coef[j];
  let s = coef[p.cols + j];
  // Divide rather than multiply by a reciprocal, as the CPU engine and scikit-learn do.
  if (p.inverse == 1u) { out[i] = x[i] * s + m; } else { out[i] = (x[i] - m) / s; }
}
`;

/**
 * Records `out = (X - mean) / scale` (or the inverse) over every row chunk of `X` as steps of `paced`. `coef`
 * holds the float32 mean then the scale, `cols` values each.
 */
export async function encodeAffine(gpu: Gpu, paced: Paced, X: WebGPUMatrix, coef: GPUBuffer, out: WebGPUMatrix, inverse: boolean, maxBindingBytes: number): Promise<void> {
  const pipeline = await gpu.pipeline(SOURCE);
  const rowBytes = X.cols * 4;
  for (const chunk of stepChunks(gpu, X.rows, [rowBytes], maxBindingBytes, paced.budget / X.cols)) {
    const count = chunk.count * X.cols;
    await paced.step(count, (batch) =>
      batch.dispatch(
        pipeline,
        [count, X.cols, inverse ? 1 : 0],
        [rowRange(X.buffer, chunk, rowBytes), range(coef, 2 * X.cols * 4), rowRange(out.buffer, chunk, rowBytes)],
        Math.ceil(count / WORKGROUP),
      ),
    );
  }
}
