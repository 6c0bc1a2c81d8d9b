/**
 * Opens an input by name for the CLI: a regular file is read in place; standard input (`-`), a
 * pipe or a FIFO, and a gzip-, xz- or zstd-compressed file (recognised by its magic bytes) are
 * first copied, decompressed, into an unlinked temporary file (src/sources/spool.ts), because the
 * dump readers read at offsets. All of it is asynchronous: while a FIFO has no writer or a pipe
 * stays silent, the event loop runs and Ctrl-C / SIGTERM end the run.
 */
import fs from 'node:fs';
import net from 'node:net';
import { Readable } from 'node:stream';
import { InputError } from '../util/errors.js';
import { CODEC_MAGIC_BYTES, decompressStream, describeStreamError, detectStreamCodec, type StreamCodec } from './decompress/stream-codecs.js';
import { InputFile, openNonBlocking, type ByteSource } from './input-file.js';
import { spool } from './spool.js';

/** the name standard input goes by in messages and reports */
export const STDIN_NAME = 'standard input';

export interface OpenInputOptions {
  /** undo gzip/xz/zstd found by content (off when --input-format names a format) */
  decompress: boolean;
}

export async function openInput(name: string, o: OpenInputOptions): Promise<ByteSource> {
  if (name === '-') return openStdin(o);
  const { fd, st } = openNonBlocking(name);
  if (st.isFile()) return openRegular(fd, name, o);
  if (st.isFIFO() || st.isSocket()) {
    // libuv waits with epoll: a FIFO without a writer reports nothing until one comes
    return spoolStream(new net.Socket({ fd, readable: true, writable: false }), name, o);
  }
  fs.closeSync(fd);
  if (st.isDirectory()) throw new InputError(name, 'is a directory, expected a file of pages or a dump');
  throw new InputError(name, `is not a regular file, a pipe or a FIFO (${st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : 'not a file'}); give a file of pages or a dump`);
}

async function openStdin(o: OpenInputOptions): Promise<ByteSource> {
  let st: fs.Stats;
  try {
    st = fs.fstatSync(0);
  } catch {
    throw new InputError(STDIN_NAME, 'is closed: pipe a dump into it (… | zswap-dedup analyze -)');
  }
  if (st.isFile()) return openRegular(reopen(0), STDIN_NAME, o);
  if (process.stdin.isTTY) throw new InputError(STDIN_NAME, 'is a terminal: pipe a dump into it (… | zswap-dedup analyze -)');
  return spoolStream(process.stdin, STDIN_NAME, o);
}

/** a descriptor of our own on the file behind `fd` (reads at offsets, whatever fd's position) */
function reopen(fd: number): number {
  try {
    return fs.openSync(`/proc/self/fd/${fd}`, 'r');
  } catch {
    return fd;
  }
}

async function openRegular(fd: number, name: string, o: OpenInputOptions): Promise<ByteSource> {
  const file = InputFile.fromFd(fd, name);
  const codec = o.decompress ? codecOf(file) : null;
  if (!codec) return file;
  // the copy reads its own descriptor from the start; ours is closed once it is done
  const stream = fs.createReadStream(name, { fd: reopen(fd), start: 0 });
  try {
    return await spoolDecompressed(codec, stream, name);
  } finally {
    file.close();
  }
}

function codecOf(file: ByteSource): StreamCodec | null {
  const head = Buffer.alloc(Math.min(CODEC_MAGIC_BYTES, file.size));
  file.readExactly(head, 0, head.length, 0, 'file header');
  return detectStreamCodec(head);
}

function spoolDecompressed(codec: StreamCodec, stream: Readable, name: string): Promise<ByteSource> {
  return spool(decompressStream(codec, stream), name, (e) => describeStreamError(codec, e));
}

/** A stream read to its end into a temporary file, decompressed when its first bytes say so. */
async function spoolStream(stream: Readable, name: string, o: OpenInputOptions): Promise<ByteSource> {
  const source = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  try {
    while (headBytes < CODEC_MAGIC_BYTES) {
      const r = await source.next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(r.value);
      headBytes += r.value.length;
    }
  } catch (e) {
    throw new InputError(name, `read error: ${(e as Error).message}`);
  }
  const whole = Readable.from(
    (async function* () {
      try {
        yield* head;
        if (ended) return;
        for (let r = await source.next(); !r.done; r = await source.next()) yield r.value;
      } finally {
        // stopped early (a corrupt stream): let go of the pipe, or its writer would keep us waiting
        await source.return?.();
      }
    })(),
    { objectMode: false },
  );
  const codec = o.decompress ? detectStreamCodec(Buffer.concat(head)) : null;
  try {
    if (codec) return await spoolDecompressed(codec, whole, name);
    return await spool(whole, name, (e) => `read error: ${e.message}`);
  } catch (e) {
    // a corrupt stream ends the run: close the pipe, whose writer may still hold it open
    stream.destroy();
    throw e;
  }
}
