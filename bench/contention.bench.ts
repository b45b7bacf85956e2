/**
 * The default thread count against one thread, on a quiet machine and a busy one: one epoch
 * of the default two-layer run (as `nnt train` trains it: backend auto, its default threads)
 * with 0, 1 and 2 busy processes beside it (plain `for (;;)` loops started before and
 * stopped after). Each run is a process of its own that trains NNT_BENCH_EPOCHS epochs
 * (default 3) and reports its epochs; default and one-thread runs alternate, NNT_BENCH_PAIRS
 * times (default 5), so both meet the same load, each going first in every other pair. A single pair swings by ±30% on a busy VM, so
 * the ratio printed is the median of the pairs' ratios, with their range beside it. Printed: the
 * median epoch of each, that ratio (the goal: default ≤ 1.1 × one thread), the same for whole
 * runs (first epoch included: what a user waits for), the thread count each default run took
 * (by the load average, threadsForLoad), and what the last default run's scheduler did
 * (windows of calls split over the threads or run alone, whether its threads polled). Beside them, in the same
 * loop and under the same load, the same epochs in lean numpy (bench/numpy_epoch.py) on one
 * and two OpenBLAS threads: the anchor, which meets the busy loops as nnt does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels, defaultThreads } from '../src/core/backend';
import { describeStats, type KernelStats } from '../src/core/kernels';
import { median, numpyEpochs, timedEpochs, twoLayerConfig } from './measure';

const epochs = Number(process.env.NNT_BENCH_EPOCHS ?? 3);
const pairs = Number(process.env.NNT_BENCH_PAIRS ?? 5);

interface Result { name: string; threads: number; epoch: number; run: number; stats?: KernelStats }

async function child(threads: number | undefined): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'nnt-contention-'));
  const config = twoLayerConfig(epochs, outDir);
  const kernels = createKernels('auto', threads === undefined ? {} : { threads });
  const { times } = await timedEpochs(config, kernels);
  const run = times.reduce((a, b) => a + b, 0);
  const result: Result = { name: kernels.name, threads: kernels.threadCount ?? 1, epoch: median(times), run, stats: kernels.stats?.() };
  kernels.dispose?.();
  rmSync(outDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(result));
}

function runChild(threads: 'default' | '1'): Result {
  const child = spawnSync(process.execPath, [__filename, threads], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) throw new Error(`the ${threads} run failed`);
  return JSON.parse(child.stdout) as Result;
}

/** The median epoch of a numpy run on `threads` OpenBLAS threads (NaN when numpy cannot run). */
function numpyMedian(threads: number): number {
  const result = numpyEpochs(epochs, threads);
  return typeof result === 'string' ? NaN : median(result.times);
}

function startBusy(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

function main(): void {
  console.log(`${defaultThreads()} cores; ${epochs} epochs per run, the median epoch of each; default and --threads 1 alternate, ${pairs} pairs, each first in every other; load average now ${require('node:os').loadavg()[0].toFixed(1)}`);
  console.log('| busy processes | default: backend (threads of each run, by the load) | default s | --threads 1 s | default ÷ one (pairs\' range) | whole run: default ÷ one (range) | numpy 1 thread s | numpy 2 threads s | numpy 2 ÷ 1 | default run\'s scheduler |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const busy of [0, 1, 2]) {
    const loops = startBusy(busy);
    try {
      const runs = { default: [] as Result[], one: [] as Result[], numpy1: [] as number[], numpy2: [] as number[] };
      for (let rep = 0; rep < pairs; rep++) {
        // Which goes first alternates: with busy processes beside them, the first run after
        // the numpy runs measured slower, whichever it was (two one-thread runs: 1.26×).
        if (rep % 2 === 0) runs.default.push(runChild('default'));
        runs.one.push(runChild('1'));
        if (rep % 2 === 1) runs.default.push(runChild('default'));
        runs.numpy1.push(numpyMedian(1));
        runs.numpy2.push(numpyMedian(2));
      }
      const d = median(runs.default.map((r) => r.epoch)), o = median(runs.one.map((r) => r.epoch));
      const n1 = median(runs.numpy1), n2 = median(runs.numpy2);
      const ratios = (of: (r: Result) => number) => pairRatios(runs.default.map(of), runs.one.map(of));
      const stats = runs.default.at(-1)!.stats; // the last default run's
      console.log(
        `| ${busy} | ${runs.default[0].name.replace(/ ×\d+ threads?/, '')} (${runs.default.map((r) => r.threads).join(' ')}) | ${d.toFixed(3)} | ${o.toFixed(3)} | ${ratios((r) => r.epoch)} | ${ratios((r) => r.run)} | ` +
          `${n1.toFixed(3)} | ${n2.toFixed(3)} | ${(n2 / n1).toFixed(2)} | ${stats ? describeStats(stats).replace(/^no slow paths; /, '') : ''} |`,
      );
    } finally {
      for (const loop of loops) loop.kill();
    }
  }
}

/** The median of the pairs' ratios a[i] ÷ b[i], and their range: "1.02 (0.91–1.10)". */
function pairRatios(a: number[], b: number[]): string {
  const r = a.map((x, i) => x / b[i]);
  return `${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
}

const arg = process.argv[2];
if (arg) void child(arg === 'default' ? undefined : Number(arg));
else main();
