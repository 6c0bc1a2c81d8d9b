/**
 * Plain aligned tables (cli-table3 without borders) that fit the terminal: a table too wide for
 * the width is cut into blocks of columns, each repeating the label columns.
 */
import Table from 'cli-table3';

/** the width reports are laid out for: the terminal's, or 80 columns when stdout is not one */
export function outputWidth(stream: NodeJS.WriteStream = process.stdout): number {
  if (stream.isTTY && stream.columns) return stream.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env >= 40 ? env : 80;
}

const GAP = '  ';
const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '',
  middle: GAP,
};

/**
 * Rows with aligned columns; `align` gives 'l' or 'r' per column (default: first column left,
 * the rest right).
 */
export function renderTable(rows: string[][], indent = '', align = ''): string {
  const cols = Math.max(...rows.map((r) => r.length));
  const table = new Table({
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colAligns: Array.from({ length: cols }, (_v, i) => ((align ? align[i] === 'l' : i === 0) ? 'left' : 'right')),
  });
  for (const r of rows) table.push(Array.from({ length: cols }, (_v, i) => r[i] ?? ''));
  return table
    .toString()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (indent + l).trimEnd())
    .join('\n');
}

/**
 * A wide table as blocks that each fit `width`: the first `fixed` columns (labels) start every
 * block, the other columns go in groups of `group` (say, a compressor's two columns), as many
 * groups per block as fit.
 */
export function renderFitted(rows: string[][], width: number, fixed: number, group: number, indent = '', align = ''): string {
  const colWidth = (c: number) => Math.max(...rows.map((r) => (r[c] ?? '').length));
  const fixedWidth = indent.length + Array.from({ length: fixed }, (_v, c) => colWidth(c) + GAP.length).reduce((a, b) => a + b, 0);
  const groups: number[][] = [];
  for (let c = fixed; c < rows[0].length; c += group) groups.push(Array.from({ length: Math.min(group, rows[0].length - c) }, (_v, i) => c + i));
  const blocks: number[][][] = [];
  let used = fixedWidth;
  for (const g of groups) {
    const w = g.reduce((a, c) => a + colWidth(c) + GAP.length, 0);
    if (blocks.length === 0 || used + w > width) {
      blocks.push([]);
      used = fixedWidth;
    }
    blocks[blocks.length - 1].push(g);
    used += w;
  }
  const keep = (cols: number[]) => rows.map((r) => cols.map((c) => r[c] ?? ''));
  const alignOf = (cols: number[]) => (align ? cols.map((c) => align[c] ?? 'r').join('') : '');
  return blocks
    .map((b) => {
      const cols = [...Array.from({ length: fixed }, (_v, i) => i), ...b.flat()];
      return renderTable(keep(cols), indent, alignOf(cols));
    })
    .join('\n\n');
}
