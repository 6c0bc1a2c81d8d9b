/** A regular file opened for positional reads, with errors that name the file. */
import fs from 'node:fs';
import { InputError } from '../util/errors.js';

/**
 * Bytes with positional reads: a file, or a view assembled from one (makedumpfile's flattened
 * format describes a dump file as pieces to be placed at offsets). Readers of dump formats take
 * this, so they work on either.
 */
export interface ByteSource {
  /** name for messages (the input's path) */
  readonly path: string;
  readonly size: number;
  /** Reads exactly `len` bytes at `pos` into dst[at…]; InputError if they are not all there. */
  readExactly(dst: Uint8Array, at: number, len: number, pos: number, what?: string): void;
  close(): void;
}

export class InputFile implements ByteSource {
  private constructor(
    readonly path: string,
    private fd: number,
    readonly size: number,
  ) {}

  /**
   * Opens a regular file. Anything else is refused at once: opening a FIFO without a writer
   * would block in open() (deaf to signals), so the file is opened with O_NONBLOCK (no effect
   * on reads of a regular file) and checked with fstat before anything is read.
   */
  static open(path: string): InputFile {
    const { fd, st } = openNonBlocking(path);
    if (st.isDirectory()) {
      fs.closeSync(fd);
      throw new InputError(path, 'is a directory, expected a file of pages or a dump');
    }
    if (!st.isFile()) {
      // Pipes, FIFOs, sockets and devices have no size to check offsets against. The CLI opens
      // standard input, pipes and FIFOs with openInput() (open-input.ts), which copies them first.
      fs.closeSync(fd);
      throw new InputError(path, `is not a regular file (${fileKind(st)}); give a file of pages or a dump`);
    }
    return new InputFile(path, fd, st.size);
  }

  /**
   * A regular file already open (a spooled standard input, a decompressed input, a capture made
   * by this run), named in messages as `name`: never a temporary file's name.
   */
  static fromFd(fd: number, name: string): InputFile {
    return new InputFile(name, fd, fs.fstatSync(fd).size);
  }

  /** Reads exactly `len` bytes at `pos` into dst[at…]; a short read means the file is truncated. */
  readExactly(dst: Uint8Array, at: number, len: number, pos: number, what = 'data'): void {
    if (pos < 0 || len < 0 || pos + len > this.size) {
      throw new InputError(this.path, `${what} at offset ${pos} (+${len} bytes) lies beyond the end of the file (${this.size} bytes)`);
    }
    let done = 0;
    while (done < len) {
      let n: number;
      try {
        n = fs.readSync(this.fd, dst, at + done, len - done, pos + done);
      } catch (e) {
        throw new InputError(this.path, `read error at offset ${pos + done}: ${(e as Error).message}`);
      }
      if (n === 0) throw new InputError(this.path, `file shrank while reading: ${what} at offset ${pos + done} is missing`);
      done += n;
    }
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/**
 * Opens `path` read-only with O_NONBLOCK — opening a FIFO without a writer must not block the
 * main thread (it would be deaf to signals); no effect on reads of a regular file — and says
 * what it is.
 */
export function openNonBlocking(path: string): { fd: number; st: fs.Stats } {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError(path, describeOpenError(e));
  }
  return { fd, st: fs.fstatSync(fd) };
}

function fileKind(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a file';
}

export function describeOpenError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, expected a file';
    default:
      return `cannot open: ${(e as Error).message}`;
  }
}

/** Sequential reads through a window buffer, for formats made of variable-length records. */
export class SequentialReader {
  private readonly buf: Buffer;
  /** file offset of buf[0] */
  private base = 0;
  private filled = 0;
  /** current file offset */
  pos: number;

  constructor(
    readonly file: ByteSource,
    start: number,
    windowBytes = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafeSlow(windowBytes);
    this.pos = start;
    this.base = start;
  }

  get remaining(): number {
    return this.file.size - this.pos;
  }

  /**
   * Makes `n` bytes at the current position available and returns their index in the returned
   * buffer; n must not exceed the window. Throws when the file ends first.
   */
  peek(n: number, what: string): { buf: Buffer; at: number } {
    if (n > this.buf.length) throw new Error(`SequentialReader window too small for ${n} bytes`);
    if (this.pos + n > this.file.size) {
      throw new InputError(this.file.path, `truncated: ${what} at offset ${this.pos} needs ${n} bytes, the file ends at ${this.file.size}`);
    }
    if (this.pos < this.base || this.pos + n > this.base + this.filled) {
      const len = Math.min(this.buf.length, this.file.size - this.pos);
      this.file.readExactly(this.buf, 0, len, this.pos, what);
      this.base = this.pos;
      this.filled = len;
    }
    return { buf: this.buf, at: this.pos - this.base };
  }

  skip(n: number): void {
    this.pos += n;
  }
}
