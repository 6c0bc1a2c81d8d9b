/** Command-line entry: parses arguments, runs a command, maps failures to exit codes. */
import os from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { COMPRESSOR_NAMES } from '../compress/compressor.js';
import { KERNEL_NAME, ZSMALLOC } from '../model/kernel.js';
import { HASH_NAMES } from '../hash/page-hash.js';
import { INPUT_FORMATS } from '../sources/open-source.js';
import { DEFAULT_METADATA_SIZES, METADATA_OPTIONS } from '../store/metadata.js';
import { ZPOOL_NAMES } from '../store/zpool.js';
import { abortAllOutputs } from '../util/atomic-file.js';
import { runAnalyze, type AnalyzeFlags } from './analyze.js';
import { RECLAIM_HELP } from './parse.js';
import { REPORT_FORMATS } from '../report/formats.js';
import { DEFAULT_COMPRESSORS } from '../compress/registry.js';
import { IDLE_CHOICES, runCapture, type CaptureFlags } from './capture.js';
import { runClasses } from './classes.js';
import { runConvert, type ConvertFlags } from './convert.js';
import { runInspect, type InspectFlags } from './inspect.js';
import { EXIT_INPUT, EXIT_INTERNAL, InputError } from '../util/errors.js';
import { takeStopRequest } from '../util/stop-request.js';
import { examples } from './examples.js';
import { stopAllProgress } from './progress.js';
import { TOOL } from './tool.js';

const CHAIN = ZSMALLOC.chainSize;

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command(TOOL.name)
    .description(`How much memory would a deduplicating zswap save? Replays memory pages through a replica of the ${KERNEL_NAME} zswap store, with and without dedup.`)
    .version(TOOL.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      // help on stdout; every error one line, prefixed like the tool's own
      outputError: (str, write) => write(`${TOOL.name}: ${str.replace(/^error: /, '')}`),
    })
    .exitOverride();

  const collect = (v: string, prev: string[] = []) => [...prev, v];
  const analyze = program
    .command('analyze')
    .description('replay pages from dumps or captures through the zswap store replica and report')
    .argument('[input...]', 'files to analyze together (raw pages, captures, traces, dumps; - for standard input; gzip, xz, zstd undone); format detected from content')
    .option('-c, --compressor <list>', `compressors to compare, comma-separated, or "all" (${COMPRESSOR_NAMES.join(', ')})`, DEFAULT_COMPRESSORS.join(','))
    .addOption(new Option('--zpool <name>', 'zswap pool allocator').choices(ZPOOL_NAMES).default('zsmalloc'))
    .option('--chain-size <n>', `CONFIG_ZSMALLOC_CHAIN_SIZE of the modelled kernel (${CHAIN.min}..${CHAIN.max})`, String(CHAIN.default))
    .addOption(new Option('--hash <name>', 'whole-page hash of the dedup index').choices(HASH_NAMES).default('xxh64'))
    .option('--hash-bits <n>', 'keep only the low n bits of the hash as the index key (models the dedup series\' dedup_hash_bits knob; the series keys on at most 32)')
    .option('--no-verify', 'decide content identity by a 128-bit fingerprint instead of comparing bytes')
    .addOption(new Option('--input-format <format>', 'read inputs as this format instead of detecting it').choices(INPUT_FORMATS).default('auto'))
    .option('-p, --pid <pid>', 'capture this live process first (repeatable; Linux, root) and analyze it with the inputs', collect, [])
    .option('--no-pfn', 'with --pid, without CAP_SYS_ADMIN: capture per process (shared physical pages counted more than once)')
    .option('--all-pages', 'analyze every page of kernel dumps and process cores, not only those zswap would see')
    .option('--max-pool-percent <n>', 'model zswap.max_pool_percent (needs --total-ram); refused stores are counted; the replay over time also writes back')
    .option('--accept-threshold-percent <n>', 'zswap.accept_threshold_percent with --max-pool-percent', '90')
    .option('--total-ram <size>', 'RAM of the modelled machine, e.g. 16G')
    .option('--reclaim <policy>', `replay over time, sample by sample: which pages zswap holds (${RECLAIM_HELP})`)
    .option('--compaction <when>', 'replay over time: when zsmalloc compacts: never (memcg reclaim never makes it) or sample (after every sample)', 'never')
    .option('--series <file>', 'replay over time: write the time series (JSON, or CSV when the name ends in .csv)')
    .option('--chart <file>', 'replay over time: chart pool + metadata over time (SVG, or PNG when the name ends in .png)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(REPORT_FORMATS).default('table'))
    .option('--by <levels>', 'drill down per process and/or per mapping (process, mapping or process,mapping): pages, zero, duplicates within, shared with others; CSV then lists these rows')
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--fail-under <ratio>', 'exit 1 if the net dedup saving ratio (0..1, pool and metadata counted) is below this')
    .option('--fail-on <which>', 'whose saving --fail-under checks: best (the headline\'s compressor), all (every compressor must reach it) or a compressor name', 'all')
    .option('--threads <n>', 'threads compressing pages', String(Math.min(8, os.availableParallelism())))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress');
  for (const o of METADATA_OPTIONS) {
    analyze.addOption(new Option(`--${o.option} <bytes>`, `metadata model: ${o.size} (default ${DEFAULT_METADATA_SIZES[o.size]})`).hideHelp());
  }
  analyze.addHelpText(
    'after',
    `
Metadata sizes (hidden options, bytes): ${METADATA_OPTIONS.map((o) => `--${o.option}`).join(', ')}.
Exit codes: 0 done, 1 --fail-under not met, 2 bad input or usage, 3 internal error.

Examples (the files are in the package's fixtures/):
${examples('analyze')}`,
  );
  analyze.action(async (inputs: string[], flags: AnalyzeFlags) => setExit(await runAnalyze(inputs, flags)));

  program
    .command('convert')
    .description('write inputs as one zswap-dedup capture, or as a hash-only trace that carries no page contents')
    .argument('<input...>', 'files to convert (- for standard input; gzip, xz, zstd undone)')
    .requiredOption('-o, --output <file>', 'capture or trace to write (mode 0600, atomically)')
    .option('--hash-only', `write a trace: per page only hashes, a fingerprint and the ${KERNEL_NAME} compressed length for every compressor`)
    .option('--keep-names', 'with --hash-only: keep the host name, process names, mapping paths and addresses (left out of a trace by default)')
    .option('--key-file <file>', 'with --hash-only: key the digests with this file\'s bytes (≥ 16 random ones), so traces made with it analyze together; default a random key that is never stored')
    .addOption(new Option('--input-format <format>', 'read inputs as this format instead of detecting it').choices(INPUT_FORMATS).default('auto'))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .addHelpText('after', `\nExamples:\n${examples('convert')}`)
    .action(async (inputs: string[], flags: ConvertFlags) => setExit(await runConvert(inputs, flags)));

  program
    .command('capture')
    .description('capture the memory of live processes as zswap would see it (Linux, root): anonymous pages, each physical page once')
    .option('-p, --pid <pid>', 'process to capture (repeatable)', collect, [])
    .option('--cgroup <path>', 'capture every process of this cgroup v2 (and its descendants): a directory, or a path below where cgroup2 is mounted')
    .option('--all', 'capture every process')
    .requiredOption('-o, --output <file>', 'capture or trace to write (mode 0600, atomically)')
    .option('--freeze', 'stop the targets while capturing (cgroup freezer with --cgroup, else SIGSTOP); they always run again')
    .option('--shmem', 'include shared memory (tmpfs, memfd, SysV, shared anonymous), which zswap also stores')
    .option('--no-pfn', 'without CAP_SYS_ADMIN: go on per process (shared physical pages counted more than once)')
    .option('--hash-only', 'write a trace: hashes, fingerprint and compressed lengths, no page content')
    .option('--keep-names', 'with --hash-only: keep the host name, process names, mapping paths and addresses (left out of a trace by default)')
    .option('--key-file <file>', 'with --hash-only: key the digests with this file\'s bytes (≥ 16 random ones), so traces made with it analyze together; default a random key that is never stored')
    .option('--interval <seconds>', 'record over time: a sample every so many seconds (later samples hold only what changed); Ctrl-C ends the recording and keeps it')
    .option('--duration <seconds>', 'with --interval or --trigger: stop after this long (also 30s, 5m, 1h)')
    .option('--samples <n>', 'with --interval or --trigger: stop after this many samples')
    .option('--trigger <ctl[,ack]>', 'record over time: a sample whenever the line "sample" is written to the named pipe CTL ("stop" ends the recording); with ACK, "ack N" is written there once sample N is taken')
    .addOption(new Option('--idle <method>', 'with --interval or --trigger: how to learn how long pages were idle (auto: the best this kernel offers)').choices(IDLE_CHOICES).default('auto'))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .addHelpText('after', `\nExamples:\n${examples('capture')}`)
    .action(async (flags: CaptureFlags) => setExit(await runCapture(flags)));

  program
    .command('inspect')
    .description('show what a capture or trace discloses (header fields, records by kind, host, processes, paths, addresses, digest key id) before you share it; for a dump, what it holds')
    .argument('<file>', 'capture, trace or any input analyze reads')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', `\nExamples:\n${examples('inspect')}`)
    .action((file: string, flags: InspectFlags) => setExit(runInspect(file, flags)));

  program
    .command('classes')
    .description('print the zsmalloc size classes of the modelled kernel (computed as zs_create_pool() does)')
    .option('--chain-size <n>', `CONFIG_ZSMALLOC_CHAIN_SIZE (${CHAIN.min}..${CHAIN.max})`, String(CHAIN.default))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'csv']).default('table'))
    .addHelpText('after', `\nExamples:\n${examples('classes')}`)
    .action((flags: { chainSize: string; format: 'table' | 'csv' }) => setExit(runClasses(flags)));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    // Long runs let the event loop turn between batches, so this runs within one batch's time.
    // process.exit() runs the 'exit' listeners too: targets stopped by --freeze run again.
    process.on(sig, () => {
      if (takeStopRequest()) {
        process.stderr.write(`\nzswap-dedup: stopping after this sample (again to interrupt)\n`);
        return;
      }
      abortAllOutputs();
      stopAllProgress();
      process.stderr.write(`\nzswap-dedup: interrupted\n`);
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    });
  }
  try {
    await program.parseAsync(argv);
  } catch (e) {
    abortAllOutputs();
    stopAllProgress();
    if (e instanceof CommanderError) {
      // commander has printed its message already
      // --help and --version: 0; help shown because a command is missing ('commander.help'): usage error
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version';
      process.exitCode = ok ? 0 : EXIT_INPUT;
      return;
    }
    if (e instanceof InputError) {
      process.stderr.write(`zswap-dedup: ${e.message}\n`);
      process.exitCode = EXIT_INPUT;
      return;
    }
    process.stderr.write(`zswap-dedup: internal error: ${(e as Error).message}\n`);
    if (process.env.ZSWAP_DEDUP_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = EXIT_INTERNAL;
    return;
  }
  process.exitCode = exitCode;
}
