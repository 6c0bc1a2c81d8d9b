/**
 * The places outside docs/study.md that quote the study: the README's one-paragraph headline and
 * the "Real workloads" section of the series' cover letter (kernel/patches/0000-cover-letter.patch).
 * A run of the study rewrites them from the same summaries as docs/study.md, so that the three
 * never quote different runs or different models. Only those two regions change: the README
 * paragraph that starts with "**On real programs**", and the cover letter's lines from below the
 * "Real workloads" underline to the paragraph that starts with "So:" (its conclusion, hand-written).
 * The cover letter is plain text in an mbox patch: ASCII, wrapped at 72 columns, two spaces after
 * a full stop, as the rest of it (scripts/checkpatch.pl checks it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../src/util/atomic-file.js';
import type { WorkloadSummary } from './report.js';

/** the guest's cold figures of one workload, as docs/study.md shows them (study/results/cold/) */
export interface ColdQuote {
  workload: string;
  what: string;
  /** idle ≥ 120 s: entries sharing an object / stored pages, and lz4's net saving */
  idle120: { hits: number; net: number };
  /** every page: the same */
  all: { hits: number; net: number };
}

export interface StudyQuoteInput {
  sums: WorkloadSummary[];
  /** runs per workload (the median count) */
  runs: number;
  /** bytes an object adds to the entry of its first slot, and the sizes behind it */
  objectBytes: number;
  entryBytes: number;
  objectExtra: number;
  cold: ColdQuote[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '-' : ''}${Math.abs(x * 100).toFixed(1)} %`;
const names = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

function figures(q: StudyQuoteInput) {
  const lz4 = q.sums.map((s) => ({ w: s.workload, v: s.net_saving.lz4.median, zstd: s.net_saving.zstd.median })).sort((a, b) => b.v - a.v);
  const dups = q.sums.map((s) => s.duplicate_share.median).sort((a, b) => a - b);
  const mid = dups.length >> 1;
  return {
    lz4,
    pays: lz4.filter((x) => x.v > 0.01),
    costs: lz4.filter((x) => x.v < 0),
    dup: { median: dups.length % 2 ? dups[mid] : (dups[mid - 1] + dups[mid]) / 2, min: dups[0], max: dups[dups.length - 1] },
    mostDup: [...q.sums].sort((a, b) => b.duplicate_share.median - a.duplicate_share.median).slice(0, 5),
    zstdLower: lz4.filter((x) => x.zstd < x.v),
  };
}

/** The README's headline paragraph (Markdown, one paragraph). */
export function readmeParagraph(q: StudyQuoteInput): string {
  const f = figures(q);
  const runs = q.runs === 1 ? 'one run each' : `${q.runs} runs each`;
  let text =
    `**On real programs** ([docs/study.md](docs/study.md), made by \`sudo npm run study\`): across ${q.sums.length} workloads ` +
    '(PostgreSQL, Redis, nginx + php-fpm, gunicorn, a Node.js cluster, JVMs, Chromium, gcc, MariaDB, pandas; ' +
    `single and multi-instance, ${runs}), non-zero duplicate pages are a median ${pct(f.dup.median)} of memory; ` +
    `with the series' v2 costs (a ${q.objectBytes}-byte \`zswap_obj\` in place of a ${q.entryBytes}-byte entry: +${q.objectExtra} B per stored content), ` +
    `dedup with lz4 saves more than 1 % on ${f.pays.length} of ${q.sums.length} workloads` +
    (f.pays.length ? ` (${f.pays.slice(0, 3).map((x) => `${x.w} ${signed(x.v)}`).join(', ')})` : '') +
    (f.costs.length ? ` and costs up to ${pct(-f.costs[f.costs.length - 1].v)} elsewhere.` : '.');
  if (q.cold.length) {
    text +=
      ' In the 6.12 guest, the cold part (pages idle ≥ 120 s, what zswap would receive) is ' +
      q.cold
        .map((c) => `${pct(c.idle120.hits)} duplicates for ${c.workload} (dedup ${signed(c.idle120.net)} with lz4; all its pages: ${pct(c.all.hits)}, ${signed(c.all.net)})`)
        .join(', ') +
      '.';
  }
  return wrap(text, 100, '');
}

/** The body of the cover letter's "Real workloads" section, up to its hand-written conclusion. */
export function coverLetterSection(q: StudyQuoteInput): string {
  const f = figures(q);
  const runs = q.runs === 1 ? 'one run each' : `${q.runs} runs each`;
  const median = q.runs === 1 ? 'one run' : `median of ${q.runs} runs`;
  const out: string[] = [];
  out.push(
    wrap(
      `The zswap-dedup project captured the anonymous and shared memory of ${q.sums.length} ` +
        'server and desktop workloads (PostgreSQL, Redis, MariaDB, nginx with php-fpm, Flask under gunicorn, ' +
        `Node.js cluster, OpenJDK, Chromium, gcc, pandas; some as several instances side by side), ${runs}, ` +
        'and replayed every page through the model of this series (docs/study.md there; the ' +
        "model's counts equal this kernel's on the test sets above).  Figures count pool and slab memory " +
        'together (entries, objects, xarray, zsmalloc handles and zspages) at the sizes of this version: ' +
        `a ${q.objectBytes}-byte struct zswap_obj takes the place of the ${q.entryBytes}-byte entry of the ` +
        `slot that stored a content, +${q.objectExtra} bytes per stored content, as if every page were offered to zswap once.`,
      72,
      '',
    ),
  );
  out.push('');
  out.push(
    bullet(
      `Non-zero duplicate pages: a median ${pct(f.dup.median)} of memory over the ${q.sums.length} workloads ` +
        `(${pct(f.dup.min)} to ${pct(f.dup.max)}).  The most: ${f.mostDup.map((s) => `${s.workload} ${pct(s.duplicate_share.median)}`).join(', ')}.`,
    ),
  );
  const zstdOf = (w: string) => f.lz4.find((x) => x.w === w)!.zstd;
  out.push(
    bullet(
      `Net saving with lz4, ${median}: more than 1 % on ${f.pays.length} of ${q.sums.length} workloads` +
        (f.pays.length ? ` (${f.pays.map((x) => `${x.w} ${signed(x.v)}`).join(', ')})` : '') +
        `, a cost on ${f.costs.length}` +
        (f.costs.length ? ` (worst ${f.costs[f.costs.length - 1].w} ${signed(f.costs[f.costs.length - 1].v)})` : '') +
        '.  ' +
        `With zstd the saving is lower ${f.zstdLower.length === q.sums.length ? 'everywhere' : `on ${f.zstdLower.length} of ${q.sums.length}`}` +
        (f.pays.length ? ` (${f.pays.slice(0, 2).map((x) => `${x.w} ${signed(zstdOf(x.w))}`).join(', ')})` : '') +
        ': a better compressor leaves less to save per copy while an object costs the same.',
    ),
  );
  const cheap = q.sums.filter((s) => s.duplicate_share.median >= 0.05 && s.net_saving.lz4.median < 0.02);
  out.push(
    bullet(
      'Duplicates that compress to a few bytes (mostly-zero and same-filled pages' +
        (cheap.length ? `: ${names(cheap.map((s) => `${s.workload} ${pct(s.duplicate_share.median)}${described(s)}`))}` : '') +
        ') free little pool memory when shared, but each distinct content still pays for its object; what dedup saves is the ' +
        'compressed size of the copies, not their number.',
    ),
  );
  if (q.cold.length) {
    // net: what dedup saves of zswap's memory; a negative saving is a cost
    const net = (x: number) => (x < 0 ? `cost ${pct(-x)}` : `saved ${pct(x)}`);
    out.push(
      bullet(
        'zswap sees only cold pages.  Recorded over time in a 6.12 guest with idle page tracking: ' +
          q.cold
            .map(
              (c) =>
                `${c.workload} (${c.what}): of its pages idle for at least 120 s, ${pct(c.idle120.hits)} shared an object with another (${pct(c.all.hits)} of all its pages), ` +
                `and dedup ${net(c.idle120.net)} of zswap's memory with lz4 (${signed(c.all.net)} if zswap held every page)`,
            )
            .join('; ') +
          '.',
      ),
    );
  }
  return out.join('\n') + '\n';
}

/** ", most copied: all bytes 0xff" when the run could describe its most copied content */
function described(s: WorkloadSummary): string {
  const d = s.top_content.replace(/, [\d,]+ copies$/, '');
  return d.startsWith('(') || d === 'none' ? '' : `, most copied: ${d}`;
}

function bullet(text: string): string {
  return wrap(`- ${text}`, 72, '  ');
}

/**
 * Greedy word wrap; `rest` indents every line after the first. Two spaces after a full stop
 * stay two within a line and go at a line break.
 */
export function wrap(text: string, width: number, rest: string): string {
  // a figure and its unit stay on one line
  const words = text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/ %/g, '\u00a0%')
    .split(/( {1,2})/);
  const lines: string[] = [];
  let line = words[0];
  for (let i = 1; i < words.length; i += 2) {
    const gap = words[i];
    const word = words[i + 1];
    if (line.length + gap.length + word.length > width && line.trim() !== '') {
      lines.push(line);
      line = rest + word;
    } else {
      line += gap + word;
    }
  }
  lines.push(line);
  return lines.join('\n').replace(/\u00a0/g, ' ');
}

/** Rewrites the README's headline paragraph and the cover letter's "Real workloads" section in `repo`. */
export function writeQuotes(repo: string, q: StudyQuoteInput): void {
  const readme = path.join(repo, 'README.md');
  const r = fs.readFileSync(readme, 'utf8');
  const start = r.indexOf('**On real programs**');
  if (start < 0) throw new Error(`${readme}: no paragraph starting with "**On real programs**" to rewrite`);
  const end = r.indexOf('\n\n', start);
  writeFileAtomic(readme, r.slice(0, start) + readmeParagraph(q) + (end < 0 ? '\n' : r.slice(end)), 0o644);

  const letter = path.join(repo, 'kernel', 'patches', '0000-cover-letter.patch');
  const l = fs.readFileSync(letter, 'utf8');
  const head = '\nReal workloads\n==============\n\n';
  const from = l.indexOf(head);
  const to = from < 0 ? -1 : l.indexOf('\nSo:', from);
  if (from < 0 || to < 0) throw new Error(`${letter}: no "Real workloads" section ending in a paragraph that starts with "So:"`);
  const body = coverLetterSection(q);
  if (/[^\x20-\x7e\n]/.test(body)) throw new Error(`the cover letter's "Real workloads" section would hold other than printable ASCII: ${JSON.stringify(body)}`);
  writeFileAtomic(letter, l.slice(0, from + head.length) + body + l.slice(to), 0o644);
}
