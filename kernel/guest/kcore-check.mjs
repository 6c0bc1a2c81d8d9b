// kcore-check.mjs CAPTURE: inside the test guest (chrooted into the host root, as root), read
// every page of a zswap-dedup capture again from /proc/kcore by the PFN the capture recorded,
// and compare with the captured bytes. zswap-dedup capture falls back to /proc/PID/mem, page by
// page, when /proc/kcore cannot deliver a PFN; its summary only says that /proc/kcore was open.
// This says, per page, that /proc/kcore holds exactly the captured contents.
//
// Run by kernel/guest/zswap-capture-job.sh with the repository's dist/ built. Prints
// "key value" lines: pages, no_pfn, kcore_unreadable, kcore_equal, kcore_differs,
// content_from (the capture's summary), kcore_open. Exit 1 when the capture cannot be read.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'src');
// the capture reader alone: under TCG every module more costs (open-source.js, with every
// dump reader, takes seconds longer to load)
const { CaptureSource } = await import(join(dist, 'sources', 'capture-reader.js'));
const { InputFile } = await import(join(dist, 'sources', 'input-file.js'));
const { PageBatch, NO_PFN } = await import(join(dist, 'sources', 'page-batch.js'));
const { KcoreReader } = await import(join(dist, 'capture', 'page-content.js'));

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: kcore-check.mjs CAPTURE\n');
  process.exit(2);
}
const source = new CaptureSource(InputFile.open(path));
const kcore = KcoreReader.open();
const counts = { pages: 0, no_pfn: 0, kcore_unreadable: 0, kcore_equal: 0, kcore_differs: 0 };
const batch = new PageBatch();
const page = Buffer.alloc(4096);
for (let n; (n = source.read(batch)) > 0; ) {
  for (let i = 0; i < n; i++) {
    counts.pages++;
    if (batch.pfn[i] === NO_PFN) {
      counts.no_pfn++;
      continue;
    }
    if (!kcore || !kcore.read(batch.pfn[i], page, 0)) {
      counts.kcore_unreadable++;
      continue;
    }
    if (page.equals(batch.content.subarray(i * 4096, (i + 1) * 4096))) counts.kcore_equal++;
    else counts.kcore_differs++;
  }
}
source.close();
for (const [k, v] of Object.entries(counts)) console.log(`${k} ${v}`);
console.log(`content_from ${source.info.summary?.content_from ?? source.info.content_from ?? 'unknown'}`);
console.log(`kcore_open ${kcore ? 1 : 0}`);
kcore?.close();
