/**
 * analyze --by process|mapping: every page replayed is attributed to the process and the mapping
 * its source says it belongs to (captures and traces: the page's mapping record; process cores:
 * the PT_LOAD segment, i.e. the VMA). Pages of sources that know no mappings (raw images, kernel
 * dumps) form one group per input. Attribution goes through ordinals: (input, mapping id) → a
 * mapping ordinal, mapping ordinal → process ordinal, with the last lookup cached, so a page
 * costs two table updates and no allocation.
 */
import type { MappingInfo } from '../sources/capture-format.js';
import type { PageBatch } from '../sources/page-batch.js';
import type { PageSource } from '../sources/page-source.js';
import { mappingKind } from '../sources/redaction.js';
import { GroupSharing, type GroupFigures } from './group-sharing.js';

export const DRILL_LEVELS = ['process', 'mapping'] as const;
export type DrillLevel = (typeof DRILL_LEVELS)[number];

/** who a group is; null fields are what the source does not know (or a redacted trace left out) */
export interface ProcessIdentity {
  /** index into the report's inputs */
  input: number;
  /** null: the input knows no processes */
  pid: number | null;
  comm: string | null;
}

export interface MappingIdentity extends ProcessIdentity {
  /** [heap], [stack], anonymous, shmem, file (a private file mapping's copy-on-write pages), [name]; null: no mapping */
  kind: string | null;
  /** file or shmem name; null when there is none or the trace left it out */
  name: string | null;
  /** start address (hex) when known */
  start: string | null;
  perms: string | null;
}

/** mappings: how many of the process' mappings hold pages replayed */
export type ProcessRow = ProcessIdentity & { mappings: number } & GroupFigures;
export type MappingRow = MappingIdentity & GroupFigures;

export interface DrillDownReport {
  processes: ProcessRow[] | null;
  mappings: MappingRow[] | null;
  /** inputs whose pages carry no process or mapping */
  unattributed_inputs: number[];
}

interface InputState {
  source: PageSource;
  redacted: boolean;
  /** mapping id → mapping ordinal */
  byId: Map<number, number>;
  /** source.mappings entries already registered */
  synced: number;
  /** ordinal of this input's group for pages without a (known) mapping, −1 until needed */
  none: number;
}

export class DrillDown {
  private readonly processSharing: GroupSharing;
  /** always counts pages (a process' mappings with pages); contents only for --by mapping */
  private readonly mappingSharing: GroupSharing;
  private readonly processes: ProcessIdentity[] = [];
  private readonly processByKey = new Map<string, number>();
  private readonly mappingList: MappingIdentity[] = [];
  /** process ordinal of each mapping ordinal */
  private processOf = new Int32Array(64);
  private readonly inputs: InputState[] = [];

  constructor(readonly levels: readonly DrillLevel[]) {
    this.processSharing = new GroupSharing(levels.includes('process'));
    this.mappingSharing = new GroupSharing(levels.includes('mapping'));
  }

  startSource(source: PageSource): void {
    this.inputs.push({ source, redacted: source.info.redacted === true, byId: new Map(), synced: 0, none: -1 });
  }

  private process(input: number, pid: number | null, comm: string | null): number {
    const key = `${input}:${pid}`;
    let p = this.processByKey.get(key);
    if (p === undefined) {
      p = this.processes.length;
      this.processes.push({ input, pid, comm });
      this.processByKey.set(key, p);
      this.processSharing.ensureGroups(p + 1);
    }
    return p;
  }

  private addMapping(identity: MappingIdentity): number {
    const m = this.mappingList.length;
    this.mappingList.push(identity);
    if (m >= this.processOf.length) {
      const next = new Int32Array(this.processOf.length * 2);
      next.set(this.processOf);
      this.processOf = next;
    }
    this.processOf[m] = this.process(identity.input, identity.pid, identity.comm);
    this.mappingSharing.ensureGroups(m + 1);
    return m;
  }

  private register(input: number, st: InputState, m: MappingInfo): void {
    const kind = st.redacted ? m.path || null : mappingKind(m.path, m.perms);
    const named = !st.redacted && (kind === 'file' || kind === 'shmem') && m.path !== '' && !m.path.startsWith('[');
    st.byId.set(
      m.id,
      this.addMapping({
        input,
        pid: m.pid,
        comm: m.comm || null,
        kind,
        name: named ? m.path : null,
        start: m.start || null,
        perms: m.perms || null,
      }),
    );
  }

  private mappingOrdinal(input: number, st: InputState, id: number): number {
    let m = id === 0 ? undefined : st.byId.get(id);
    if (m === undefined && id !== 0) {
      const list = st.source.mappings!;
      for (; st.synced < list.length; st.synced++) this.register(input, st, list[st.synced]);
      m = st.byId.get(id);
    }
    if (m !== undefined) return m;
    // pages without a (known) mapping; for raw images and kernel dumps, the whole input
    if (st.none < 0) st.none = this.addMapping({ input, pid: null, comm: null, kind: null, name: null, start: null, perms: null });
    return st.none;
  }

  /** The pages of a batch of input `input`: their content ids (−1: zero-filled). */
  addBatch(input: number, batch: PageBatch, n: number, ids: Int32Array): void {
    const st = this.inputs[input];
    const hasMappings = st.source.mappings !== undefined;
    let lastId = -1;
    let lastOrdinal = 0;
    for (let i = 0; i < n; i++) {
      const id = hasMappings ? batch.mapping[i] : 0;
      if (id !== lastId) {
        lastOrdinal = this.mappingOrdinal(input, st, id);
        lastId = id;
      }
      const mapcount = hasMappings ? batch.mapcount[i] : 0;
      this.mappingSharing.add(lastOrdinal, ids[i], mapcount);
      this.processSharing.add(this.processOf[lastOrdinal], ids[i], mapcount);
    }
  }

  report(contents: number, pagesOf: ArrayLike<number>): DrillDownReport {
    const unattributed = this.inputs.flatMap((st, i) => (st.source.mappings === undefined ? [i] : []));
    let processes: ProcessRow[] | null = null;
    let mappings: MappingRow[] | null = null;
    if (this.levels.includes('process')) {
      const figures = this.processSharing.figures(contents, pagesOf);
      const count = new Uint32Array(this.processes.length);
      for (let m = 0; m < this.mappingList.length; m++) if (this.mappingList[m].kind !== null && this.mappingSharing.pagesIn(m) > 0) count[this.processOf[m]]++;
      processes = this.processes.map((p, i) => ({ ...p, mappings: count[i], ...figures[i] })).filter((r) => r.pages > 0);
    }
    if (this.levels.includes('mapping')) {
      const figures = this.mappingSharing.figures(contents, pagesOf);
      mappings = this.mappingList.map((m, i) => ({ ...m, ...figures[i] })).filter((r) => r.pages > 0);
    }
    return { processes, mappings, unattributed_inputs: unattributed };
  }
}
