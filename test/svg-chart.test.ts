/** The SVG bar chart the study (and any report) draws: geometry follows the values. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChartSvg, escapeXml, tickStep } from '../src/report/svg-chart.js';

interface Bar {
  x: number;
  width: number;
  title: string;
}

function bars(svg: string): Bar[] {
  return [...svg.matchAll(/<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>([^<]*)<\/title>/g)].map((m) => ({
    x: Number(m[1]),
    width: Number(m[2]),
    title: m[3],
  }));
}

test('bars: one per value, widths proportional to |value|, negatives end where positives start (the zero line)', () => {
  const svg = barChartSvg({
    title: 'net saving',
    axis: '%',
    categories: ['a', 'b <&>'],
    series: [
      { name: 'lz4', values: [10, -5] },
      { name: 'zstd', values: [2.5, null] },
    ],
  });
  const b = bars(svg);
  assert.equal(b.length, 3);
  const [a10, a25, bNeg5] = b; // category by category
  assert.ok(Math.abs(a10.width / a25.width - 4) < 0.01, `${a10.width} vs ${a25.width}`);
  assert.ok(Math.abs(a10.width / bNeg5.width - 2) < 0.01);
  assert.ok(Math.abs(bNeg5.x + bNeg5.width - a10.x) < 0.11, 'the negative bar ends at the zero line');
  assert.match(bNeg5.title, /b &lt;&amp;&gt;, lz4: -5/);
  assert.ok(!svg.includes('b <&>'), 'labels are escaped');
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"') && svg.trimEnd().endsWith('</svg>'));
});

test('whiskers only where a spread is given and not empty', () => {
  const svg = barChartSvg({
    title: 't',
    axis: 'x',
    categories: ['one', 'two', 'three'],
    series: [{ name: 's', values: [1, 2, 3], min: [0.5, 2, null], max: [1.5, 2, 4] }],
  });
  assert.equal([...svg.matchAll(/class="spread"/g)].length, 1);
  assert.match(svg, /min–max over runs/);
});

test('tick steps are 1, 2 or 5 times a power of ten', () => {
  assert.equal(tickStep(10), 2);
  assert.equal(tickStep(0.3), 0.05);
  assert.equal(tickStep(70), 10);
  assert.equal(tickStep(0), 1);
  assert.equal(escapeXml(`"'`), '&quot;&apos;');
});
