import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const bin = join(__dirname, '../bin/nnt');

export interface Served {
  url: string;
  port: number;
  proc: ChildProcess;
  output: () => string;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** Starts the built `nnt serve` (bin/nnt → dist/) in `cwd` on a free port; resolves once it prints its URL. */
export function serve(cwd: string, ...args: string[]): Promise<Served> {
  const proc = spawn(process.execPath, [bin, 'serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /nnt serve: (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        proc.stdout!.off('data', check);
        const url = m[1];
        resolve({
          url,
          port: Number(new URL(url).port),
          proc,
          output: () => out,
          stop: () => {
            proc.kill('SIGINT');
            return exited;
          },
        });
      }
    };
    proc.stdout!.on('data', check);
    exited.then((code) => reject(new Error(`nnt serve exited (${code}) before printing its URL:\n${out}`)));
  });
}
