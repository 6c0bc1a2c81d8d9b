/**
 * Capture inside the 6.12 guest, and dumps of the same guest, for guest-capture.test.ts.
 *
 * `captureAndDumpInGuest()` boots the stock guest with the host root shared read-only as "host",
 * runs kernel/guest/zswap-capture-job.sh (zswap-fill holds the page set in anonymous memory;
 * `zswap-dedup capture` runs on it with node chrooted into the host root; kcore-check.mjs reads
 * every captured page again from /proc/kcore), and, while the workload still holds its pages,
 * dumps the guest over QMP (`dump-guest-memory`, ELF and kdump-zlib) into `dumpDir`.
 *
 * `readCapturePages()` / `readDumpPages()` read the results in-process through the project's own
 * readers (src/sources/open-source.ts), page contents reduced to a SHA-256 each.
 */
import { createHash } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSource } from '../../src/sources/open-source.js';
import { NO_PFN, PageBatch } from '../../src/sources/page-batch.js';
import { CHROOT_SHARES, GuestError, Qmp, REPO_ROOT, runJob, tail, type JobResult } from './guest.js';
import { PAGE, type PageSet } from './pagesets.js';

export const DUMP_MARKER = '@@ zswap-capture: dump now';
export const DUMP_FORMATS = ['elf', 'kdump-zlib'] as const;
export type DumpFormat = (typeof DUMP_FORMATS)[number];

export interface GuestDump {
  format: DumpFormat;
  path: string;
  bytes: number;
  ms: number;
}

export interface GuestCapture {
  job: JobResult;
  /** the capture file, copied out of the guest's "out" share */
  capturePath: string;
  pid: number;
  region: number;
  pages: number;
  /** "present=… swapped=… none=…" of the region after the dumps */
  afterDump: Map<string, number>;
  /** kcore-check.mjs's "key value" lines */
  kcore: Map<string, string>;
  /** the CLI's summary table (stderr) */
  captureStderr: string;
  /** guest-side step → seconds (fill, capture, kcore-check) */
  timings: Map<string, number>;
  dumps: GuestDump[];
}

function keyValues(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) m.set(line.slice(0, sp), line.slice(sp + 1).trim());
  }
  return m;
}

export async function captureAndDumpInGuest(o: {
  kernel: string;
  initrd: string;
  set: PageSet;
  /** where the capture and the dumps go (the caller deletes it) */
  dir: string;
  memoryMiB?: number;
}): Promise<GuestCapture> {
  const qmpSocket = join(o.dir, 'qmp.sock');
  const dumps: GuestDump[] = [];
  let dumpError: string | null = null;
  let job: JobResult;
  try {
    job = await runJob({
      kernel: o.kernel,
      initrd: o.initrd,
      memoryMiB: o.memoryMiB ?? 128,
      // no swap: nothing can reclaim the workload's anonymous pages
      swapMiB: 0,
      qmpSocket,
      files: {
        'pageset.raw': o.set.data,
        'zswap-capture-job.sh': join(REPO_ROOT, 'kernel', 'guest', 'zswap-capture-job.sh'),
      },
      extraShares: CHROOT_SHARES,
      script: 'sh /job/zswap-capture-job.sh\n',
      timeoutMs: 240_000,
      onConsoleLine: (line, guest) => {
        if (line.trim() !== DUMP_MARKER) return;
        void (async () => {
          const qmp = await Qmp.connect(qmpSocket);
          try {
            for (const format of DUMP_FORMATS) {
              const path = join(o.dir, `guest.${format}`);
              const started = Date.now();
              await qmp.execute('dump-guest-memory', { paging: false, protocol: `file:${path}`, format });
              dumps.push({ format, path, bytes: statSync(path).size, ms: Date.now() - started });
            }
          } finally {
            qmp.close();
          }
          guest.send('dumped\n');
        })().catch((e: Error) => {
          dumpError = e.message;
          guest.send(`dump failed\n`);
        });
      },
    });
  } catch (e) {
    if (dumpError && e instanceof GuestError) throw new GuestError(`dump-guest-memory failed: ${dumpError}\n${e.message}`);
    throw e;
  }
  if (dumpError) throw new GuestError(`dump-guest-memory failed: ${dumpError}\n--- last console lines ---\n${tail(job.console, 60)}`);
  const need = (name: string): Buffer => {
    const b = job.outputs[name];
    if (!b) throw new GuestError(`the guest left no ${name} in /out\n--- last console lines ---\n${tail(job.console, 60)}`);
    return b;
  };
  const capturePath = join(o.dir, 'cap.zsdc');
  writeFileSync(capturePath, need('cap.zsdc'));
  const fill = keyValues(need('fill.txt').toString());
  const ready = /^pages=(\d+) region=(0x[0-9a-f]+)$/.exec(fill.get('ready') ?? '');
  if (!ready) throw new GuestError(`zswap-fill's ready line is not understood: ${fill.get('ready')}`);
  const afterDump = new Map<string, number>();
  for (const kv of (fill.get('after-dump') ?? '').split(' ')) {
    const [k, v] = kv.split('=');
    if (k) afterDump.set(k, Number(v));
  }
  const timings = new Map<string, number>();
  for (const [k, v] of keyValues(need('timings.txt').toString())) timings.set(k, Number(v));
  return {
    job,
    capturePath,
    pid: Number(fill.get('pid')),
    region: Number(BigInt(ready[2])),
    pages: Number(ready[1]),
    afterDump,
    kcore: keyValues(need('kcore.txt').toString()),
    captureStderr: need('capture.stderr').toString(),
    timings,
    dumps,
  };
}

export const pageHash = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** content hash → number of pages with that content */
export type Multiset = Map<string, number>;

export function multisetOf(hashes: Iterable<string>): Multiset {
  const m: Multiset = new Map();
  for (const h of hashes) m.set(h, (m.get(h) ?? 0) + 1);
  return m;
}

/** How many pages of `want` are among `have` (Σ min over contents): want's size when contained. */
export function containedPages(want: Multiset, have: Multiset): number {
  let n = 0;
  for (const [h, c] of want) n += Math.min(c, have.get(h) ?? 0);
  return n;
}

export function multisetsEqual(a: Multiset, b: Multiset): boolean {
  if (a.size !== b.size) return false;
  for (const [h, c] of a) if (b.get(h) !== c) return false;
  return true;
}

export function pageSetHashes(set: PageSet): string[] {
  const out: string[] = [];
  for (let i = 0; i < set.pages; i++) out.push(pageHash(set.data.subarray(i * PAGE, (i + 1) * PAGE)));
  return out;
}

export interface DeliveredPage {
  pfn: number;
  vaddr: number;
  flags: number;
  hash: string;
  zero: boolean;
}

export interface DeliveredPages {
  format: string;
  info: Record<string, unknown>;
  pages: DeliveredPage[];
  ms: number;
}

/** Every page a source delivers with the default options (kernel dumps: anonymous and shmem). */
export function readDeliveredPages(path: string): DeliveredPages {
  const started = Date.now();
  const source = openSource(path, 'auto');
  try {
    const batch = new PageBatch();
    const pages: DeliveredPage[] = [];
    for (let n; (n = source.read(batch)) > 0; ) {
      for (let i = 0; i < n; i++) {
        const content = batch.content.subarray(i * PAGE, (i + 1) * PAGE);
        pages.push({
          pfn: batch.pfn[i] === NO_PFN ? -1 : batch.pfn[i],
          vaddr: batch.vaddr[i],
          flags: batch.flags[i],
          hash: pageHash(content),
          zero: content.every((b) => b === 0),
        });
      }
    }
    return { format: source.format, info: source.info, pages, ms: Date.now() - started };
  } finally {
    source.close();
  }
}
