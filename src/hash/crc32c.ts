/** CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), as lib/crc32 computes crc32c(~0, …) ^ ~0. */

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32c(b: Uint8Array, start: number, len: number): number {
  let crc = -1;
  const end = start + len;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ b[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
