// Writes .npy files (format 1.0) from typed arrays, as numpy's np.save would, for the tests of DaskMatrix.readNpy.
import { writeFileSync } from "node:fs";

/** Saves `data` (rows x cols, row-major) to `path` as a C-ordered little-endian float32 or float64 array. */
export function saveNpy(path: string, data: Float32Array | Float64Array, rows: number, cols: number): void {
  const descr = data instanceof Float32Array ? "<f4" : "<f8";
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
