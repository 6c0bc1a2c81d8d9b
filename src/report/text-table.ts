/**
 * Plain-text tables with aligned columns; `align` gives 'l' or 'r' per column (default: first
 * column left, the rest right).
 */
export function renderTextTable(rows: string[][], indent = '', align = ''): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const left = (i: number) => (align ? align[i] === 'l' : i === 0);
  return rows
    .map((r) => indent + r.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(2);
}

export function pct(r: number): string {
  return `${(r * 100).toFixed(1)} %`;
}

export function fixed2(r: number): string {
  return r.toFixed(2);
}
