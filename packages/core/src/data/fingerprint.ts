/** A fingerprint of a matrix's values, for engines that keep an upload of host data for the next hook. */

/**
 * Two independent 32-bit hashes of a typed array's bytes and its length: equal fingerprints mean, barring a
 * 2^-64 accident, equal contents. Engines use it to tell whether host data they sent for one hook (KMeans init,
 * a StandardScaler fit) is unchanged when the next hook receives the same matrix, so the data crosses once.
 */
export function contentFingerprint(data: Float32Array | Float64Array): string {
  const words = new Int32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i], 0x01000193);
    b = Math.imul(b + words[i], 0x85ebca6b) ^ (b >>> 13);
  }
  return `${a >>> 0}:${b >>> 0}:${words.length}`;
}
