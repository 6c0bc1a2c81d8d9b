/**
 * Line charts over time as standalone SVG text: one line per series, a colour per group (say, a
 * compressor) and a dash pattern per variant (say, without / with dedup). Written by hand like the
 * bar charts of svg-chart.ts, for the same reason: a few polylines do not need a charting library.
 */
import { COLOURS, escapeXml, FONT, tickStep } from './svg-chart.js';

export interface LineSeries {
  name: string;
  /** index into the colour palette */
  colour: number;
  dashed: boolean;
  /** one value per x */
  values: number[];
}

export interface LineChart {
  title: string;
  xAxis: string;
  yAxis: string;
  x: number[];
  series: LineSeries[];
  format?: (v: number) => string;
}

const LEFT = 70;
const TOP = 40;
const PLOT_WIDTH = 560;
const PLOT_HEIGHT = 300;

function ticks(lo: number, hi: number): { lo: number; hi: number; step: number } {
  const step = tickStep(hi - lo);
  const tlo = Math.floor(lo / step) * step;
  return { lo: tlo, hi: Math.max(Math.ceil(hi / step) * step, tlo + step), step };
}

export function lineChartSvg(chart: LineChart): string {
  const fmt = chart.format ?? ((v: number) => String(Math.round(v * 100) / 100));
  const values = chart.series.flatMap((s) => s.values).filter(Number.isFinite);
  const y = ticks(Math.min(0, ...values), Math.max(0, ...values));
  const x = ticks(Math.min(...chart.x, 0), Math.max(...chart.x, 0));
  const px = (v: number) => LEFT + ((v - x.lo) / (x.hi - x.lo)) * PLOT_WIDTH;
  const py = (v: number) => TOP + PLOT_HEIGHT - ((v - y.lo) / (y.hi - y.lo)) * PLOT_HEIGHT;
  const legendTop = TOP + PLOT_HEIGHT + 50;
  const legendRows = Math.ceil(chart.series.length / 2);
  const width = LEFT + PLOT_WIDTH + 30;
  const height = legendTop + legendRows * 16 + 10;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`);
  for (let v = y.lo; v <= y.hi + y.step / 2; v += y.step) {
    const ty = py(v).toFixed(1);
    out.push(`<line x1="${LEFT}" y1="${ty}" x2="${LEFT + PLOT_WIDTH}" y2="${ty}" stroke="${Math.abs(v) < y.step / 2 ? '#333' : '#ddd'}"/>`);
    out.push(`<text x="${LEFT - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${escapeXml(fmt(Math.abs(v) < y.step / 2 ? 0 : v))}</text>`);
  }
  for (let v = x.lo; v <= x.hi + x.step / 2; v += x.step) {
    const tx = px(v).toFixed(1);
    out.push(`<line x1="${tx}" y1="${TOP}" x2="${tx}" y2="${TOP + PLOT_HEIGHT}" stroke="#eee"/>`);
    out.push(`<text x="${tx}" y="${TOP + PLOT_HEIGHT + 14}" text-anchor="middle">${escapeXml(String(Math.round(v * 100) / 100))}</text>`);
  }
  out.push(`<text x="${LEFT + PLOT_WIDTH / 2}" y="${TOP + PLOT_HEIGHT + 32}" text-anchor="middle">${escapeXml(chart.xAxis)}</text>`);
  out.push(`<text transform="translate(16 ${TOP + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yAxis)}</text>`);
  for (const s of chart.series) {
    const colour = COLOURS[s.colour % COLOURS.length];
    const pts = s.values.map((v, i) => `${px(chart.x[i]).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline class="series" points="${pts}" fill="none" stroke="${colour}" stroke-width="2"${dash}><title>${escapeXml(s.name)}</title></polyline>`);
    if (s.values.length === 1) out.push(`<circle cx="${px(chart.x[0]).toFixed(1)}" cy="${py(s.values[0]).toFixed(1)}" r="3" fill="${colour}"/>`);
  }
  chart.series.forEach((s, k) => {
    const lx = LEFT + (k % 2) * 260;
    const ly = legendTop + Math.floor(k / 2) * 16;
    const colour = COLOURS[s.colour % COLOURS.length];
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${lx + 30}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
