/** is_folio_zero_filled() (mm/page_io.c): every byte of the page is zero. */
import { PAGE_SIZE } from '../model/kernel.js';

/** `words` is a Uint32Array view of the same memory as the batch; `at` a byte offset, multiple of 4. */
export function isZeroFilled(words: Uint32Array, at: number): boolean {
  const start = at >>> 2;
  const end = start + PAGE_SIZE / 4;
  // the kernel checks the last word first: most non-zero pages are told apart at once
  if (words[end - 1] !== 0) return false;
  for (let i = start; i < end; i++) if (words[i] !== 0) return false;
  return true;
}
