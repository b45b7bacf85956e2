import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createKernels } from '../src/core/backend';
import type { Kernels, UpdateRule } from '../src/core/kernels';
import { loadBlas, type BlasAddon } from '../src/core/native';
import { AUTO_NATIVE_MIN, NativeKernels } from '../src/core/native-kernels';
import { WasmKernels } from '../src/core/wasm-kernels';
import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { loadKernelModule } from '../src/core/wasm-module';
import { buildNetwork, twoLayerSpec } from '../src/net/build';
import { firstDifference, randomLabels, randomTensor } from './helpers';
import { kernelSuite } from './kernel-suite';

/**
 * The native backend (native/nnt_blas.c over CBLAS). Where the addon is not built, these tests
 * check that `--backend native` says so in one line and that auto falls back to wasm; CI sets
 * NNT_EXPECT_NATIVE=1 (and installs libopenblas-dev) so that there a missing addon fails.
 */
const load = loadBlas();
const blas = load.addon;
const ROOT = join(__dirname, '..');
const MISSING = join(ROOT, 'native', 'no-such-addon.node');

const made: Kernels[] = [];
afterAll(() => made.forEach((k) => k.dispose?.()));
function native(threads: number): NativeKernels {
  const { module, variant } = loadKernelModule();
  const k = new NativeKernels(module, variant, threads, blas!, 0, { split: true, windowCalls: Infinity });
  made.push(k);
  return k;
}

/** Runs with NNT_NATIVE_ADDON = file (and NNT_NATIVE unset), as a machine where that is the addon's place. */
function withAddon<T>(file: string, run: () => T): T {
  const before = { NNT_NATIVE_ADDON: process.env.NNT_NATIVE_ADDON, NNT_NATIVE: process.env.NNT_NATIVE };
  process.env.NNT_NATIVE_ADDON = file;
  delete process.env.NNT_NATIVE;
  try {
    return run();
  } finally {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

test('the addon is built where CI expects it (NNT_EXPECT_NATIVE=1), else its absence is explained', () => {
  if (process.env.NNT_EXPECT_NATIVE === '1') expect(load.why).toBeUndefined();
  if (!blas) expect(load.why).toMatch(/^the native (addon|backend) .*(npm run build:native|NNT_NATIVE=0)/);
  else expect(blas.library()).toMatch(/^(openblas OpenBLAS|cblas)/);
});

describe('without the addon', () => {
  test('--backend native is one line saying why and how to get it; auto falls back to wasm', () => {
    withAddon(MISSING, () => {
      expect(() => createKernels('native', { threads: 1 })).toThrow(/^the native addon is not built \(no .*no-such-addon\.node\): .*libopenblas-dev.*npm run build:native$/);
      const auto = createKernels('auto', { threads: 1 });
      made.push(auto);
      expect(auto.name).toMatch(/^wasm-/);
    });
  });

  test('nnt train --backend native: one line on stderr, exit code 1, no stack trace', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'nnt'), 'train', '--backend', 'native', '--limit', '100', '--epochs', '1', '-q'], {
      encoding: 'utf8', env: { ...process.env, NNT_NATIVE_ADDON: MISSING, NNT_NATIVE: undefined },
    });
    expect(run.stderr).toMatch(/^nnt: .*backend native: the native addon is not built .*npm run build:native\n$/);
    expect(run.status).toBe(1);
  }, 300_000);

  test('the build script skips with one line and exit code 0 without a compiler, or when turned off', () => {
    for (const env of [{ CC: join(ROOT, 'no-such-cc') }, { NNT_NATIVE: '0' }]) {
      const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-native.js')], { encoding: 'utf8', env: { ...process.env, ...env } });
      expect(run.stdout).toMatch(/^nnt: native backend skipped: (no C compiler \(.*no-such-cc\)|NNT_NATIVE=0); nnt runs on WebAssembly\n$/);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
  }, 120_000);
});

/** Random m×k, k×n, … operands; some entries zero, as in ReLU nets. */
function operands(rng: Rng, sizes: number[]): Float64Array[] {
  return sizes.map((size) => Float64Array.from({ length: size }, () => (rng.uniform() < 0.2 ? 0 : rng.uniform() * 2 - 1)));
}

/** |A|·|B| entry by entry (for C = A·B as the reference computes it): the scale of each entry's rounding. */
function absProduct(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  tsKernels.matmul(a.map(Math.abs), b.map(Math.abs), c, m, k, n);
  return c;
}

/** A product's three forms, each as (kernels, A, B, C) → C, with A·B's A (m×k), B (k×n) re-laid out as each form needs. */
const FORMS = {
  matmul: (k: Kernels, a: Float64Array, b: Float64Array, c: Float64Array, m: number, p: number, n: number) => k.matmul(a, b, c, m, p, n),
  // Aᵀ·B with Aᵀ = the m×p operand: A is its transpose (p×m).
  matmulTransA: (k: Kernels, a: Float64Array, b: Float64Array, c: Float64Array, m: number, p: number, n: number) => k.matmulTransA(transpose(a, m, p), b, c, p, m, n),
  // A·Bᵀ with Bᵀ = the p×n operand: B is its transpose (n×p).
  matmulTransB: (k: Kernels, a: Float64Array, b: Float64Array, c: Float64Array, m: number, p: number, n: number) => k.matmulTransB(a, transpose(b, p, n), c, m, p, n),
};

function transpose(x: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
  return t;
}

const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 2], [7, 1, 9], [100, 50, 10], [100, 784, 50], [128, 512, 33], [0, 4, 3], [4, 0, 3], [4, 3, 0]];

// Without the addon there is nothing to run these on: the tests above cover that case, and
// where the addon is expected (CI) its absence fails the first test instead.
if (blas) describe('native ×2: the kernel suite (dense products to 1e-12, the rest the wasm kernels)', () => kernelSuite(native(2)));
if (blas) describe('with the addon', () => {
  test.each(Object.keys(FORMS) as (keyof typeof FORMS)[])('%s agrees with the reference to 1e-15·k·(|A|·|B|), entry by entry', (form) => {
    const kernels = native(1);
    const rng = new Rng(3);
    for (const [m, k, n] of SHAPES) {
      const [a, b] = operands(rng, [m * k, k * n]);
      const expected = new Float64Array(m * n);
      FORMS[form](tsKernels, a, b, expected, m, k, n);
      const c = new Float64Array(m * n).fill(NaN); // dgemm with β = 0 must not read C
      FORMS[form](kernels, a, b, c, m, k, n);
      const scale = absProduct(a, b, m, k, n);
      const worst = Math.max(0, ...c.map((v, i) => Math.abs(v - expected[i]) - 1e-15 * k * scale[i]));
      expect(worst).toBe(0);
    }
  });

  test('works in place on the WebAssembly memory (a SharedArrayBuffer), at byte offsets, also after it grows', () => {
    const kernels = native(1);
    const [m, k, n] = [6, 5, 4];
    const rng = new Rng(4);
    const [a0, b0] = operands(rng, [m * k, k * n]);
    const block = kernels.alloc(m * k + k * n + m * n + 3);
    expect(block.buffer).toBeInstanceOf(SharedArrayBuffer);
    const a = block.subarray(1, 1 + m * k), b = block.subarray(2 + m * k, 2 + m * k + k * n), c = block.subarray(3 + m * k + k * n);
    a.set(a0);
    b.set(b0);
    const expected = new Float64Array(m * n);
    tsKernels.matmul(a0, b0, expected, m, k, n);
    kernels.matmul(a, b, c, m, k, n);
    expect(maxDiff(c, expected)).toBeLessThan(1e-14);
    kernels.alloc(4_000_000); // grows the memory: the old views stay valid
    c.fill(0);
    kernels.matmul(a, b, c, m, k, n);
    expect(maxDiff(c, expected)).toBeLessThan(1e-14);
    expect(block[0]).toBe(0); // the guards between the operands are untouched
    expect(block[1 + m * k]).toBe(0);
    expect(block[2 + m * k + k * n]).toBe(0);
  });

  test('auto picks native on OpenBLAS for large products only; NNT_NATIVE=0 turns it off', () => {
    const openblas = blas!.library().startsWith('openblas ');
    const auto = createKernels('auto', { variant: 'simd' });
    made.push(auto);
    expect(auto.name).toMatch(openblas ? /^native-openblas-\w+ for products of ≥ 262,144 multiply-adds( and sparse ones \((AVX2|AVX-512)\))?, wasm-simd ×\d+ threads? for the rest$/ : /^wasm-simd/);
    const two = createKernels('native', { threads: 2, variant: 'simd', chooser: { split: true, windowCalls: Infinity } });
    made.push(two);
    expect(two.name).toMatch(/^native-\S+ for dense products( and sparse ones \((AVX2|AVX-512)\))?, wasm-simd ×2 threads for the rest$/);
    process.env.NNT_NATIVE = '0';
    try {
      const off = createKernels('auto', { threads: 1, variant: 'simd' });
      made.push(off);
      expect(off.name).toBe('wasm-simd ×1 thread');
      expect(() => createKernels('native')).toThrow(/^the native backend is turned off \(NNT_NATIVE=0\)$/);
    } finally {
      delete process.env.NNT_NATIVE;
    }
  });

  test('a wrong call throws and writes nothing: short arrays, bad sizes, wrong types, overlapping C', () => {
    const addon = blas as BlasAddon;
    const guard = new Float64Array(20).fill(7);
    const c = guard.subarray(0, 6);
    const a = new Float64Array(6).fill(1), b = new Float64Array(6).fill(1);
    expect(() => addon.matmul(a, b, c, 2, 3, 3)).toThrow(/^B has 6 values, the kernel needs 9$/);
    expect(() => addon.matmul(a, b, c, 3, 2, 3)).toThrow(/^C has 6 values, the kernel needs 9$/);
    expect(() => addon.matmulTransA(a, b, c, 2, 4, 3)).toThrow(/^A has 6 values, the kernel needs 8$/);
    expect(() => addon.matmulTransB(a, b, c, 2, 3, 4)).toThrow(/^B has 6 values, the kernel needs 12$/);
    expect(() => addon.matmul(a, b, c, -1, 3, 2)).toThrow(/^m must be a whole number/);
    expect(() => addon.matmul(a, b, c, 2, 1.5, 2)).toThrow(/^k must be a whole number/);
    expect(() => addon.matmul(a, b, c, 2, 3, 2 ** 31)).toThrow(/^n must be a whole number/);
    expect(() => addon.matmul(a, b, new Float32Array(6) as unknown as Float64Array, 2, 3, 2)).toThrow(/^C must be a Float64Array$/);
    expect(() => addon.matmul(a, b, a, 2, 3, 2)).toThrow(/^C overlaps A or B$/);
    expect(() => (addon.matmul as (...x: unknown[]) => void)(a, b, c)).toThrow(/three sizes/);
    expect(Array.from(guard)).toEqual(new Array(20).fill(7));
  });

  test.each(['simd', 'relaxed-simd'] as const)('%s: products below AUTO_NATIVE_MIN in the addon\'s vector code give the wasm bits, every form and shape', (variant) => {
    if (!blas!.sparseIsa()) return expect(blas!.sparseIsa()).toBe(''); // no AVX2: they stay on the wasm module
    const { module } = loadKernelModule(variant);
    const auto = new NativeKernels(module, variant, 1, blas!, AUTO_NATIVE_MIN);
    const wasm = new WasmKernels(module, variant, 1);
    made.push(auto, wasm);
    const rng = new Rng(17);
    const shapes = [[100, 50, 10], [50, 100, 10], [100, 10, 50], [1, 1, 1], [5, 7, 3], [3, 4, 4], [9, 2, 49], [13, 0, 6], [6, 33, 97], [64, 63, 64]]; // the last just below AUTO_NATIVE_MIN
    for (const isa of blas!.sparseIsa() === 'avx512' ? ['avx512', 'avx2'] : ['avx2']) {
      blas!.useSparseIsa(isa);
      for (const [m, p, n] of shapes) {
        for (const [form, run] of Object.entries(FORMS)) {
          const [a, b] = operands(rng, [m * p, p * n]);
          const inMemory = [auto.alloc(m * p), auto.alloc(p * n)];
          inMemory[0].set(a);
          inMemory[1].set(b);
          const expected = new Float64Array(m * n), outside = new Float64Array(m * n + 1).fill(NaN), inside = auto.alloc(m * n);
          run(wasm, a, b, expected, m, p, n);
          run(auto, a, b, outside, m, p, n);
          run(auto, inMemory[0], inMemory[1], inside, m, p, n);
          expect([isa, form, m, p, n, firstDifference(outside.subarray(0, m * n), expected), firstDifference(inside, expected), outside[m * n]])
            .toEqual([isa, form, m, p, n, -1, -1, NaN]);
        }
      }
    }
    blas!.useSparseIsa('');
  });

  test.each(['simd', 'relaxed-simd'] as const)('%s: SGD\'s addScaled in the addon gives the wasm module\'s bits (fused where it fuses), on every instruction set', (variant) => {
    if (!blas!.sparseIsa()) return expect(blas!.sparseIsa()).toBe('');
    const { module } = loadKernelModule(variant);
    const wasm = new WasmKernels(module, variant, 1), mine = new NativeKernels(module, variant, 1, blas!, AUTO_NATIVE_MIN);
    made.push(wasm, mine);
    const rng = new Rng(29);
    for (const isa of blas!.sparseIsa() === 'avx512' ? ['avx512', 'avx2'] : ['avx2']) {
      blas!.useSparseIsa(isa);
      for (const n of [0, 1, 3, 4, 5, 7, 8, 9, 13, 39761]) {
        const [y0, x0] = operands(rng, [n + 1, n + 1]);
        const [y, x] = [wasm.alloc(n + 1), wasm.alloc(n + 1)];
        y.set(y0);
        x.set(x0);
        const yn = Float64Array.from(y0);
        wasm.addScaled(y, x, -0.1, n);
        mine.addScaled(yn, x0, -0.1, n);
        expect([isa, n, firstDifference(yn, y)]).toEqual([isa, n, -1]);
      }
    }
    blas!.useSparseIsa('');
  });

  test('the updates in the addon give the reference\'s bits on AVX2 too (the kernel suite runs the widest set)', () => {
    if (!blas!.sparseIsa()) return expect(blas!.sparseIsa()).toBe('');
    const k = native(1);
    const rng = new Rng(23);
    const rules: UpdateRule[] = [
      { kind: 'momentum', mu: 0.9, lr: 0.01 }, { kind: 'nesterov', mu: 0.9, lr: 0.01 }, { kind: 'adagrad', lr: 0.01, eps: 1e-7 },
      { kind: 'rmsprop', rho: 0.99, lr: 0.01, eps: 1e-7 }, { kind: 'adam', b1: 0.9, b2: 0.999, c1: 0.271, c2: 0.003, lr: 0.001, eps: 1e-8 },
    ];
    blas!.useSparseIsa('avx2');
    try {
      for (const rule of rules) {
        const n = 1003;
        const [w, g, s, t] = [1, 1, 0.1, 0.1].map((scale) => Float64Array.from({ length: n }, () => Math.abs(scale * (rng.uniform() - 0.5))));
        const ref = [w, g, s, t].map((a) => Float64Array.from(a));
        k.updateWeights(rule, w, g, s, t, n);
        tsKernels.updateWeights(rule, ref[0], ref[1], ref[2], ref[3], n);
        expect([rule.kind, firstDifference(w, ref[0]), firstDifference(s, ref[2]), firstDifference(t, ref[3])]).toEqual([rule.kind, -1, -1, -1]);
      }
    } finally {
      blas!.useSparseIsa('');
    }
    expect(() => blas!.updateWeights(5, new Float64Array(1), new Float64Array(1), new Float64Array(1), new Float64Array(1), new Float64Array(7), 1)).toThrow(/^rule must be 0 \(momentum\) to 4 \(Adam\)$/);
    expect(() => blas!.updateWeights(4, new Float64Array(2), new Float64Array(2), new Float64Array(2), new Float64Array(1), new Float64Array(7), 2)).toThrow(/^t has 1 values, the kernel needs 2$/);
    expect(() => blas!.updateWeights(0, new Float64Array(2), new Float64Array(2), new Float64Array(2), new Float64Array(0), new Float64Array(6), 2)).toThrow(/^k has 6 values, the kernel needs 7$/);
  });

  test('auto: a product below AUTO_NATIVE_MIN gives the wasm bits, one above the CBLAS bits', () => {
    const { module, variant } = loadKernelModule('simd');
    const auto = new NativeKernels(module, variant, 1, blas!, AUTO_NATIVE_MIN);
    const wasm = new WasmKernels(module, variant, 1);
    made.push(auto, wasm);
    for (const [m, k, n] of [[100, 50, 10], [128, 512, 96]]) {
      const [a, b] = operands(new Rng(3), [m * k, k * n]);
      const c = auto.alloc(m * n), d = auto.alloc(m * n), w = new Float64Array(m * n);
      const [ka, kb] = [auto.alloc(m * k), auto.alloc(k * n)];
      ka.set(a);
      kb.set(b);
      auto.matmul(ka, kb, c, m, k, n);
      wasm.matmul(a, b, w, m, k, n);
      blas!.matmul(ka, kb, d, m, k, n);
      const small = m * k * n < AUTO_NATIVE_MIN;
      expect(Array.from(c)).toEqual(Array.from(small ? w : d));
      if (small) expect(Array.from(d)).not.toEqual(Array.from(w)); // so the test can tell which ran
    }
  });

  test('reruns give the same bits, per CBLAS thread count; 1 and 2 threads agree to rounding', () => {
    const [m, k, n] = [128, 512, 96];
    const [a, b] = operands(new Rng(9), [m * k, k * n]);
    const run = (threads: number) => {
      const c = new Float64Array(m * n);
      blas!.setThreads(threads);
      blas!.matmul(a, b, c, m, k, n);
      blas!.setThreads(1);
      return c;
    };
    const one = run(1), two = run(2);
    expect(run(1)).toEqual(one);
    expect(run(2)).toEqual(two);
    expect(run(1)).toEqual(one); // after switching back: the thread count is set again
    const scale = absProduct(a, b, m, k, n);
    expect(Math.max(...two.map((v, i) => Math.abs(v - one[i]) - 2e-15 * k * scale[i]))).toBeLessThanOrEqual(0);
  });

  test('a two-layer net learns on native, close to the reference', () => {
    function train(kernels: Kernels): number[] {
      const rng = new Rng(5);
      const net = buildNetwork(twoLayerSpec, kernels, new Rng(1));
      const x = randomTensor([100, 784], rng, 0, 1);
      const labels = randomLabels(100, 10, rng);
      const losses: number[] = [];
      for (let step = 0; step < 20; step++) {
        losses.push(net.gradient(x, labels));
        for (const p of net.params()) kernels.addScaled(p.value, p.grad, -0.1, p.value.length);
      }
      return losses;
    }
    const reference = train(tsKernels);
    const losses = train(native(2));
    expect(losses[19]).toBeLessThan(losses[0] - 0.01); // random labels: 2.30 → 2.26 in 20 steps
    losses.forEach((loss, i) => expect(Math.abs(loss - reference[i])).toBeLessThan(1e-9));
    expect(train(native(2))).toEqual(losses);
  });

  test('nnt train --backend native --verbose names the library, its core and the wasm threads', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'nnt'), 'train', '--backend', 'native', '--threads', '2', '--limit', '300', '--epochs', '1', '--verbose', '-o', join(ROOT, 'test-output', 'native', 'w.json')], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^backend: native-(openblas-\w+|cblas) for dense products( and sparse ones \((AVX2|AVX-512)\))?, wasm-[a-z-]+ ×2 threads for the rest$/m);
    expect(run.stderr).toMatch(/^backend native-.*: no slow paths/m);
  }, 300_000);
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
