// resident-frames.mjs PID...: inside the guest (chrooted into the host root, as root), the page
// frames the processes still map after reclaim, one PFN per line (each once), from
// /proc/PID/maps and /proc/PID/pagemap (bit 63: present, bits 0-54: PFN). Run by
// study/guest/counters-job.sh; study/guest-counters.ts takes the pages of the first capture whose
// frame is not listed as the pages that went out.
//
// Not a second `capture`: a capture of processes whose pages are partly swapped out, partly
// resident cannot be read back today (page keys of swapped pages are handed out but not written:
// "page key N skips keys"), and this needs the frames only.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const PAGE = 4096;
const CHUNK = 8192; // pagemap entries per read (64 KiB)
const PRESENT = 1n << 63n;
const PFN_MASK = (1n << 55n) - 1n;
const frames = new Set();
const buf = Buffer.alloc(CHUNK * 8);
const entries = new BigUint64Array(buf.buffer, buf.byteOffset, CHUNK);
for (const pid of process.argv.slice(2)) {
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
      if (!m || line.endsWith('[vsyscall]')) continue;
      const end = Number.parseInt(m[2], 16) / PAGE;
      for (let v = Number.parseInt(m[1], 16) / PAGE; v < end; v += CHUNK) {
        const n = Math.min(CHUNK, end - v);
        const got = readSync(fd, buf, 0, n * 8, v * 8) / 8;
        for (let i = 0; i < got; i++) if (entries[i] & PRESENT) frames.add(entries[i] & PFN_MASK);
      }
    }
  } finally {
    closeSync(fd);
  }
}
process.stdout.write([...frames].map((f) => `${f}\n`).join(''));
