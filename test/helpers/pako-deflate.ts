/**
 * The test oracle for our deflate length model: pako 2.2.0's zlib port run with the kernel's
 * parameters (raw, windowBits 11, memLevel 8, level 6, default strategy, the classic hash), which
 * writes the 6.12 kernel's deflate streams byte for byte (checked on the reference corpus; pako 3
 * and Node's zlib do not).
 */
import zlibDeflate from 'pako/lib/zlib/deflate.js';
import ZStream from 'pako/lib/zlib/zstream.js';
import { PAGE_SIZE } from '../../src/model/kernel.js';

const Z_FINISH = 4;
const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_DEFLATED = 8;
const Z_DEFAULT_STRATEGY = 0;
/** pako's 7th deflateInit2 argument: the classic zlib hash (what the kernel's zlib has) */
const LEGACY_HASH = true;

export class PakoDeflate {
  private readonly strm = new ZStream();
  private readonly out = new Uint8Array(4 * PAGE_SIZE);

  constructor() {
    const ret = zlibDeflate.deflateInit2(this.strm, 6, Z_DEFLATED, -11, 8, Z_DEFAULT_STRATEGY, LEGACY_HASH);
    if (ret !== Z_OK) throw new Error(`deflateInit2 failed: ${ret}`);
  }

  /**
   * One deflateReset and deflate(Z_FINISH) of the page into `budget` bytes of output: the stream's
   * length and whether deflate returned Z_STREAM_END (the kernel's condition for storing it).
   */
  deflate(page: Uint8Array, budget: number): { length: number; streamEnd: boolean } {
    const strm = this.strm;
    zlibDeflate.deflateReset(strm);
    strm.input = page;
    strm.next_in = 0;
    strm.avail_in = PAGE_SIZE;
    strm.output = this.out;
    strm.next_out = 0;
    strm.avail_out = budget;
    const ret = zlibDeflate.deflate(strm, Z_FINISH);
    const length = strm.next_out;
    strm.input = null;
    strm.output = null;
    return { length, streamEnd: ret === Z_STREAM_END };
  }
}
