import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { BIN } from './paths.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}
