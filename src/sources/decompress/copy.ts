/** Literal copies of the page decoders: a native copy for long runs, a loop for short ones. */
export function copyLiterals(dst: Uint8Array, op: number, src: Uint8Array, ip: number, len: number): void {
  if (len > 32) dst.set(src.subarray(ip, ip + len), op);
  else for (let k = 0; k < len; k++) dst[op + k] = src[ip + k];
}
