/**
 * Decompresses one page of a dump: zlib (node:zlib), zstd (libzstd through zstd-napi, loaded when
 * a zstd page is met), lzo1x and snappy (ours). The result must be exactly one page; anything else is a DecompressError.
 */
import zlib from 'node:zlib';
import { zstdBinding } from '../../compress/zstd-binding.js';
import { DecompressError } from './errors.js';
import { lzo1xDecompress } from './lzo1x.js';
import { snappyDecompress } from './snappy.js';

export type PageCodec = 'zlib' | 'lzo' | 'snappy' | 'zstd';

export class PageDecompressor {
  private dctx: InstanceType<ReturnType<typeof zstdBinding>['DCtx']> | null = null;

  constructor(readonly pageSize: number) {}

  /** Decompresses src[start, end) into dst[at, at + pageSize). */
  decompress(codec: PageCodec, src: Buffer, start: number, end: number, dst: Buffer, at: number): void {
    const ps = this.pageSize;
    let n: number;
    switch (codec) {
      case 'lzo':
        n = lzo1xDecompress(src, start, end, dst, at, ps);
        break;
      case 'snappy':
        n = snappyDecompress(src, start, end, dst, at, ps);
        break;
      case 'zlib': {
        let out: Buffer;
        try {
          out = zlib.inflateSync(src.subarray(start, end), { maxOutputLength: ps });
        } catch (e) {
          throw new DecompressError(`zlib: ${describe(e)}`);
        }
        n = out.length;
        if (n === ps) out.copy(dst, at);
        break;
      }
      case 'zstd': {
        this.dctx ??= new (zstdBinding().DCtx)();
        try {
          n = this.dctx.decompress(dst.subarray(at, at + ps), src.subarray(start, end));
        } catch (e) {
          // a failed call can leave the context mid-frame: start the next page on a fresh one
          this.dctx = null;
          throw new DecompressError(`zstd: ${describe(e)}`);
        }
        break;
      }
    }
    if (n !== ps) throw new DecompressError(`${codec}: decompresses to ${n} bytes, not a ${ps}-byte page`);
  }
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ERR_BUFFER_TOO_LARGE') return 'decompresses to more than a page';
  return ((e as Error).message ?? String(e)).split('\n')[0];
}
