/** Raw page files: any file made of whole 4 KiB pages (a memory image, a concatenation of pages). */
import { PAGE_SIZE } from '../model/kernel.js';
import { InputError } from '../util/errors.js';
import type { ByteSource } from './input-file.js';
import { NO_PFN, type PageBatch } from './page-batch.js';
import type { PageSource } from './page-source.js';

export class RawSource implements PageSource {
  readonly format = 'raw';
  readonly hasContent = true;
  readonly info: Record<string, unknown> = {};
  readonly totalPages: number;
  private next = 0;

  constructor(private readonly file: ByteSource) {
    if (file.size === 0) throw new InputError(file.path, 'is empty');
    if (file.size % PAGE_SIZE !== 0) {
      throw new InputError(file.path, `size ${file.size} is not a multiple of ${PAGE_SIZE} bytes (raw input must be whole pages)`);
    }
    this.totalPages = file.size / PAGE_SIZE;
  }

  get path(): string {
    return this.file.path;
  }

  get totalBytes(): number {
    return this.file.size;
  }

  get bytesRead(): number {
    return this.next * PAGE_SIZE;
  }

  read(batch: PageBatch): number {
    batch.reset();
    const n = Math.min(batch.capacity, this.totalPages - this.next);
    if (n <= 0) return 0;
    this.file.readExactly(batch.content, 0, n * PAGE_SIZE, this.next * PAGE_SIZE, 'page');
    for (let i = 0; i < n; i++) {
      batch.pfn[i] = NO_PFN;
      batch.vaddr[i] = 0;
      batch.flags[i] = 0;
    }
    this.next += n;
    batch.count = n;
    return n;
  }

  readPage(ordinal: number, dst: Buffer, at: number): void {
    this.file.readExactly(dst, at, PAGE_SIZE, ordinal * PAGE_SIZE, 'page');
  }

  close(): void {
    this.file.close();
  }
}
