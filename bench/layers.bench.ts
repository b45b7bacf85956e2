/**
 * The element-wise layers' kernels (sigmoid, dropout's mask, batch norm) on the default
 * backend against the TypeScript reference, on a batch of 100 × 100 (a hidden layer of the
 * held-out 784-100-100-100-10 sigmoid net), and sigmoid's forward with Math.exp (what the
 * layer ran before it had an exp of its own). µs per call, medians of 15 rounds of 200
 * calls, the kernels taking turns within each round so that they meet the same load.
 */
import { createKernels } from '../src/core/backend';
import type { Kernels } from '../src/core/kernels';
import { tsKernels } from '../src/core/ts-kernels';
import { median } from './measure';

const rows = 100, cols = 100, n = rows * cols;

function arrays(k: Kernels) {
  const a = (length: number, scale = 1) => {
    const v = k.alloc(length);
    for (let i = 0; i < length; i++) v[i] = scale * (Math.sin(i * 12.9898) * 0.5);
    return v;
  };
  const mask = a(n);
  for (let i = 0; i < n; i++) mask[i] = mask[i] > 0 ? 2 : 0; // in place: a map would leave the backend's memory
  return {
    x: a(n, 8), y: a(n), dy: a(n), dx: a(n), mask,
    mean: a(cols), variance: a(cols), std: a(cols).fill(0.9), gamma: a(cols), beta: a(cols),
    xc: a(n), xn: a(n), out: a(n), dgamma: a(cols), dbeta: a(cols), sums: a(2 * cols),
  };
}

type Arrays = ReturnType<typeof arrays>;
const ops: [string, (k: Kernels, a: Arrays) => void][] = [
  ['sigmoid forward', (k, a) => k.sigmoidForward(a.x, a.y, n)],
  ['sigmoid backward', (k, a) => k.sigmoidBackward(a.y, a.dy, a.dx, n)],
  ['dropout mask (forward or backward)', (k, a) => k.applyMask(a.x, a.mask, a.y, n)],
  ['batch norm forward (training)', (k, a) => {
    k.batchNormStats(a.x, a.mean, a.variance, rows, cols);
    k.batchNormNormalize(a.x, a.mean, a.std, a.gamma, a.beta, a.xc, a.xn, a.out, rows, cols);
  }],
  ['batch norm backward', (k, a) => k.batchNormBackward(a.dy, a.xc, a.xn, a.gamma, a.std, a.dgamma, a.dbeta, a.sums, a.dx, rows, cols, true)],
];

function main(): void {
  const fast = createKernels('auto');
  const on = { kernels: arrays(fast), ts: arrays(tsKernels) };
  const mathExp = (a: Arrays) => {
    for (let i = 0; i < n; i++) a.y[i] = 1 / (1 + Math.exp(-a.x[i]));
  };
  const times = new Map<string, number[]>();
  const timed = (key: string, fn: () => void) => {
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) fn();
    times.set(key, [...(times.get(key) ?? []), ((performance.now() - t0) * 1000) / 200]);
  };
  for (let round = 0; round < 15; round++) {
    for (const [name, op] of ops) {
      timed(`${name} kernels`, () => op(fast, on.kernels));
      timed(`${name} ts`, () => op(tsKernels, on.ts));
    }
    timed('math.exp', () => mathExp(on.ts));
  }
  const load = require('node:os').loadavg()[0].toFixed(1);
  console.log(`The element-wise layers on ${rows}×${cols}, µs per call (${fast.name} against the TypeScript reference; medians of 15 rounds of 200 calls; load average ${load}):`);
  console.log('| kernel | kernels µs | reference µs | reference ÷ kernels |');
  console.log('|--------|-----------:|-------------:|--------------------:|');
  for (const [name] of ops) {
    const k = median(times.get(`${name} kernels`)!), t = median(times.get(`${name} ts`)!);
    console.log(`| ${name} | ${k.toFixed(1)} | ${t.toFixed(1)} | ${(t / k).toFixed(1)} |`);
  }
  const k = median(times.get('sigmoid forward kernels')!), m = median(times.get('math.exp')!);
  console.log(`| sigmoid forward with Math.exp (before) | — | ${m.toFixed(1)} | ${(m / k).toFixed(1)} |`);
  fast.dispose?.();
}

main();
