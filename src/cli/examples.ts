/**
 * The examples --help prints, runnable as they stand from the package's directory (the files are
 * in fixtures/; `$!` is the process just started, which lives until the example kills it: a
 * `sleep 30` could end before a capture on a loaded machine reaches it). test/examples.test.ts runs
 * every one of them.
 */
export const EXAMPLES: Record<string, string[]> = {
  analyze: [
    'zswap-dedup analyze fixtures/sample-python.raw',
    'zswap-dedup analyze -c all -f json -o report.json fixtures/kdump/linux-lzo.kd',
    'zswap-dedup analyze --fail-under 0.05 --fail-on best fixtures/capture/python-fork.trace',
    'zswap-dedup analyze -c lz4 --by process,mapping fixtures/capture/python-fork.trace',
    'cat fixtures/kdump/qemu-bios-zlib.flat | zswap-dedup analyze -',
    'zswap-dedup analyze -c lzo fixtures/compressed/linux-lzo.kd.xz',
    'sleep infinity & sudo zswap-dedup analyze -p $!; kill $!',
  ],
  convert: ['zswap-dedup convert -o sample.zsdc fixtures/sample-python.raw', 'zswap-dedup convert --hash-only -o sample.trace fixtures/elf/gcore-fill.core'],
  capture: [
    'sleep infinity & sudo zswap-dedup capture -p $! -o sleep.zsdc; kill $!',
    'sleep infinity & sudo zswap-dedup capture --freeze -p $! --hash-only -o sleep.trace; kill $!',
    'sleep infinity & sudo zswap-dedup capture -p $! --interval 1 --samples 3 --hash-only -o sleep-3s.trace; kill $!',
  ],
  inspect: ['zswap-dedup inspect fixtures/capture/python-fork.trace', 'zswap-dedup inspect -f json fixtures/capture/sleep.zsdc'],
  classes: ['zswap-dedup classes', 'zswap-dedup classes --chain-size 4 --format csv'],
};

export function examples(command: string): string {
  return EXAMPLES[command].map((e) => `  ${e}`).join('\n');
}
