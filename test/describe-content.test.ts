import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeContent } from '../src/report/describe-content.js';
import { PAGE_SIZE } from '../src/model/kernel.js';

test('a page that is zero but for a few bytes is never described as 100 % zero', () => {
  const page = new Uint8Array(PAGE_SIZE);
  page[0x123] = 0xab;
  page[0x200] = 1;
  const d = describeContent(page);
  assert.doesNotMatch(d, /100 %/);
  assert.match(d, /zero but for 2 bytes, the first at offset 0x123: ab/);
});

test('a page with many non-zero bytes gives its zero share rounded down', () => {
  const page = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < 17; i++) page[i * 200 + 1] = 7; // 17 non-zero bytes: 99.58 % zero
  assert.match(describeContent(page), /\(99 % zero bytes\)$/);
  page.fill(5, 0, PAGE_SIZE / 2);
  page[PAGE_SIZE - 1] = 9;
  // 2,048 + 6 + 1 non-zero bytes: 2,041 zero = 49.8 %
  assert.match(describeContent(page), /\(49 % zero bytes\)$/);
});

test('repeating contents are told by their period', () => {
  const page = new Uint8Array(PAGE_SIZE).fill(0x5a);
  assert.equal(describeContent(page), 'all bytes 0x5a');
  const w = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i += 4) w.set([1, 2, 3, 4], i);
  assert.equal(describeContent(w), 'repeating 4-byte word 0x04030201');
});
