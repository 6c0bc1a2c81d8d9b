// The low-level zlib port inside pako 2.2.0 (CommonJS, untyped). Only what test/helpers/pako-deflate.ts uses.
declare module 'pako/lib/zlib/zstream.js' {
  class ZStream {
    input: Uint8Array | null;
    next_in: number;
    avail_in: number;
    total_in: number;
    output: Uint8Array | null;
    next_out: number;
    avail_out: number;
    total_out: number;
  }
  export default ZStream;
}

declare module 'pako/lib/zlib/deflate.js' {
  import type ZStream from 'pako/lib/zlib/zstream.js';
  const zlibDeflate: {
    deflateInit2(strm: ZStream, level: number, method: number, windowBits: number, memLevel: number, strategy: number, legacyHash: boolean): number;
    deflateReset(strm: ZStream): number;
    deflate(strm: ZStream, flush: number): number;
  };
  export default zlibDeflate;
}
