/** Bytes in memory as a ByteSource, so that mutants can be read without writing them to disk. */
import type { ByteSource } from '../../src/sources/input-file.js';
import { InputError } from '../../src/util/errors.js';

export class BufferFile implements ByteSource {
  readonly size: number;

  constructor(
    readonly path: string,
    private readonly data: Buffer,
  ) {
    this.size = data.length;
  }

  readExactly(dst: Uint8Array, at: number, len: number, pos: number, what = 'data'): void {
    if (pos < 0 || len < 0 || pos + len > this.size) {
      throw new InputError(this.path, `${what} at offset ${pos} (+${len} bytes) lies beyond the end of the file (${this.size} bytes)`);
    }
    dst.set(this.data.subarray(pos, pos + len), at);
  }

  close(): void {}
}
