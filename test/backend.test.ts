import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import os from 'node:os';
import { createKernels, defaultThreads, threadsForLoad, wasmSupport } from '../src/core/backend';
import { loadBlas } from '../src/core/native';
import { fewerThreads } from '../src/cli/train';
import { tsKernels } from '../src/core/ts-kernels';
import { Rng } from '../src/core/rng';
import { buildNetwork, twoLayerSpec } from '../src/net/build';
import { InputAffine } from '../src/layers/input-affine';
import { createOptimizer } from '../src/optim/create';
import type { Kernels } from '../src/core/kernels';
import { randomLabels, randomTensor } from './helpers';

const made: Kernels[] = [];
afterAll(() => made.forEach((k) => k.dispose?.()));
function make(...args: Parameters<typeof createKernels>): Kernels {
  const k = createKernels(...args);
  made.push(k);
  return k;
}

describe('createKernels', () => {
  test('ts is the reference backend', () => {
    expect(createKernels('ts')).toBe(tsKernels);
  });

  test('auto picks the best WebAssembly build this Node has, with one thread per core by default on an idle machine', () => {
    expect(wasmSupport()).toContain('simd');
    const best = wasmSupport()[0];
    const threads = defaultThreads();
    jest.spyOn(os, 'loadavg').mockReturnValue([0, 0, 0]);
    const wasm = `wasm-${best} ×${threads} thread${threads > 1 ? 's' : ''}`;
    // With the native addon built on OpenBLAS, auto sends large products to it (test/native.test.ts).
    const native = loadBlas().addon?.library().startsWith('openblas ');
    if (native) expect(make('auto').name).toMatch(new RegExp(`^native-openblas-\\w+ for products of ≥ 262,144 multiply-adds( and sparse ones \\((AVX2|AVX-512)\\))?, ${wasm} for the rest$`));
    else expect(make('auto').name).toBe(wasm);
    expect(make('wasm', { threads: 1, variant: 'simd' }).name).toBe('wasm-simd ×1 thread');
    jest.restoreAllMocks();
  });

  test('by default, one thread and one more per core the load average leaves idle', () => {
    expect([0, 0.4, 1, 1.4, 1.6, 2, 7].map((load) => threadsForLoad(2, load))).toEqual([2, 2, 2, 2, 1, 1, 1]);
    expect([0, 3, 6.7, 8, 20].map((load) => threadsForLoad(8, load))).toEqual([8, 6, 2, 1, 1]);
    jest.spyOn(os, 'loadavg').mockReturnValue([defaultThreads() + 1, 0, 0]);
    try {
      expect(make('wasm').name).toMatch(/ ×1 thread$/);
    } finally {
      jest.restoreAllMocks();
    }
  });

  test('bad names and thread counts are refused', () => {
    expect(() => createKernels('gpu' as 'ts')).toThrow(/unknown backend "gpu"/);
    expect(() => createKernels('wasm', { threads: 0 })).toThrow(/threads must be a positive integer/);
    expect(() => createKernels('auto', { threads: 1.5 })).toThrow(/threads must be a positive integer/);
  });

  test('worker threads do not keep the process alive', () => {
    // The built module (dist/, rebuilt by jest's globalSetup when the sources are newer) in a
    // plain node process: through ts-node it compiled the backend's sources first (~3 CPU-s).
    const script = `
      const { createKernels } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'core', 'backend'))});
      const k = createKernels('wasm', { threads: 2 });
      const a = k.alloc(400 * 400), c = k.alloc(400 * 400);
      a.fill(1);
      k.matmul(a, a, c, 400, 400, 400);
      console.log(k.name, c[0]);`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(child.error).toBeUndefined();
    expect(child.stdout.trim()).toMatch(/^wasm-.* ×2 threads 400$/);
    expect(child.status).toBe(0);
  });
});

describe('training on the wasm backend', () => {
  /** A few SGD steps of the two-layer net on mostly-zero inputs; returns the losses and the final weights. */
  function train(kernels: Kernels) {
    const rng = new Rng(5);
    const net = buildNetwork(twoLayerSpec, kernels, new Rng(1));
    const x = randomTensor([100, 784], rng, 0, 1);
    for (let i = 0; i < x.data.length; i++) if (rng.uniform() < 0.8) x.data[i] = 0;
    const labels = randomLabels(100, 10, rng);
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      losses.push(net.gradient(x, labels));
      for (const p of net.params()) for (let i = 0; i < p.value.length; i++) p.value[i] -= 0.1 * p.grad[i];
    }
    return { losses, weights: net.params().map((p) => Float64Array.from(p.value)) };
  }

  test('plain SIMD trains to the same bits as the reference, fused multiply-add to rounding', () => {
    const reference = train(tsKernels);
    const plain = train(make('wasm', { variant: 'simd', threads: 2 }));
    expect(plain.losses).toEqual(reference.losses);
    expect(plain.weights).toEqual(reference.weights);
    const fused = train(make('wasm', { variant: 'relaxed-simd', threads: 2 }));
    fused.losses.forEach((loss, i) => expect(loss).toBeCloseTo(reference.losses[i], 12));
    expect(reference.losses[4]).toBeLessThan(reference.losses[0]);
  });

  test('the SGD optimizer updates through the kernels: plain SIMD to the same bits as the reference', () => {
    /** Five steps of createOptimizer's SGD (which updates through the kernels) instead of a loop here. */
    function trainWithSgd(kernels: Kernels) {
      const rng = new Rng(5);
      const net = buildNetwork(twoLayerSpec, kernels, new Rng(1));
      const x = randomTensor([100, 784], rng, 0, 1);
      for (let i = 0; i < x.data.length; i++) if (rng.uniform() < 0.8) x.data[i] = 0;
      const labels = randomLabels(100, 10, rng);
      const sgd = createOptimizer({ type: 'sgd' }, kernels);
      const losses: number[] = [];
      for (let step = 0; step < 5; step++) {
        losses.push(net.gradient(x, labels));
        sgd.step(net.params(), 0.1);
      }
      return { losses, weights: net.params().map((p) => Float64Array.from(p.value)) };
    }
    const reference = train(tsKernels);
    expect(trainWithSgd(tsKernels)).toEqual(reference);
    expect(trainWithSgd(make('wasm', { variant: 'simd', threads: 1 }))).toEqual(reference);
    const fused = trainWithSgd(make('wasm', { variant: 'relaxed-simd', threads: 1 }));
    fused.losses.forEach((loss, i) => expect(loss).toBeCloseTo(reference.losses[i], 12));
    let worst = 0;
    fused.weights.forEach((w, k) => w.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - reference.weights[k][i])))));
    expect(worst).toBeLessThan(1e-12);
  });

  test('the network skips the input gradient of its first layer (an InputAffine) only', () => {
    // The products dX = dY·Wᵀ the backward pass asks for, by their output size.
    const transB: number[] = [];
    const counting: Kernels = { ...tsKernels, matmulTransB: (a, b, c, m, n, k) => (transB.push(m * k), tsKernels.matmulTransB(a, b, c, m, n, k)) };
    const net = buildNetwork(twoLayerSpec, counting, new Rng(1));
    expect(net.layers[0]).toBeInstanceOf(InputAffine);
    expect(net.layers[2]).not.toBeInstanceOf(InputAffine);
    const rng = new Rng(2);
    net.loss(randomTensor([3, 784], rng), randomLabels(3, 10, rng), true);
    net.backward();
    expect(transB).toEqual([3 * 50]); // the second layer's dX only, not the first's 3×784
  });
});

describe('nnt train names a thread count the load chose', () => {
  test('fewer threads than cores without --threads: the load average and how to choose; else nothing', () => {
    const cores = defaultThreads();
    jest.spyOn(os, 'loadavg').mockReturnValue([7.25, 0, 0]);
    try {
      const one = { threadCount: 1 } as Kernels;
      expect(fewerThreads(one, undefined)).toBe(cores > 1 ? ` (1 of ${cores} cores: the load average is 7.3; --threads to choose)` : '');
      expect(fewerThreads(one, 1)).toBe('');
      expect(fewerThreads({ threadCount: cores } as Kernels, undefined)).toBe('');
    } finally {
      jest.restoreAllMocks();
    }
  });
});
