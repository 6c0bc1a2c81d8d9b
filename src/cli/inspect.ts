/**
 * `zswap-dedup inspect FILE`: what a file would tell whoever receives it — for a capture or trace
 * every header field, its records by kind, and each thing that names or locates something (host
 * name, kernel release, processes, mapping paths, addresses, cgroup, input paths), whether its
 * digests are keyed and by which key id; for any other input, what the reader found (a dump holds
 * the memory itself). Read through the same readers as analyze, so a file inspect accepts is one
 * analyze accepts.
 */
import { CaptureTimeline } from '../sources/capture-reader.js';
import { FIXED_HEADER_SIZE, pad8, RECORD_HEADER_SIZE, REC_ACCESS, REC_DIGEST, REC_END, REC_EVENTS, REC_MAPPING, REC_PAGE, REC_SAMPLE, REC_SAMPLE_SUMMARY, REC_SUMMARY } from '../sources/capture-format.js';
import { headerKeyId } from '../sources/digest-key.js';
import { InputFile } from '../sources/input-file.js';
import { openSource } from '../sources/open-source.js';
import { NO_PFN, PAGE_FLAG } from '../sources/page-batch.js';
import { mappingKind } from '../sources/redaction.js';
import { renderTable } from '../report/text-layout.js';
import { looksLikeCapture } from '../timeline/open-timeline.js';
import { EventBatch, PAGE_EVENT } from '../timeline/timeline.js';
import { EXIT_OK, InputError } from '../util/errors.js';
import { parseJson } from '../util/json.js';

export interface InspectFlags {
  format: 'table' | 'json';
}

/** mapping "paths" that are only a kind (what a redacted trace keeps), not a name */
const KINDS = new Set(['anonymous', 'shmem', 'file', '']);

export interface CaptureDisclosure {
  file: string;
  format: 'capture' | 'trace';
  version: number;
  /** every field of the header, as written */
  header: Record<string, unknown>;
  records: Record<string, number>;
  pages: { records: number; zero_filled: number; with_pfn: number; with_virtual_address: number; events: Record<string, number>; samples: number };
  discloses: {
    page_contents: boolean;
    compressed_lengths: boolean;
    digests: { keyed: boolean; key_id: string | null; key_origin: string | null } | null;
    host_name: string | null;
    kernel_release: string | null;
    processes: { pid: number; comm: string }[];
    process_names: string[];
    mapping_paths: string[];
    mapping_kinds: Record<string, number>;
    mapping_address_ranges: number;
    physical_addresses: number;
    virtual_addresses: number;
    cgroup: unknown;
    input_paths: string[];
    /** strings under name-like keys (comm, hostname, path, cgroup) of the summary records */
    names_in_summaries: string[];
    redacted: boolean;
  };
}

export interface DumpDisclosure {
  file: string;
  format: string;
  pages: number | null;
  discloses: { page_contents: true; note: string };
  info: Record<string, unknown>;
}

const NAME_KEYS = new Set(['comm', 'hostname', 'path', 'cgroup', 'command', 'nodename']);

function collectNames(value: unknown, out: Set<string>, key = ''): void {
  if (Array.isArray(value)) {
    for (const v of value) collectNames(v, out, key);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectNames(v, out, k);
  } else if (typeof value === 'string' && NAME_KEYS.has(key) && value !== '' && !KINDS.has(value)) {
    out.add(value);
  }
}

/** Counts the records of a capture file by kind, and returns its header as written (the file was validated before). */
function walkRecords(file: InputFile): { header: Record<string, unknown>; records: Record<string, number> } {
  const head = Buffer.alloc(FIXED_HEADER_SIZE);
  file.readExactly(head, 0, FIXED_HEADER_SIZE, 0, 'capture header');
  const metaLen = head.readUInt32LE(16);
  const meta = Buffer.alloc(metaLen);
  file.readExactly(meta, 0, metaLen, FIXED_HEADER_SIZE, 'capture metadata');
  const parsed = parseJson(meta.toString('utf8'));
  const header = parsed.ok ? (parsed.value as Record<string, unknown>) : {};
  const names: Record<number, string> = {
    [REC_SAMPLE]: 'sample',
    [REC_PAGE]: 'page',
    [REC_DIGEST]: 'digest',
    [REC_MAPPING]: 'mapping',
    [REC_EVENTS]: 'events',
    [REC_ACCESS]: 'access',
    [REC_SUMMARY]: 'summary',
    [REC_SAMPLE_SUMMARY]: 'sample_summary',
    [REC_END]: 'end',
  };
  const records: Record<string, number> = {};
  const rh = Buffer.alloc(RECORD_HEADER_SIZE);
  for (let pos = pad8(FIXED_HEADER_SIZE + metaLen); pos + RECORD_HEADER_SIZE <= file.size; ) {
    file.readExactly(rh, 0, RECORD_HEADER_SIZE, pos, 'record header');
    const type = rh.readUInt16LE(0);
    const kind = names[type] ?? 'other_optional';
    records[kind] = (records[kind] ?? 0) + 1;
    if (type === REC_END) break;
    pos += RECORD_HEADER_SIZE + pad8(rh.readUInt32LE(4));
  }
  return { header, records };
}

export function inspectCapture(path: string): CaptureDisclosure {
  const t = new CaptureTimeline(InputFile.open(path), true);
  const batch = new EventBatch();
  const events: Record<string, number> = { appear: 0, change: 0, gone: 0, swapped_out: 0, swapped_in: 0 };
  const eventName: Record<number, string> = {
    [PAGE_EVENT.APPEAR]: 'appear',
    [PAGE_EVENT.CHANGE]: 'change',
    [PAGE_EVENT.GONE]: 'gone',
    [PAGE_EVENT.SWAPPED]: 'swapped_out',
    [PAGE_EVENT.SWAPPED_IN]: 'swapped_in',
  };
  const summaryNames = new Set<string>();
  let samples = 0;
  let records = 0;
  let zero = 0;
  let withPfn = 0;
  let withVaddr = 0;
  try {
    for (let s = t.nextSample(); s; s = t.nextSample()) {
      samples++;
      for (let n = t.read(batch); n > 0; n = t.read(batch)) {
        for (let i = 0; i < n; i++) {
          const ev = batch.event[i];
          events[eventName[ev]]++;
          if (ev !== PAGE_EVENT.APPEAR && ev !== PAGE_EVENT.CHANGE) continue;
          records++;
          if (batch.flags[i] & PAGE_FLAG.ZERO_FILLED) zero++;
          if (batch.pfn[i] !== NO_PFN) withPfn++;
          if (batch.vaddr[i] !== 0) withVaddr++;
        }
      }
      collectNames(t.sampleSummary, summaryNames);
    }
    collectNames(t.info.summary, summaryNames);
  } finally {
    t.close();
  }
  const file = InputFile.open(path);
  let walked: ReturnType<typeof walkRecords>;
  try {
    walked = walkRecords(file);
  } finally {
    file.close();
  }
  const { header } = walked;
  const processes = new Map<number, string>();
  const paths = new Set<string>();
  const kinds: Record<string, number> = {};
  let ranges = 0;
  for (const m of t.mappings) {
    if (!processes.has(m.pid) || processes.get(m.pid) === '') processes.set(m.pid, m.comm);
    const named = !KINDS.has(m.path) && !m.path.startsWith('[');
    if (named) paths.add(m.path);
    const kind = named || m.path === '' ? mappingKind(m.path, m.perms) : m.path;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    if (m.start !== '' || m.end !== '') ranges++;
  }
  const summary = t.info.summary as { processes?: { pid?: unknown; comm?: unknown }[] } | undefined;
  for (const p of Array.isArray(summary?.processes) ? summary.processes : []) {
    if (typeof p?.pid === 'number' && (!processes.has(p.pid) || processes.get(p.pid) === '')) processes.set(p.pid, typeof p.comm === 'string' ? p.comm : '');
  }
  const key = headerKeyId(header);
  const keyId = 'id' in key ? key.id : null;
  const origin = (header.digest_key as { origin?: string } | undefined)?.origin ?? null;
  const inputs = Array.isArray(header.inputs) ? (header.inputs as { path?: unknown }[]).map((i) => i?.path).filter((p): p is string => typeof p === 'string') : [];
  return {
    file: path,
    format: t.hasContent ? 'capture' : 'trace',
    version: t.version,
    header,
    records: walked.records,
    pages: { records, zero_filled: zero, with_pfn: withPfn, with_virtual_address: withVaddr, events, samples },
    discloses: {
      page_contents: t.hasContent,
      compressed_lengths: !t.hasContent,
      digests: t.hasContent ? null : { keyed: keyId !== null, key_id: keyId, key_origin: origin },
      host_name: typeof header.hostname === 'string' ? header.hostname : null,
      kernel_release: typeof header.kernel_release === 'string' ? header.kernel_release : null,
      processes: [...processes].map(([pid, comm]) => ({ pid, comm })),
      process_names: [...new Set([...processes.values()].filter((c) => c !== ''))],
      mapping_paths: [...paths],
      mapping_kinds: kinds,
      mapping_address_ranges: ranges,
      physical_addresses: withPfn,
      virtual_addresses: withVaddr,
      cgroup: header.cgroup ?? null,
      input_paths: inputs,
      names_in_summaries: [...summaryNames],
      redacted: header.redacted === true,
    },
  };
}

export function inspectDump(path: string): DumpDisclosure {
  const s = openSource(path, 'auto', { allPages: true, keepMappings: false });
  try {
    const note =
      s.format === 'raw'
        ? 'raw pages: the memory itself, nothing else (no names, no addresses beyond page order)'
        : 'the memory itself: every page it holds is disclosed, and whatever its notes and headers name (below)';
    return { file: path, format: s.format, pages: s.totalPages, discloses: { page_contents: true, note }, info: s.info };
  } finally {
    s.close();
  }
}

const show = (v: unknown, max = 100): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

const list = (items: string[], none: string): string => (items.length === 0 ? none : show(items.join(', '), 160));

export function formatCaptureTable(d: CaptureDisclosure): string {
  const x = d.discloses;
  const rows: string[][] = [['field', 'in this file']];
  rows.push(['format', `${d.format} (capture format version ${d.version})${x.redacted ? ', names and addresses left out (redacted)' : ''}`]);
  rows.push(['page contents', x.page_contents ? 'yes: every captured page, byte for byte' : 'no']);
  if (x.digests) {
    rows.push(['digests', x.digests.keyed ? `keyed, key id ${x.digests.key_id} (${x.digests.key_origin === 'random' ? 'a random key, stored nowhere' : 'the key of a --key-file'})` : 'PLAIN (unkeyed): anyone holding the file can test a guess of a page by hashing it']);
    rows.push(['compressed lengths', 'yes: per page, for every compressor']);
  }
  rows.push(['host name', x.host_name ?? 'none']);
  rows.push(['kernel release', x.kernel_release ?? 'none']);
  rows.push([x.redacted ? 'processes (numbered, not PIDs)' : 'processes', `${x.processes.length}: ${list(x.processes.map((p) => (p.comm ? `${p.pid} ${p.comm}` : String(p.pid))), 'none')}`]);
  rows.push(['process names', list(x.process_names, 'none')]);
  rows.push(['mapping paths', list(x.mapping_paths, 'none')]);
  rows.push(['mapping kinds', list(Object.entries(x.mapping_kinds).map(([k, n]) => `${k} ${n}`), 'none')]);
  rows.push(['mapping address ranges', String(x.mapping_address_ranges)]);
  rows.push(['physical addresses (PFNs)', `${x.physical_addresses} pages`]);
  rows.push(['virtual addresses', `${x.virtual_addresses} pages`]);
  rows.push(['cgroup', x.cgroup === null ? 'none' : show(x.cgroup)]);
  rows.push(['input paths', list(x.input_paths, 'none')]);
  rows.push(['names in summaries', list(x.names_in_summaries, 'none')]);
  rows.push(['pages', `${d.pages.records} in ${d.pages.samples} sample(s), ${d.pages.zero_filled} zero-filled; events: ${Object.entries(d.pages.events).map(([k, n]) => `${k} ${n}`).join(', ')}`]);
  rows.push(['records', Object.entries(d.records).map(([k, n]) => `${k} ${n}`).join(', ')]);
  for (const [k, v] of Object.entries(d.header)) rows.push([`header: ${k}`, show(v)]);
  return `${d.file}\n${renderTable(rows, '  ', 'll')}\n`;
}

export function formatDumpTable(d: DumpDisclosure): string {
  const rows: string[][] = [['field', 'in this file']];
  rows.push(['format', d.format]);
  rows.push(['page contents', `yes: ${d.discloses.note}`]);
  if (d.pages !== null) rows.push(['pages', String(d.pages)]);
  for (const [k, v] of Object.entries(d.info)) rows.push([`info: ${k}`, show(v)]);
  return `${d.file}\n${renderTable(rows, '  ', 'll')}\n`;
}

export function runInspect(file: string, flags: InspectFlags): number {
  if (flags.format !== 'table' && flags.format !== 'json') throw new InputError(null, `--format must be table or json, got '${flags.format}'`);
  const opened = InputFile.open(file);
  let capture: boolean;
  try {
    capture = looksLikeCapture(opened);
  } finally {
    opened.close();
  }
  const d = capture ? inspectCapture(file) : inspectDump(file);
  if (flags.format === 'json') process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
  else process.stdout.write('discloses' in d && 'header' in d ? formatCaptureTable(d) : formatDumpTable(d as DumpDisclosure));
  return EXIT_OK;
}
