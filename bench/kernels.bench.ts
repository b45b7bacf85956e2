/**
 * GFLOP/s of the three matrix products of the two-layer net's step and of the held-out nets'
 * dense products (bench/shapes.bench.ts), per backend and thread count, as a markdown table,
 * with numpy + OpenBLAS on one thread on the same shapes in the same run (bench/numpy_matmul.py). The operands are allocated by each backend (so the wasm ones live in its memory),
 * uniform random and dense, except the "sparse" rows: the first layer's products as training
 * runs them, on real MNIST batches kept as their nonzero pixels (SparseMatrix, about 19% of
 * the entries), a different batch each call. Those rows count 2·m·k·n flops all the same: it
 * is the speed the layer sees. Then microseconds per call of the step's other kernels at the
 * two-layer net's sizes.
 */
import { loadBlas } from '../src/core/native';
import { PIXEL_SCALE, Rng, allocSparseMatrix, createKernels, defaultThreads, gatherInput, listsInput, loadTrainSet, wasmSupport, type Kernels, type SparseMatrix } from '../src/index';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { median, time } from './measure';

type Kind = 'matmul' | 'matmulTransA' | 'matmulTransB' | 'sparseMatmul' | 'sparseMatmulTransA';
interface Shape { label: string; kind: Kind; m: number; k: number; n: number }

// Sizes in the kernels' own argument order (matmulTransB takes m, n, k). The two-layer net's
// products, then the held-out nets' dense ones (bench/shapes.bench.ts): 784-512-512-10 at batch
// 128, 784-100-100-100-10 and 784-800-10 at batch 100.
const shapes: Shape[] = [
  { label: 'X·W1     100×784 · 784×50', kind: 'matmul', m: 100, k: 784, n: 50 },
  { label: '  sparse X, MNIST batches', kind: 'sparseMatmul', m: 100, k: 784, n: 50 },
  { label: 'Xᵀ·dY    dW1 784×50, m=100', kind: 'matmulTransA', m: 100, k: 784, n: 50 },
  { label: '  sparse X, MNIST batches', kind: 'sparseMatmulTransA', m: 100, k: 784, n: 50 },
  { label: 'dY·W1ᵀ   100×50 · (784×50)ᵀ', kind: 'matmulTransB', m: 100, k: 784, n: 50 },
  { label: 'H·W2     100×50 · 50×10', kind: 'matmul', m: 100, k: 50, n: 10 },
  { label: 'Hᵀ·dY    dW2 50×10, m=100', kind: 'matmulTransA', m: 100, k: 50, n: 10 },
  { label: 'dY·W2ᵀ   100×10 · (50×10)ᵀ', kind: 'matmulTransB', m: 100, k: 50, n: 10 },
  { label: 'H·W      128×512 · 512×512', kind: 'matmul', m: 128, k: 512, n: 512 },
  { label: 'Hᵀ·dY    dW 512×512, m=128', kind: 'matmulTransA', m: 128, k: 512, n: 512 },
  { label: 'dY·Wᵀ    128×512 · (512×512)ᵀ', kind: 'matmulTransB', m: 128, k: 512, n: 512 },
  { label: 'X·W1     128×784 · 784×512', kind: 'matmul', m: 128, k: 784, n: 512 },
  { label: 'H·W3     128×512 · 512×10', kind: 'matmul', m: 128, k: 512, n: 10 },
  { label: 'Hᵀ·dY    dW3 512×10, m=128', kind: 'matmulTransA', m: 128, k: 512, n: 10 },
  { label: 'dY·W3ᵀ   128×10 · (512×10)ᵀ', kind: 'matmulTransB', m: 128, k: 512, n: 10 },
  { label: 'H·W      100×100 · 100×100', kind: 'matmul', m: 100, k: 100, n: 100 },
  { label: 'Hᵀ·dY    dW 100×100, m=100', kind: 'matmulTransA', m: 100, k: 100, n: 100 },
  { label: 'dY·Wᵀ    100×100 · (100×100)ᵀ', kind: 'matmulTransB', m: 100, k: 100, n: 100 },
  { label: 'H·W2     100×800 · 800×10', kind: 'matmul', m: 100, k: 800, n: 10 },
  { label: 'Hᵀ·dY    dW2 800×10, m=100', kind: 'matmulTransA', m: 100, k: 800, n: 10 },
  { label: 'dY·W2ᵀ   100×10 · (800×10)ᵀ', kind: 'matmulTransB', m: 100, k: 800, n: 10 },
];

function gflops(kernels: Kernels, s: Shape): number {
  const rng = new Rng(1);
  const fill = (length: number) => {
    const x = kernels.alloc(length);
    for (let i = 0; i < length; i++) x[i] = rng.uniform() - 0.5;
    return x;
  };
  const { m, k, n } = s;
  let run: () => void;
  if (s.kind === 'sparseMatmul' || s.kind === 'sparseMatmulTransA') {
    const batches = mnistBatches(kernels, m);
    const b = fill(s.kind === 'sparseMatmul' ? k * n : m * n), c = kernels.alloc(s.kind === 'sparseMatmul' ? m * n : k * n);
    let i = 0;
    run = s.kind === 'sparseMatmul'
      ? () => kernels.sparseMatmul(batches[(i = (i + 1) % batches.length)], b, c, n)
      : () => kernels.sparseMatmulTransA(batches[(i = (i + 1) % batches.length)], b, c, n);
  } else if (s.kind === 'matmul') {
    const a = fill(m * k), b = fill(k * n), c = kernels.alloc(m * n);
    run = () => kernels.matmul(a, b, c, m, k, n);
  } else if (s.kind === 'matmulTransA') {
    const a = fill(m * k), b = fill(m * n), c = kernels.alloc(k * n);
    run = () => kernels.matmulTransA(a, b, c, m, k, n);
  } else {
    const a = fill(m * n), b = fill(k * n), c = kernels.alloc(m * k);
    run = () => kernels.matmulTransB(a, b, c, m, n, k);
  }
  // A warm-up that lets the JIT settle, then timings of ~20 ms of calls each.
  return (2 * m * k * n) / secondsPerCall(run) / 1e9;
}

const train = loadTrainSet();

/** numpy's GFLOP/s on the same shapes with one OpenBLAS thread (bench/numpy_matmul.py), or why it could not run. */
function numpyGflops(): { gflops: number[]; blas: string } | string {
  // As in epoch.bench.ts: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set on some machines, slow a current OpenBLAS.
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // numpy multiplies the first layer's batches dense: the sparse rows get its dense product.
  const list = JSON.stringify(shapes.map((s) => [s.kind.replace('sparseMatmul', 'matmul'), s.m, s.k, s.n]));
  const child = spawnSync('python3', [join(__dirname, 'numpy_matmul.py'), list], { env, encoding: 'utf8' });
  if (child.status !== 0) return (child.stderr || child.error?.message || 'failed').trim().split('\n').pop()!;
  return JSON.parse(child.stdout) as { gflops: number[]; blas: string };
}

/** 32 batches of m shuffled MNIST digits, as SparseMatrix in the backend's memory. */
function mnistBatches(kernels: Kernels, m: number): SparseMatrix[] {
  const rng = new Rng(4);
  const order = Int32Array.from({ length: train.count }, (_, i) => i);
  rng.shuffle(order);
  const labels = new Uint8Array(m);
  return Array.from({ length: 32 }, (_, j) => {
    const x = allocSparseMatrix(kernels, m, train.sampleSize);
    gatherInput(train, order, j * m, (j + 1) * m, listsInput(kernels, x), labels);
    return x;
  });
}

/** A warm-up that lets the JIT settle, then the median of 9 timings of ~20 ms of calls each. */
function secondsPerCall(run: () => void): number {
  const once = median(time(run, 50));
  const reps = Math.max(1, Math.round(0.02 / Math.max(once, 1e-7)));
  time(() => { for (let r = 0; r < reps; r++) run(); }, 3);
  return median(time(() => { for (let r = 0; r < reps; r++) run(); }, 9)) / reps;
}

/** The other kernels of a training step, each at the size it has there, as a call to time. */
function elementwise(kernels: Kernels): [label: string, run: () => void][] {
  const rng = new Rng(2);
  const fill = (length: number) => {
    const a = kernels.alloc(length); // filled in place: it must stay in the backend's memory
    for (let i = 0; i < length; i++) a[i] = rng.uniform() - 0.5;
    return a;
  };
  const w = fill(39200), g = fill(39200), h = fill(5000), y = kernels.alloc(5000), dx = kernels.alloc(5000);
  const s = fill(1000), p = kernels.alloc(1000), lse = new Float64Array(100);
  // The MNIST training images, and a shuffled order of them.
  const order = Int32Array.from({ length: train.count }, (_, i) => i);
  rng.shuffle(order);
  const x = kernels.alloc(78400), sparse = allocSparseMatrix(kernels, 100, 784);
  let batch = 0, sparseBatch = 0;
  return [
    ['addScaled    W1 −= lr·dW1 (39,200)', () => kernels.addScaled(w, g, -1e-9, 39200)],
    ['reluForward  100×50', () => kernels.reluForward(h, y, 5000)],
    ['reluBackward 100×50', () => kernels.reluBackward(y, h, dx, 5000)],
    ['softmaxRows  100×10, log-sum-exp', () => kernels.softmaxRows(s, p, 100, 10, lse)],
    ['gatherRows   100 random images', () => kernels.gatherRows(train.images, order, 100 * (batch = (batch + 1) % 600), 100, 784, PIXEL_SCALE, x)],
    ['gatherSparse 100 random images', () => kernels.gatherSparse(train.images, order, 100 * (sparseBatch = (sparseBatch + 1) % 600), 100, 784, PIXEL_SCALE, sparse)],
  ];
}

const backends: Kernels[] = [createKernels('ts')];
const support = wasmSupport();
const cores = defaultThreads();
for (const variant of [...support].reverse()) {
  backends.push(createKernels('wasm', { variant, threads: 1 }));
  if (cores > 1) backends.push(createKernels('wasm', { variant, threads: cores }));
}
// The native backend where its addon loads: CBLAS for the dense products, its own AVX2/AVX-512 code for the sparse ones.
if (loadBlas().addon) for (const threads of cores > 1 ? [1, cores] : [1]) backends.push(createKernels('native', { threads }));
const numpy = numpyGflops();
console.log(`GFLOP/s (median of 9), wasm support: ${support.join(', ') || 'none'}; other processes may share the cores`);
console.log(`numpy: ${typeof numpy === 'string' ? `could not run (${numpy})` : numpy.blas} (median of 9; dense on the sparse rows too)\n`);
const header = ['shape'.padEnd(30), ...backends.map((b) => b.name.padStart(24))].join(' ');
console.log(`| ${['shape', ...backends.map((b) => b.name), 'numpy ×1'].join(' | ')} |`);
console.log(`|---|${backends.map(() => '---:').join('|')}|---:|`);
shapes.forEach((s, i) => {
  const theirs = typeof numpy === 'string' ? '—' : numpy.gflops[i].toFixed(2);
  console.log(`| ${[s.label.trim(), ...backends.map((b) => gflops(b, s).toFixed(2)), theirs].join(' | ')} |`);
});
console.log(`\nµs per call (median of 9)`);
console.log(header.replace('shape'.padEnd(30), 'kernel'.padEnd(30)));
const calls = backends.map(elementwise);
calls[0].forEach(([label], i) => {
  console.log([label.padEnd(30), ...calls.map((c) => (secondsPerCall(c[i][1]) * 1e6).toFixed(1).padStart(24))].join(' '));
});
for (const b of backends) b.dispose?.();
