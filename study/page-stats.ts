/**
 * What the study computes from its captures beside the analyzer's report:
 * - where duplicates live (from the traces: page → mapping → process; trace file → instance);
 * - non-zero same-filled pages and words for the most duplicated contents (from the content
 *   captures, which are deleted afterwards: traces hold no content).
 *
 * Where duplicates live is measured by dedup scope, independent of page order: with N non-zero
 * pages, a scope's duplicates are N minus the distinct (content, scope member) pairs.
 *   per process:  N − |{(content, pid)}|       → duplicates within one process
 *   per instance: N − |{(content, instance)}|  → minus the above: across processes of one instance
 *   global:       N − |{content}|              → minus the above: across instances
 * Per instance is what the series' zswap.dedup_scope=memcg would find when every instance has a
 * memcg of its own, as containers do. Identity is the trace's 128-bit fingerprint. Counted over
 * contents, not over what zswap would accept: copies of an incompressible content are duplicates
 * here though the series compresses and rejects each (the analyzer's duplicate_pages leaves them out).
 */
import { PAGE_SIZE } from '../src/model/kernel.js';
import { describeContent } from '../src/report/describe-content.js';
import { xxh64 } from '../src/hash/xxhash.js';
import { CaptureSource } from '../src/sources/capture-reader.js';
import { InputFile } from '../src/sources/input-file.js';
import { DigestKey, headerKeyId } from '../src/sources/digest-key.js';
import { DIGEST_HASH_WORD, DIGEST_HASH_WORDS, FINGERPRINT_WORDS } from '../src/sources/digest-layout.js';
import { PAGE_FLAG, PageBatch } from '../src/sources/page-batch.js';

export interface Locality {
  nonzero_pages: number;
  distinct_contents: number;
  /** pages beyond the first copy of each content, by where the other copy is */
  duplicate_pages: number;
  within_process: number;
  across_processes: number;
  across_instances: number;
  processes: number;
}

/** Where the duplicate pages of a set of traces live; each trace is one instance. */
export function locality(traces: string[]): Locality {
  const contents = new Set<string>();
  const perInstance = new Set<string>();
  const perProcess = new Set<string>();
  /** processes as (instance, pid): traces pseudonymise PIDs per trace (1, 2, 3 …), and PIDs of different machines may coincide anyway */
  const pids = new Set<string>();
  let nonzero = 0;
  let keyId: string | null = null;
  traces.forEach((file, instance) => {
    const src = new CaptureSource(InputFile.open(file));
    try {
      if (src.hasContent) throw new Error(`${file}: locality reads traces (fingerprints), not captures`);
      // fingerprints compare only under one key (digest-key.ts)
      const id = JSON.stringify(headerKeyId(src.info));
      if (keyId !== null && id !== keyId) throw new Error(`${file}: its digest key differs from ${traces[0]}'s: their pages cannot be compared`);
      keyId = id;
      const batch = new PageBatch();
      const pidOf = new Map<number, number>();
      for (let n = src.read(batch); n > 0; n = src.read(batch)) {
        for (let k = pidOf.size; k < src.mappings.length; k++) pidOf.set(src.mappings[k].id, src.mappings[k].pid);
        for (let i = 0; i < n; i++) {
          if (batch.flags[i] & PAGE_FLAG.ZERO_FILLED) continue;
          nonzero++;
          const f = batch.fingerprint;
          const w = i * FINGERPRINT_WORDS;
          const key = `${f[w].toString(36)}.${f[w + 1].toString(36)}.${f[w + 2].toString(36)}.${f[w + 3].toString(36)}`;
          const pid = pidOf.get(batch.mapping[i]) ?? -1;
          if (pid < 0) throw new Error(`${file}: a page without a mapping record (made by an older convert?)`);
          pids.add(`${instance}/${pid}`);
          contents.add(key);
          perInstance.add(`${key}/${instance}`);
          perProcess.add(`${key}/${instance}/${pid}`);
        }
      }
    } finally {
      src.close();
    }
  });
  const withinProcess = nonzero - perProcess.size;
  const withinInstance = nonzero - perInstance.size;
  const global = nonzero - contents.size;
  return {
    nonzero_pages: nonzero,
    distinct_contents: contents.size,
    duplicate_pages: global,
    within_process: withinProcess,
    across_processes: withinInstance - withinProcess,
    across_instances: global - withinInstance,
    processes: pids.size,
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
