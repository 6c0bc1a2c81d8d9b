/**
 * The kernel's own C compressors as the benchmark's yardstick: ../shared/tools/koracle built in
 * a cache folder (its fetch-ksrc.sh takes the 6.12 sources from Debian's linux-source-6.12, which
 * kernel/install-deps.sh installs), and bench/kernel-rate.c linked against its objects. Never
 * installs anything: when a piece is missing it says which, and the benchmark skips the ratios.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const KERNEL_TARBALL = '/usr/src/linux-source-6.12.tar.xz';

export interface KernelRate {
  alg: string;
  pages: number;
  seconds: number;
}

export type Yardstick = { run(alg: string, file: string, repeats: number): KernelRate } | { missing: string };

function which(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** digest of the files the build depends on: a changed koracle or kernel-rate.c makes a new build */
function sourceDigest(koracle: string, rateSource: string): string {
  const h = crypto.createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'ksrc' && e.name !== 'build') walk(p);
      } else if (/\.(c|h|sh|txt)$|^Makefile$/.test(e.name)) {
        h.update(path.relative(koracle, p)).update(fs.readFileSync(p));
      }
    }
  };
  walk(koracle);
  h.update(fs.readFileSync(rateSource));
  return h.digest('hex').slice(0, 16);
}

export function kernelYardstick(shared: string, rateSource: string, log: (s: string) => void): Yardstick {
  const koracle = path.join(shared, 'tools', 'koracle');
  if (!fs.existsSync(path.join(koracle, 'Makefile'))) return { missing: `${koracle} not found` };
  if (!fs.existsSync(KERNEL_TARBALL)) return { missing: `${KERNEL_TARBALL} not installed (kernel/install-deps.sh installs linux-source-6.12)` };
  for (const tool of ['gcc', 'make', 'tar', 'xz']) if (!which(tool)) return { missing: `${tool} not installed` };

  const dir = path.join(os.homedir(), '.cache', 'zswap-dedup', `kernel-rate-${sourceDigest(koracle, rateSource)}`);
  const binary = path.join(dir, 'kernel-rate');
  if (!fs.existsSync(binary)) {
    log(`building the kernel's compressors (koracle) into ${dir} …`);
    const work = `${dir}.tmp-${process.pid}`;
    fs.rmSync(work, { recursive: true, force: true });
    fs.cpSync(koracle, work, { recursive: true });
    fs.chmodSync(work, 0o755);
    for (const f of fs.readdirSync(work)) fs.chmodSync(path.join(work, f), fs.statSync(path.join(work, f)).isDirectory() ? 0o755 : 0o644);
    try {
      execFileSync('sh', ['fetch-ksrc.sh'], { cwd: work, stdio: 'ignore' });
      execFileSync('make', ['koracle'], { cwd: work, stdio: 'ignore' });
      const objects: string[] = [];
      const collect = (d: string): void => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) collect(p);
          else if (e.name.endsWith('.o')) objects.push(p);
        }
      };
      collect(path.join(work, 'build'));
      execFileSync('gcc', ['-std=gnu11', '-O2', '-Wall', `-I${work}`, '-o', path.join(work, 'kernel-rate'), rateSource, ...objects.sort()], { stdio: 'ignore' });
    } catch (e) {
      fs.rmSync(work, { recursive: true, force: true });
      return { missing: `building koracle failed (${(e as Error).message.split('\n')[0]})` };
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(work, dir);
  }
  return {
    run(alg, file, repeats) {
      return JSON.parse(execFileSync(binary, [alg, file, String(repeats)], { encoding: 'utf8' })) as KernelRate;
    },
  };
}
