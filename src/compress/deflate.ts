/**
 * deflate as zswap gets it from crypto/deflate.c (6.12): raw deflate (windowBits -11, a 2 KiB
 * window), level 6 (Z_DEFAULT_COMPRESSION), memLevel 8, default strategy; per page a
 * deflateReset and one deflate(Z_FINISH) into a 4096-byte output. Anything but Z_STREAM_END
 * is -EINVAL, so an output that exactly fills 4096 bytes is rejected (zlib reports Z_OK then).
 *
 * pako 2.2.0's zlib port produces the kernel's streams byte for byte with these parameters
 * (checked on the corpus); pako 3 and Node's bundled zlib do not.
 */
import zlibDeflate from 'pako/lib/zlib/deflate.js';
import ZStream from 'pako/lib/zlib/zstream.js';
import type { PageCompressor } from './compressor.js';
import { DST_BUFFER_SIZE, EINVAL, PAGE_SIZE } from '../model/kernel.js';

const Z_FINISH = 4;
const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_DEFLATED = 8;
const Z_DEFAULT_STRATEGY = 0;
const LEVEL = 6;
const WINDOW_BITS = -11;
const MEM_LEVEL = 8;
/** pako's 7th deflateInit2 argument: the classic zlib hash (what the kernel's zlib has), not ANZAC++ */
const LEGACY_HASH = true;

export class DeflateCompressor implements PageCompressor {
  readonly name = 'deflate' as const;
  private readonly strm = new ZStream();

  constructor() {
    const ret = zlibDeflate.deflateInit2(this.strm, LEVEL, Z_DEFLATED, WINDOW_BITS, MEM_LEVEL, Z_DEFAULT_STRATEGY, LEGACY_HASH);
    if (ret !== Z_OK) throw new Error(`deflateInit2 failed: ${ret}`);
  }

  private readonly scratch = new Uint8Array(DST_BUFFER_SIZE);

  compress(page: Uint8Array, dst: Uint8Array | null): number {
    const strm = this.strm;
    zlibDeflate.deflateReset(strm);
    strm.input = page;
    strm.next_in = 0;
    strm.avail_in = PAGE_SIZE;
    strm.output = dst ?? this.scratch;
    strm.next_out = 0;
    strm.avail_out = PAGE_SIZE;
    const ret = zlibDeflate.deflate(strm, Z_FINISH);
    const len = strm.next_out;
    strm.input = null;
    strm.output = null;
    return ret === Z_STREAM_END ? len : -EINVAL;
  }
}
