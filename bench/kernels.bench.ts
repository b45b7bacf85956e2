/**
 * GFLOP/s of the three matrix products of the two-layer net's step, per backend and thread
 * count. The operands are allocated by each backend (so the wasm ones live in its memory),
 * uniform random and dense unless the shape says "MNIST zeros" (81% zeros, as the pixels).
 * The zero-skipping rows count 2·m·k·n flops all the same: it is the speed the layer sees.
 * Then microseconds per call of the step's element-wise kernels at the two-layer net's sizes.
 */
import { Rng, createKernels, defaultThreads, wasmSupport, type Kernels } from '../src/index';
import { median, time } from './measure';

type Kind = 'matmul' | 'matmulTransA' | 'matmulTransB';
interface Shape { label: string; kind: Kind; m: number; k: number; n: number; zeros?: number }

// Sizes in the kernels' own argument order (matmulTransB takes m, n, k).
const shapes: Shape[] = [
  { label: 'X·W1     100×784 · 784×50', kind: 'matmul', m: 100, k: 784, n: 50 },
  { label: '  same, X with MNIST zeros', kind: 'matmul', m: 100, k: 784, n: 50, zeros: 0.81 },
  { label: 'Xᵀ·dY    dW1 784×50, m=100', kind: 'matmulTransA', m: 100, k: 784, n: 50 },
  { label: '  same, X with MNIST zeros', kind: 'matmulTransA', m: 100, k: 784, n: 50, zeros: 0.81 },
  { label: 'dY·W1ᵀ   100×50 · (784×50)ᵀ', kind: 'matmulTransB', m: 100, k: 784, n: 50 },
  { label: 'H·W2     100×50 · 50×10', kind: 'matmul', m: 100, k: 50, n: 10 },
  { label: 'Hᵀ·dY    dW2 50×10, m=100', kind: 'matmulTransA', m: 100, k: 50, n: 10 },
  { label: 'dY·W2ᵀ   100×10 · (50×10)ᵀ', kind: 'matmulTransB', m: 100, k: 50, n: 10 },
];

function gflops(kernels: Kernels, s: Shape): number {
  const rng = new Rng(1);
  const fill = (length: number, zeros = 0) => {
    const x = kernels.alloc(length);
    for (let i = 0; i < length; i++) x[i] = rng.uniform() < zeros ? 0 : rng.uniform() - 0.5;
    return x;
  };
  const { m, k, n } = s;
  let run: () => void;
  if (s.kind === 'matmul') {
    const a = fill(m * k, s.zeros), b = fill(k * n), c = kernels.alloc(m * n);
    run = () => kernels.matmul(a, b, c, m, k, n);
  } else if (s.kind === 'matmulTransA') {
    const a = fill(m * k, s.zeros), b = fill(m * n), c = kernels.alloc(k * n);
    run = () => kernels.matmulTransA(a, b, c, m, k, n);
  } else {
    const a = fill(m * n), b = fill(k * n), c = kernels.alloc(m * k);
    run = () => kernels.matmulTransB(a, b, c, m, n, k);
  }
  // A warm-up that lets the JIT settle, then timings of ~20 ms of calls each.
  return (2 * m * k * n) / secondsPerCall(run) / 1e9;
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
  // 60,000 images of 784 bytes, 81% zeros, and a shuffled order of them.
  const images = Uint8Array.from({ length: 60000 * 784 }, () => (rng.uniform() < 0.81 ? 0 : 1 + rng.int(255)));
  const order = Int32Array.from({ length: 60000 }, (_, i) => i);
  rng.shuffle(order);
  const table = Float64Array.from({ length: 256 }, (_, b) => b / 255), x = kernels.alloc(78400);
  let batch = 0;
  return [
    ['addScaled    W1 −= lr·dW1 (39,200)', () => kernels.addScaled(w, g, -1e-9, 39200)],
    ['reluForward  100×50', () => kernels.reluForward(h, y, 5000)],
    ['reluBackward 100×50', () => kernels.reluBackward(y, h, dx, 5000)],
    ['softmaxRows  100×10, log-sum-exp', () => kernels.softmaxRows(s, p, 100, 10, lse)],
    ['gatherRows   100 random images', () => kernels.gatherRows(images, order, 100 * (batch = (batch + 1) % 600), 100, 784, table, x)],
  ];
}

const backends: Kernels[] = [createKernels('ts')];
const support = wasmSupport();
const cores = defaultThreads();
for (const variant of [...support].reverse()) {
  backends.push(createKernels('wasm', { variant, threads: 1 }));
  if (cores > 1) backends.push(createKernels('wasm', { variant, threads: cores }));
}
console.log(`GFLOP/s (median of 9), wasm support: ${support.join(', ') || 'none'}; other processes may share the cores`);
const header = ['shape'.padEnd(30), ...backends.map((b) => b.name.padStart(24))].join(' ');
console.log(header);
for (const s of shapes) {
  console.log([s.label.padEnd(30), ...backends.map((b) => gflops(b, s).toFixed(2).padStart(24))].join(' '));
}
console.log(`\nµs per call (median of 9)`);
console.log(header.replace('shape'.padEnd(30), 'kernel'.padEnd(30)));
const calls = backends.map(elementwise);
calls[0].forEach(([label], i) => {
  console.log([label.padEnd(30), ...calls.map((c) => (secondsPerCall(c[i][1]) * 1e6).toFixed(1).padStart(24))].join(' '));
});
for (const b of backends) b.dispose?.();
