/** `zswap-dedup classes`: the zsmalloc size-class table the replica uses. */
import { PAGE_SIZE, ZSMALLOC } from '../model/kernel.js';
import { buildSizeClassTable } from '../store/zsmalloc-classes.js';
import { parseIntIn } from './parse.js';
import { renderTable } from '../report/text-layout.js';

export function runClasses(flags: { chainSize: string; format: 'table' | 'csv' }): number {
  const table = buildSizeClassTable(parseIntIn('--chain-size', flags.chainSize, ZSMALLOC.chainSize.min, ZSMALLOC.chainSize.max));
  const rows = table.classes.map((c) => [
    String(c.index),
    String(c.size),
    String(c.pagesPerZspage),
    String(c.objsPerZspage),
    String((c.pagesPerZspage * PAGE_SIZE) % c.size),
    c.huge ? '1' : '0',
    `${c.minLength}-${c.maxLength}`,
  ]);
  const head = ['index', 'size', 'pages_per_zspage', 'objs_per_zspage', 'waste_bytes_per_zspage', 'huge', 'compressed_len_range'];
  if (flags.format === 'csv') {
    process.stdout.write([head, ...rows].map((r) => r.join(',')).join('\n') + '\n');
  } else {
    process.stdout.write(
      `zsmalloc size classes (chain size ${table.chainSize}): ${table.classes.length} distinct, huge from ${table.hugeClassSize} bytes\n` +
        renderTable([head, ...rows]) + '\n',
    );
  }
  return 0;
}
