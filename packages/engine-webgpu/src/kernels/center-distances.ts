/** Euclidean distances from every row to every center (KMeans.transform), centers tiled in workgroup memory. */
import type { Gpu } from "../device.js";
import { tileFloats } from "../options.js";
import type { WebGPUMatrix } from "../resident.js";
import { range, rowRange, stepChunks, WGSL_GROUP_INDEX } from "./dispatch.js";
import type { Paced } from "./pacing.js";

const WORKGROUP = 256;

const source = (tile: number) => /* wgsl */ `
struct Params { rows: u32, cols: u32, k: u32, groups: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> centers: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${WGSL_GROUP_INDEX}
var<workgroup> tile: array<f32, ${tile}>;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let g = group_index(wid, nwg);
  if (g >= p.groups) { return; }
  let row = g * ${WORKGROUP}u + lid.x;
  let valid = row < p.rows;
  let tileRows = ${tile}u / p.cols;
  for (var c0 = 0u; c0 < p.k; c0 += tileRows) {
    let n = min(tileRows, p.k - c0);
    workgroupBarrier();
    for (var t = lid.x; t < n * p.cols; t += ${WORKGROUP}u) { tile[t] = centers[c0 * p.cols + t]; }
    workgroupBarrier();
    if (valid) {
      for (var c = 0u; c < n; c++) {
        var d = 0.0;
        for (var f = 0u; f < p.cols; f++) { let v = x[row * p.cols + f] - tile[c * p.cols + f]; d += v * v; }
        out[row * p.k + c0 + c] = sqrt(d);
      }
    }
  }
}
`;

/** Records `out[i, c] = ||X[i] - centers[c]||` over every row chunk of `X` as steps of `paced`; `out` is rows x k. */
export async function encodeCenterDistances(gpu: Gpu, paced: Paced, X: WebGPUMatrix, centers: GPUBuffer, out: WebGPUMatrix, maxBindingBytes: number): Promise<void> {
  const pipeline = await gpu.pipeline(source(tileFloats(gpu)));
  const { cols } = X;
  const k = out.cols;
  for (const chunk of stepChunks(gpu, X.rows, [cols * 4, k * 4], maxBindingBytes, paced.budget / (k * cols))) {
    const groups = Math.ceil(chunk.count / WORKGROUP);
    await paced.step(chunk.count * k * cols, (batch) =>
      batch.dispatch(
        pipeline,
        [chunk.count, cols, k, groups],
        [rowRange(X.buffer, chunk, cols * 4), range(centers, k * cols * 4), rowRange(out.buffer, chunk, k * 4)],
        groups,
      ),
    );
  }
}
