/**
 * A Python workload of test/workloads/ driven line by line: each command written to its stdin is
 * answered by lines ending with one starting "ok "; send() resolves with all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { ROOT } from './paths.js';

export interface LineWorkload {
  proc: ChildProcess;
  send(cmd: string): Promise<string>;
}

export function lineWorkload(script: string, env: NodeJS.ProcessEnv): LineWorkload {
  const proc = spawn('python3', [path.join(ROOT, 'test', 'workloads', script)], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const lines = readline.createInterface({ input: proc.stdout! });
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  lines.on('line', (l) => {
    buffered += l + '\n';
    if (l.startsWith('ok ')) {
      const out = buffered;
      buffered = '';
      waiting.shift()?.(out);
    }
  });
  return {
    proc,
    send: (cmd) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        proc.stdin!.write(cmd + '\n');
      }),
  };
}
