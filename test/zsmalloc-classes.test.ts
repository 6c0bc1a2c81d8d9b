import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSizeClassTable, sizeClassIndex } from '../src/store/zsmalloc-classes.js';
import { loadKernelClasses } from './helpers/corpus.js';

test('computed size classes equal the 6.12 kernel table (chain size 8): 119 classes, every column', () => {
  const kernel = loadKernelClasses();
  const ours = buildSizeClassTable(8);
  assert.equal(kernel.length, 119);
  assert.equal(ours.classes.length, kernel.length);
  ours.classes.forEach((c, i) => {
    const k = kernel[i];
    assert.deepEqual(
      [c.index, c.size, c.pagesPerZspage, c.objsPerZspage, (c.pagesPerZspage * 4096) % c.size, c.huge ? 1 : 0, c.minLength, c.maxLength],
      [k.index, k.size, k.pages, k.objs, k.waste, k.huge, k.lenFrom, k.lenTo],
      `class ${i}`,
    );
  });
  assert.equal(ours.hugeClassSize, 3625);
});

test('every compressed length maps to the class whose range holds it', () => {
  const ours = buildSizeClassTable(8);
  for (let len = 1; len <= 4096; len++) {
    const c = ours.classes[ours.classOfLength[len]];
    assert.ok(len >= c.minLength && len <= c.maxLength, `length ${len}`);
    assert.ok(c.huge ? len >= 3625 : len + 8 <= c.size, `length ${len} fits class size ${c.size}`);
  }
  assert.equal(sizeClassIndex(32), 0);
  assert.equal(sizeClassIndex(33), 1);
  assert.equal(sizeClassIndex(4104), 254);
});

test('other chain sizes give other tables, and chain sizes outside 4..16 are refused', () => {
  assert.notEqual(buildSizeClassTable(4).classes.length, 119);
  assert.throws(() => buildSizeClassTable(3), /4\.\.16/);
  assert.throws(() => buildSizeClassTable(17), /4\.\.16/);
});
