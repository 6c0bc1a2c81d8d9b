/**
 * `--chart FILE`: pool + metadata over time, one colour per compressor, solid without dedup and
 * dashed with it; SVG, or PNG (the same SVG rendered by resvg) when FILE ends in .png.
 */
import { Resvg } from '@resvg/resvg-js';
import type { TimeSeriesDocument } from './timeseries.js';
import { lineChartSvg, type LineSeries } from './svg-line-chart.js';

export function timeSeriesChartSvg(doc: TimeSeriesDocument): string {
  const series: LineSeries[] = [];
  doc.config.compressors.forEach((name, c) => {
    for (const dedup of [false, true]) {
      series.push({
        name: `${name}${dedup ? ' + dedup' : ''}`,
        colour: c,
        dashed: dedup,
        values: doc.samples.map((s) => s.results.find((r) => r.compressor === name && r.dedup === dedup)!.total_bytes / 2 ** 20),
      });
    }
  });
  return lineChartSvg({
    title: `zswap pool + metadata over time (reclaim ${doc.config.reclaim})`,
    xAxis: 'seconds since the first sample',
    yAxis: 'MiB',
    x: doc.samples.map((s) => s.time),
    series,
    format: (v) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(1)),
  });
}

/** The chart as file contents for `path`: PNG when it ends in .png, else SVG. */
export function timeSeriesChart(doc: TimeSeriesDocument, path: string): Buffer {
  const svg = timeSeriesChartSvg(doc);
  if (!/\.png$/i.test(path)) return Buffer.from(svg);
  return Buffer.from(new Resvg(svg, { background: '#ffffff', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng());
}
