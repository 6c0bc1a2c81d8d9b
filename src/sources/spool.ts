/**
 * Keeps a stream (standard input, a pipe or FIFO, a decompressed dump) in an unlinked temporary
 * file, so that the dump readers, which read at offsets, can read it. The file has no name from
 * the moment it exists (nothing is left behind, whatever ends the run) and holds what arrives:
 * as many bytes as the stream carries, never what a header claims.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InputError } from '../util/errors.js';
import { InputFile } from './input-file.js';

/** An open, already unlinked, read-write temporary file. */
function anonymousFile(): number {
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-dedup-'));
  } catch (e) {
    throw new InputError(null, `cannot create a temporary file (TMPDIR): ${(e as Error).message.replace(/ '.*'$/, '')}`);
  }
  try {
    const file = path.join(dir, 'input');
    const fd = fs.openSync(file, 'wx+', 0o600);
    fs.unlinkSync(file);
    return fd;
  } finally {
    fs.rmdirSync(dir);
  }
}

/**
 * Copies `stream` into an unlinked temporary file and returns it as an InputFile named `name`.
 * `describeError` turns a stream's error into the message (the input's name is added).
 */
export async function spool(stream: Readable, name: string, describeError: (e: Error) => string): Promise<InputFile> {
  const fd = anonymousFile();
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        try {
          off += await write(fd, chunk, off, size + off);
        } catch (e) {
          const why = (e as NodeJS.ErrnoException).code === 'ENOSPC' ? 'no space left' : (e as Error).message;
          throw new InputError(name, `cannot keep a copy in the temporary directory (TMPDIR): ${why}`);
        }
      }
      size += chunk.length;
    }
  } catch (e) {
    fs.closeSync(fd);
    stream.destroy();
    if (e instanceof InputError) throw e;
    throw new InputError(name, describeError(e as Error));
  }
  return InputFile.fromFd(fd, name);
}

function write(fd: number, buf: Buffer, off: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, off, buf.length - off, pos, (e, n) => (e ? reject(e) : resolve(n))));
}
