/**
 * What the study computes from its captures beside the analyzer's report:
 * - where duplicates live, from the analyzer's own drill-down (`analyze --by process` of the
 *   run's traces, one trace per instance);
 * - non-zero same-filled pages and words for the most duplicated contents (from the content
 *   captures, which are deleted afterwards: traces hold no content).
 *
 * Where duplicates live is measured by dedup scope, independent of page order: with N non-zero
 * pages, a scope's duplicates are N minus the distinct contents summed over its members.
 *   per process:  Σ duplicates_within of the report's by_process rows → within one process
 *   per instance: Σ (non-zero − distinct) of the report's inputs       → minus the above: across processes of one instance
 *   global:       pages.nonzero − pages.distinct_contents              → minus the above: across instances
 * Per instance is what the series' zswap.dedup_scope=memcg would find when every instance has a
 * memcg of its own, as containers do. Identity is the analyzer's (the trace's 128-bit
 * fingerprint). Counted over contents, not over what zswap would accept: copies of an
 * incompressible content are duplicates here though the series compresses and rejects each (the
 * analyzer's duplicate_pages leaves them out).
 */
import { PAGE_SIZE } from '../src/model/kernel.js';
import { describeContent } from '../src/report/describe-content.js';
import type { AnalyzeReport } from '../src/report/report.js';
import { xxh64 } from '../src/hash/xxhash.js';
import { CaptureSource } from '../src/sources/capture-reader.js';
import { InputFile } from '../src/sources/input-file.js';
import type { DigestKey } from '../src/sources/digest-key.js';
import { DIGEST_HASH_WORD, DIGEST_HASH_WORDS, FINGERPRINT_WORDS } from '../src/sources/digest-layout.js';
import { PageBatch } from '../src/sources/page-batch.js';

export interface Locality {
  nonzero_pages: number;
  distinct_contents: number;
  /** pages beyond the first copy of each content, by where the other copy is */
  duplicate_pages: number;
  within_process: number;
  across_processes: number;
  across_instances: number;
  /** processes with a non-zero page */
  processes: number;
}

/** Where the duplicate pages live, from an `analyze --by process` report of a run's traces (each input one instance). */
export function localityOf(report: AnalyzeReport): Locality {
  const rows = report.by_process;
  if (!rows) throw new Error('where duplicates live needs the drill-down of analyze --by process');
  if (rows.some((r) => r.pid === null)) throw new Error('where duplicates live needs inputs that know their processes (captures or traces)');
  const p = report.pages;
  const withinProcess = rows.reduce((a, r) => a + r.duplicates_within, 0);
  // one input: the report gives its distinct contents only as the total
  const withinInstance =
    report.inputs.length === 1 ? p.nonzero - p.distinct_contents : report.inputs.reduce((a, i) => a + (i.pages - i.zero_pages - i.distinct_contents!), 0);
  const global = p.nonzero - p.distinct_contents;
  return {
    nonzero_pages: p.nonzero,
    distinct_contents: p.distinct_contents,
    duplicate_pages: global,
    within_process: withinProcess,
    across_processes: withinInstance - withinProcess,
    across_instances: global - withinInstance,
    processes: rows.filter((r) => r.pages > r.zero_pages).length,
  };
}

export interface ContentStats {
  pages: number;
  zero_pages: number;
  /** one 8-byte word repeated over the page, not zero: what zswap stored as same-filled up to 6.11 */
  same_filled_nonzero_pages: number;
  /** distinct words of those pages, most frequent first (at most 5) */
  same_filled_words: { word: string; pages: number }[];
  /** xxh64 (hex, as the analyzer prints it) → words for the content */
  descriptions: Record<string, string>;
  /** per capture: its summary record (processes, pages left out) */
  summaries: unknown[];
}

/**
 * Same-filled pages and descriptions of the contents whose xxh64 is in `describe`, from content
 * captures; `key`: the hashes in `describe` come from traces keyed with it (as analyze shows them).
 */
export function contentStats(captures: string[], describe: Set<string>, key: DigestKey | null = null): ContentStats {
  const stats: ContentStats = { pages: 0, zero_pages: 0, same_filled_nonzero_pages: 0, same_filled_words: [], descriptions: {}, summaries: [] };
  const words = new Map<string, number>();
  const h = new Uint32Array(DIGEST_HASH_WORDS);
  const fp = new Uint32Array(FINGERPRINT_WORDS);
  for (const file of captures) {
    const src = new CaptureSource(InputFile.open(file));
    try {
      if (!src.hasContent) throw new Error(`${file}: same-filled pages need a content capture, not a trace`);
      const batch = new PageBatch();
      const w32 = new Uint32Array(batch.content.buffer, batch.content.byteOffset, batch.content.length / 4);
      for (let n = src.read(batch); n > 0; n = src.read(batch)) {
        for (let i = 0; i < n; i++) {
          stats.pages++;
          const at = (i * PAGE_SIZE) / 4;
          const lo = w32[at];
          const hi = w32[at + 1];
          let same = true;
          for (let k = at + 2; k < at + PAGE_SIZE / 4; k += 2) {
            if (w32[k] !== lo || w32[k + 1] !== hi) {
              same = false;
              break;
            }
          }
          if (same && lo === 0 && hi === 0) {
            stats.zero_pages++;
            continue;
          }
          if (same) {
            stats.same_filled_nonzero_pages++;
            const word = `0x${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
            words.set(word, (words.get(word) ?? 0) + 1);
          }
          if (describe.size > 0) {
            xxh64(batch.content, i * PAGE_SIZE, PAGE_SIZE, 0n, h, DIGEST_HASH_WORD.xxh64);
            key?.keyDigests(1, h, 0, fp, 0);
            const hex = h[1].toString(16).padStart(8, '0') + h[0].toString(16).padStart(8, '0');
            if (describe.has(hex) && !(hex in stats.descriptions)) {
              stats.descriptions[hex] = describeContent(batch.content.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
            }
          }
        }
      }
      stats.summaries.push(src.info.summary ?? null);
    } finally {
      src.close();
    }
  }
  stats.same_filled_words = [...words].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([word, pages]) => ({ word, pages }));
  return stats;
}

type TopContent = AnalyzeReport['top_duplicates'][number];

/** how many contents analyze lists as the most copied (src/report/report.ts) */
const TOP_LISTED = 10;

/**
 * The words for the most copied contents come from the content captures, which are gone: they
 * are carried over from the run's earlier report to the new one. By hash where the hashes are the
 * same; else (a result older than its keyed traces) by copy count where that count names one
 * content: held by one content in each list, and not a tie the list's end may have cut.
 */
export function carryDescriptions(from: TopContent[], to: TopContent[]): void {
  const byHash = new Map(from.map((d) => [d.hash, d.description]));
  const unique = (list: TopContent[], n: number) =>
    list.filter((d) => d.pages === n).length === 1 && (list.length < TOP_LISTED || n > list[list.length - 1].pages);
  for (const d of to) {
    const same = byHash.get(d.hash);
    if (same !== undefined) d.description = same;
    else if (unique(from, d.pages) && unique(to, d.pages)) d.description = from.find((x) => x.pages === d.pages)!.description;
  }
}
