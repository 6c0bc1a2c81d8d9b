/**
 * Output files appear whole or not at all: data goes to a temporary file beside the target,
 * is flushed to disk, then renamed over the target. On failure the temporary file is removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.js';

export class AtomicFile {
  private fd: number;
  private readonly tmp: string;
  private done = false;

  constructor(
    readonly target: string,
    mode = 0o644,
  ) {
    const dir = path.dirname(path.resolve(target));
    try {
      const st = fs.statSync(target, { throwIfNoEntry: false });
      if (st?.isDirectory()) throw new InputError(target, 'output path is a directory');
      this.tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
      this.fd = fs.openSync(this.tmp, 'wx', mode);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(target, `cannot create output: ${(e as Error).message}`);
    }
    live.add(this);
  }

  write(data: Uint8Array, len = data.length): void {
    let off = 0;
    try {
      while (off < len) off += fs.writeSync(this.fd, data, off, len - off);
    } catch (e) {
      this.abort();
      throw new InputError(this.target, `write failed: ${(e as Error).message}`);
    }
  }

  commit(): void {
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
      fs.renameSync(this.tmp, this.target);
      this.done = true;
      live.delete(this);
    } catch (e) {
      this.abort();
      throw new InputError(this.target, `cannot write output: ${(e as Error).message}`);
    }
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    live.delete(this);
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = -1;
    }
    fs.rmSync(this.tmp, { force: true });
  }
}

/** Temporary files not yet committed; removed if the process is interrupted. */
const live = new Set<AtomicFile>();

export function abortAllOutputs(): void {
  for (const f of [...live]) f.abort();
}

/** Writes a whole text or byte output atomically. */
export function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): void {
  const f = new AtomicFile(target, mode);
  f.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  f.commit();
}
