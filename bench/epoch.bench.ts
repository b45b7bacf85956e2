/**
 * One training epoch of the book's two-layer net (784-50-10 ReLU, weights N(0, 0.01²), SGD
 * lr 0.1, batch 100, 600 iterations over shuffled MNIST) per backend and thread count, run
 * through the real trainer (src/train/trainer.ts `train()`, what `nnt train` runs: batch
 * stream, forward and backward, optimizer step, running loss and accuracy), next to the same
 * epochs in lean numpy with one OpenBLAS thread (bench/numpy_epoch.py, run as a child process
 * before and after). Each backend trains in a process of its own (so that no backend's
 * memory, threads or JIT state is left to the next), once for all its epochs, like `nnt train`; an epoch
 * is timed from the end of the previous one (or the trainer's start) to its last batch, so
 * the one evaluation, after the last epoch, is not counted. Medians are printed, and the test
 * accuracy at the end, which should be the same for every backend.
 *
 * The first epoch of a wasm backend includes listing the training images' nonzero pixels in
 * its memory (once per run, ~50 ms), and the first few epochs on two threads are slower on a
 * virtual machine; the median of a whole run leaves them out, and the fastest and slowest
 * epochs are printed beside it.
 *
 * NNT_BENCH_EPOCHS=n sets the epochs per backend (default 17, the length of the default run
 * of `nnt train`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels, defaultThreads, wasmSupport, type WasmVariant } from '../src/core/backend';
import type { Kernels } from '../src/core/kernels';
import { median, numpyEpochs, timedEpochs, twoLayerConfig } from './measure';

const epochs = Number(process.env.NNT_BENCH_EPOCHS ?? 17);
const outDir = mkdtempSync(join(tmpdir(), 'nnt-epoch-bench-'));

// configs/two-layer.yaml, without checkpoints; the data is the embedded MNIST.
const config = twoLayerConfig(epochs, outDir);

interface Run { name: string; times: number[]; accuracy: number; batches: number }

/** Trains for all the epochs, recording the time of each. */
async function run(kernels: Kernels): Promise<Run> {
  const { times, batches, outcome } = await timedEpochs(config, kernels);
  return { name: kernels.name, times, batches, accuracy: outcome.history.at(-1)!.evalAccuracy! };
}

/** A backend as the arguments of a child process: `ts`, or `wasm <variant> <threads>`. */
type Spec = string[];

/** Runs one backend's epochs in a fresh process (this file, with the spec as arguments). */
function runInChild(spec: Spec): Run {
  const child = spawnSync(process.execPath, [__filename, ...spec], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) throw new Error(`the ${spec.join(' ')} run failed`);
  return JSON.parse(child.stdout) as Run;
}

async function child(spec: Spec): Promise<void> {
  const [backend, variant, threads] = spec;
  const kernels = backend === 'ts' ? createKernels('ts') : createKernels('wasm', { variant: variant as WasmVariant, threads: Number(threads) });
  const result = await run(kernels);
  kernels.dispose?.();
  rmSync(outDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(result));
}

async function main(): Promise<void> {
  const cores = defaultThreads();
  const specs: Spec[] = [['ts']];
  for (const variant of [...wasmSupport()].reverse()) {
    specs.push(['wasm', variant, '1']);
    if (cores > 1) specs.push(['wasm', variant, String(cores)]);
  }
  const numpyBefore = numpyEpochs(epochs);
  const runs = specs.map(runInChild);
  const numpyAfter = numpyEpochs(epochs);

  const numpyTimes = [numpyBefore, numpyAfter].flatMap((r) => (typeof r === 'string' ? [] : r.times));
  const numpyMedian = numpyTimes.length ? median(numpyTimes) : NaN;
  console.log(
    `epoch of 784-50-10 ReLU through nnt's trainer, batch 100, ${runs[0].batches} iterations, ` +
      `median of ${epochs} epochs (numpy: of ${numpyTimes.length}); test accuracy after ${epochs}; other processes may share the cores`,
  );
  console.log(`${'backend'.padEnd(30)} ${'epoch s'.padStart(8)} ${'÷ numpy'.padStart(8)} ${'test acc'.padStart(9)} ${'fastest'.padStart(8)} ${'slowest'.padStart(8)}`);
  const row = (name: string, times: number[], ratio: string, accuracy: number) =>
    console.log(
      `${name.padEnd(30)} ${median(times).toFixed(3).padStart(8)} ${ratio.padStart(8)} ${(100 * accuracy).toFixed(2).padStart(8)}% ` +
        `${Math.min(...times).toFixed(3).padStart(8)} ${Math.max(...times).toFixed(3).padStart(8)}`,
    );
  for (const r of runs) row(r.name, r.times, (median(r.times) / numpyMedian).toFixed(2), r.accuracy);
  if (typeof numpyBefore === 'string') console.log(`numpy: could not run (${numpyBefore})`);
  else {
    const acc = typeof numpyAfter === 'string' ? numpyBefore.accuracy : numpyAfter.accuracy;
    row('numpy + OpenBLAS, 1 thread', numpyTimes, '1.00', acc);
    console.log(`numpy ${numpyBefore.numpy}, ${numpyBefore.blas} (its own initial weights and shuffling)`);
  }
  rmSync(outDir, { recursive: true, force: true });
}

if (process.argv.length > 2) void child(process.argv.slice(2));
else void main();
