/** Words for a page's content in the "top duplicated contents" list. */
import { PAGE_SIZE } from '../model/kernel.js';

const hex = (b: Uint8Array, from: number, to: number) =>
  Array.from(b.subarray(from, to), (x) => x.toString(16).padStart(2, '0')).join(' ');

/** Smallest period p (a power of two ≤ PAGE_SIZE / 2) such that the page repeats every p bytes, else 0. */
export function repeatPeriod(page: Uint8Array): number {
  for (let p = 1; p <= PAGE_SIZE / 2; p *= 2) {
    let ok = true;
    for (let i = p; i < PAGE_SIZE; i++) {
      if (page[i] !== page[i - p]) {
        ok = false;
        break;
      }
    }
    if (ok) return p;
  }
  return 0;
}

export function describeContent(page: Uint8Array): string {
  const p = repeatPeriod(page);
  if (p === 1) return `all bytes 0x${page[0].toString(16).padStart(2, '0')}`;
  if (p > 0 && p <= 8) {
    let word = '';
    for (let i = p - 1; i >= 0; i--) word += page[i].toString(16).padStart(2, '0');
    return `repeating ${p}-byte word 0x${word}`;
  }
  if (p > 0) return `repeating ${p}-byte pattern starting ${hex(page, 0, 8)} …`;
  let zeros = 0;
  let firstNonZero = -1;
  for (let i = 0; i < PAGE_SIZE; i++) {
    if (page[i] === 0) zeros++;
    else if (firstNonZero < 0) firstNonZero = i;
  }
  const nonZero = PAGE_SIZE - zeros;
  // A page that is nearly all zero is told by its few other bytes: a rounded share
  // would read "100 % zero bytes" for a page that is not the zero page.
  if (nonZero <= 16) {
    return `zero but for ${nonZero} byte${nonZero === 1 ? '' : 's'}, the first at offset 0x${firstNonZero.toString(16)}: ${hex(page, firstNonZero, Math.min(PAGE_SIZE, firstNonZero + 8))}`;
  }
  const pct = Math.floor((zeros * 100) / PAGE_SIZE);
  return `starts ${hex(page, 0, 16)} … (${pct} % zero bytes)`;
}
