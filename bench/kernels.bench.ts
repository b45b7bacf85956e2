/**
 * GFLOP/s of the three matrix products of the two-layer net's step, per backend and thread
 * count. The operands are allocated by each backend (so the wasm ones live in its memory),
 * uniform random and dense unless the shape says "MNIST zeros" (81% zeros, as the pixels).
 * The zero-skipping rows count 2·m·k·n flops all the same: it is the speed the layer sees.
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
  const once = median(time(run, 50));
  const reps = Math.max(1, Math.round(0.02 / Math.max(once, 1e-7)));
  time(() => { for (let r = 0; r < reps; r++) run(); }, 3);
  const seconds = median(time(() => { for (let r = 0; r < reps; r++) run(); }, 9)) / reps;
  return (2 * m * k * n) / seconds / 1e9;
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
for (const b of backends) b.dispose?.();
