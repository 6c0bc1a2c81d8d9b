/**
 * Grouped horizontal bar charts as standalone SVG text: one group per category (say, a workload),
 * one bar per series (say, a compressor), optional min–max whiskers for the spread of several
 * runs, negative values drawn left of the zero line. Written by hand rather than with a charting
 * library: the charts this project draws are a few dozen rectangles, and the libraries that render
 * SVG outside a browser (vega, d3 with jsdom) bring tens of packages for that.
 */

export interface BarSeries {
  name: string;
  /** one value per category; null: no bar */
  values: (number | null)[];
  /** optional spread per category, drawn as a whisker from min to max */
  min?: (number | null)[];
  max?: (number | null)[];
}

export interface BarChart {
  title: string;
  /** label of the value axis */
  axis: string;
  categories: string[];
  series: BarSeries[];
  /** tick and value labels (default: the number with up to 2 decimals) */
  format?: (v: number) => string;
}

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies */
export const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
const BAR = 11;
const GROUP_GAP = 10;
const LABEL_WIDTH = 150;
const PLOT_WIDTH = 520;
const TOP = 46;
export const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** Round tick step (1, 2 or 5 × 10^k) giving about `want` intervals over span. */
export function tickStep(span: number, want = 6): number {
  if (!(span > 0)) return 1;
  const raw = span / want;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

export function barChartSvg(chart: BarChart): string {
  const fmt = chart.format ?? ((v: number) => String(Math.round(v * 100) / 100));
  const all: number[] = [0];
  for (const s of chart.series) {
    for (const arr of [s.values, s.min ?? [], s.max ?? []]) for (const v of arr) if (v !== null && Number.isFinite(v)) all.push(v);
  }
  const step = tickStep(Math.max(...all) - Math.min(...all));
  const lo = Math.floor(Math.min(...all) / step) * step;
  const hi = Math.max(Math.ceil(Math.max(...all) / step) * step, lo + step);
  const x = (v: number) => LABEL_WIDTH + ((v - lo) / (hi - lo)) * PLOT_WIDTH;
  const groupHeight = chart.series.length * BAR + GROUP_GAP;
  const plotHeight = chart.categories.length * groupHeight;
  const legendY = TOP + plotHeight + 52;
  const width = LABEL_WIDTH + PLOT_WIDTH + 30;
  const height = legendY + 24;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`);
  for (let v = lo; v <= hi + step / 2; v += step) {
    const tx = x(v).toFixed(1);
    out.push(`<line x1="${tx}" y1="${TOP - 4}" x2="${tx}" y2="${TOP + plotHeight}" stroke="${Math.abs(v) < step / 2 ? '#333' : '#ddd'}"/>`);
    out.push(`<text x="${tx}" y="${TOP + plotHeight + 14}" text-anchor="middle">${escapeXml(fmt(Math.abs(v) < step / 2 ? 0 : v))}</text>`);
  }
  out.push(`<text x="${LABEL_WIDTH + PLOT_WIDTH / 2}" y="${TOP + plotHeight + 30}" text-anchor="middle">${escapeXml(chart.axis)}</text>`);
  chart.categories.forEach((cat, c) => {
    const gy = TOP + c * groupHeight;
    out.push(`<text x="${LABEL_WIDTH - 8}" y="${(gy + (chart.series.length * BAR) / 2 + 4).toFixed(1)}" text-anchor="end">${escapeXml(cat)}</text>`);
    chart.series.forEach((s, k) => {
      const v = s.values[c];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const y = gy + k * BAR;
      const x0 = x(Math.min(0, v));
      const w = Math.max(Math.abs(x(v) - x(0)), 0.5);
      const title = `${cat}, ${s.name}: ${fmt(v)}`;
      out.push(`<rect class="bar" x="${x0.toFixed(1)}" y="${y + 1}" width="${w.toFixed(1)}" height="${BAR - 2}" fill="${COLOURS[k % COLOURS.length]}"><title>${escapeXml(title)}</title></rect>`);
      const mn = s.min?.[c];
      const mx = s.max?.[c];
      if (mn !== null && mn !== undefined && mx !== null && mx !== undefined && mx > mn) {
        const wy = y + BAR / 2;
        out.push(`<path class="spread" d="M${x(mn).toFixed(1)} ${wy}H${x(mx).toFixed(1)}M${x(mn).toFixed(1)} ${wy - 3}v6M${x(mx).toFixed(1)} ${wy - 3}v6" stroke="#222" fill="none"/>`);
      }
    });
  });
  let lx = LABEL_WIDTH;
  chart.series.forEach((s, k) => {
    out.push(`<rect x="${lx}" y="${legendY - 9}" width="10" height="10" fill="${COLOURS[k % COLOURS.length]}"/>`);
    out.push(`<text x="${lx + 14}" y="${legendY}">${escapeXml(s.name)}</text>`);
    lx += 24 + 7 * s.name.length;
  });
  if (chart.series.some((s) => s.min && s.max)) out.push(`<text x="${lx + 10}" y="${legendY}">whiskers: min–max over runs</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
