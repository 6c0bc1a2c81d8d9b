/**
 * Whole-file compression around a dump (gzip, xz, zstd), recognised by its magic bytes and
 * undone as a stream: node:zlib for gzip, xz-decompress (xz-embedded in WebAssembly) for xz,
 * fzstd (JavaScript) for zstd. Decompression is exact by definition, so none of these needs to
 * be the kernel's code; zstd-napi, which is, is only for compressing pages (src/compress/zstd.ts).
 */
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress as ZstdStream } from 'fzstd';
import xz from 'xz-decompress';

export type StreamCodec = 'gzip' | 'xz' | 'zstd';

const MAGIC: [StreamCodec, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** bytes detectStreamCodec() needs to see (fewer when the input is shorter) */
export const CODEC_MAGIC_BYTES = 6;

/** The compression whose magic `head` starts with, or null. */
export function detectStreamCodec(head: Uint8Array): StreamCodec | null {
  for (const [codec, magic] of MAGIC) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return codec;
  }
  return null;
}

/**
 * A stream of `input`'s decompressed bytes. Errors of the input or of the decoder end it; give
 * them to describeStreamError() for the message.
 */
export function decompressStream(codec: StreamCodec, input: Readable): Readable {
  switch (codec) {
    case 'gzip':
      return pipeline(input, zlib.createGunzip(), () => undefined);
    case 'xz':
      return Readable.fromWeb(new xz.XzReadableStream(Readable.toWeb(input) as ReadableStream<Uint8Array>) as never);
    case 'zstd':
      return pipeline(input, new ZstdTransform(), () => undefined);
  }
}

/** xz-embedded's enum xz_ret (xz.h), as xz-decompress reports it */
const XZ_RET: Record<string, string> = {
  '2': 'uses an integrity check this decoder does not support',
  '3': 'needs more memory than the decoder may use',
  '4': 'needs more memory than the decoder may use',
  '5': 'is not a valid xz stream',
  '6': 'uses options this decoder does not support',
  '7': 'is corrupt',
  '8': 'ends early (truncated?)',
};

/** One line on why decompressing failed. */
export function describeStreamError(codec: StreamCodec, e: Error): string {
  const msg = (e.message ?? String(e)).split('\n')[0];
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `read error: ${msg}`;
  if (codec === 'gzip') {
    if (code === 'Z_BUF_ERROR') return 'gzip stream ends early (truncated?)';
    return `gzip stream is corrupt: ${msg}`;
  }
  if (codec === 'xz') {
    const ret = /error code (\d+)/.exec(msg)?.[1];
    return `xz stream ${(ret && XZ_RET[ret]) ?? `cannot be decompressed: ${msg}`}`;
  }
  if (/unexpected EOF/.test(msg)) return 'zstd stream ends early (truncated?)';
  return `zstd stream is corrupt: ${msg}`;
}

/** fzstd's push-style decoder as a Transform stream (several frames in a row are one stream). */
class ZstdTransform extends Transform {
  private readonly decoder = new ZstdStream((data) => {
    this.push(Buffer.from(data)); // a copy: the decoder may reuse its window
  });

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
