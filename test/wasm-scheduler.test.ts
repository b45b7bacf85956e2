import { SplitChooser } from '../src/core/wasm-scheduler';
import { WasmKernels } from '../src/core/wasm-kernels';
import { tsKernels } from '../src/core/ts-kernels';
import { loadKernelModule } from '../src/core/wasm-module';
import { Rng } from '../src/core/rng';
import { buildNetwork, twoLayerSpec } from '../src/net/build';
import { createOptimizer } from '../src/optim/create';
import { inputSource } from '../src/core/input';
import { sliceDataset, gatherInput } from '../src/data/dataset';
import { loadTrainSet } from '../src/data/source';
import { describeStats, type Kernels } from '../src/core/kernels';

/** A chooser on a clock that advances `costs[mode]` ms per call: split calls cost splitCost, alone ones aloneCost. */
function simulate(splitCost: () => number, aloneCost: () => number, calls: number) {
  let t = 0;
  const chooser = new SplitChooser(() => t, 16);
  let split = 0;
  for (let i = 0; i < calls; i++) {
    const s = chooser.split(1);
    if (s) split++;
    t += s ? splitCost() : aloneCost();
  }
  return { split, chooser };
}

describe('SplitChooser', () => {
  test('keeps splitting while it is faster, probing the other way now and then', () => {
    const { split, chooser } = simulate(() => 1, () => 2, 16 * 200);
    expect(chooser.splitting).toBe(true);
    expect(chooser.windows.alone).toBeGreaterThan(0);
    // Probes that lose by half again come ever more rarely: a few percent of the calls at most.
    expect(split / (16 * 200)).toBeGreaterThan(0.95);
  });

  test('starts alone and tries splitting after its first window, so a run where splitting loses pays little for it', () => {
    const { split, chooser } = simulate(() => 3, () => 1, 16 * 2);
    expect(chooser.windows).toEqual({ split: 1, alone: 1 });
    expect(chooser.splitting).toBe(false);
    // The probe gives up on its first call: it was already twice as slow.
    expect(split).toBe(1);
  });

  test('where splitting wins, it splits from the second window on', () => {
    const { split, chooser } = simulate(() => 1, () => 3, 16 * 2);
    expect(chooser.splitting).toBe(true);
    expect(split).toBe(16);
  });

  test('a probe that wins by less than a tenth does not switch (short probes are noisy)', () => {
    const { split, chooser } = simulate(() => 0.95, () => 1, 16 * 100);
    expect(chooser.windows.split).toBeGreaterThan(1);
    expect(chooser.splitting).toBe(false);
    expect(split / (16 * 100)).toBeLessThan(0.1);
  });

  test('a probe the other way is short, and ends after two calls when it is far slower', () => {
    let t = 0, aloneCalls = 0;
    const chooser = new SplitChooser(() => t, 64, undefined, true);
    for (let i = 0; i < 64 * 40; i++) {
      const s = chooser.split(1);
      if (!s) aloneCalls++;
      t += s ? 1 : 100;
    }
    expect(chooser.splitting).toBe(true);
    expect(chooser.windows.alone).toBeGreaterThan(1);
    expect(aloneCalls).toBeLessThanOrEqual(2 * chooser.windows.alone);
  });

  test('stops splitting when splitting becomes slower (a busy machine), and comes back when it is faster again', () => {
    let busy = true;
    let t = 0;
    const chooser = new SplitChooser(() => t, 16);
    const run = (calls: number) => {
      let split = 0;
      for (let i = 0; i < calls; i++) {
        const s = chooser.split(1);
        split += s ? 1 : 0;
        t += s ? (busy ? 4 : 1) : 2;
      }
      return split / calls;
    };
    run(16 * 20); // long enough to have probed running alone
    expect(run(16 * 400)).toBeLessThan(0.05);
    busy = false;
    run(16 * 200); // until the next probe finds splitting faster
    expect(run(16 * 100)).toBeGreaterThan(0.9);
  });
});

describe('a run whose scheduler switches between splitting and not', () => {
  test('trains to the bits of one that always splits (the parts of each call stay the same)', () => {
    const train = sliceDataset(loadTrainSet(), 0, 500, 'train');
    const { module, variant } = loadKernelModule('simd');
    const run = (kernels: Kernels) => {
      const net = buildNetwork(twoLayerSpec, kernels, new Rng(1));
      const sgd = createOptimizer({ type: 'sgd' }, kernels);
      const x = inputSource(kernels, net.inputForm)(100, 784), labels = new Uint8Array(100);
      const order = Int32Array.from({ length: 500 }, (_, i) => (i * 7) % 500);
      for (let step = 0; step < 60; step++) {
        gatherInput(train, order, (step % 5) * 100, (step % 5) * 100 + 100, x, labels);
        net.gradient(x, labels);
        sgd.step(net.params(), 0.1);
      }
      return net.params().map((p) => Float64Array.from(p.value));
    };
    // A clock that jumps at random makes the chooser switch at random, window after window.
    const rng = new Rng(3);
    let t = 0;
    const switching = new WasmKernels(module, variant, 2, { now: () => (t += rng.uniform()), windowCalls: 2 });
    const steady = new WasmKernels(module, variant, 2, { now: () => 0, windowCalls: 1e9, split: true });
    try {
      const expected = run(steady);
      expect(run(switching)).toEqual(expected);
      const windows = switching.stats().windows!;
      expect(windows.split).toBeGreaterThan(2);
      expect(windows.alone).toBeGreaterThan(2);
      expect(steady.stats().windows!.alone).toBe(0);
    } finally {
      switching.dispose();
      steady.dispose();
    }
  });
});

describe('slow paths', () => {
  test('a kernel on arrays outside the memory runs the reference, and is counted', () => {
    const { module, variant } = loadKernelModule('simd');
    const kernels = new WasmKernels(module, variant, 1);
    expect(kernels.stats().slowPaths).toEqual({});
    const x = new Float64Array([1, -2, 3, -4, 5, -6]);
    kernels.addRowVector(x, new Float64Array([1, 1, 1]), 2, 3);
    kernels.addRowVector(x, new Float64Array([1, 1, 1]), 2, 3);
    expect(Array.from(x)).toEqual([3, 0, 5, -2, 7, -4]);
    const y = new Float64Array(6);
    kernels.reluForward(kernels.alloc(6).fill(1), y, 6);
    expect(Array.from(y)).toEqual([1, 1, 1, 1, 1, 1]);
    kernels.matmul(x, x, new Float64Array(4), 2, 3, 2); // copied through scratch: not a slow path
    expect(kernels.stats().slowPaths).toEqual({ addRowVector: 2, reluForward: 1 });
    expect(describeStats(kernels.stats())).toMatch(/slow paths .*addRowVector ×2, reluForward ×1/);
  });

  test('the window kernels (convolution, pooling) count their slow paths too, and agree with the reference', () => {
    const { module, variant } = loadKernelModule('simd');
    const kernels = new WasmKernels(module, variant, 1);
    const g = { n: 2, c: 1, h: 4, w: 4, fh: 2, fw: 2, stride: 2, pad: 0 };
    const x = Float64Array.from({ length: 32 }, (_, i) => ((i * 7) % 11) - 5);
    const inMemory = kernels.alloc(32);
    inMemory.set(x);
    const run = (k: Kernels, input: Float64Array, home: (n: number) => Float64Array) => {
      const col = home(32), back = home(32), out = home(8), dx = home(32), t = home(32);
      const argmax = k === tsKernels ? new Int32Array(8) : kernels.allocIndices(8);
      k.im2col(input, col, g);
      const colT = home(32);
      k.im2colTransposed(input, colT, g);
      k.col2im(col, back, g);
      k.maxPoolForward(input, out, argmax, g);
      k.maxPoolBackward(out, argmax, dx, g);
      k.transposeBatch(input, t, 2, 4, 4);
      const avg = home(8), avgDx = home(32);
      k.avgPoolForward(input, avg, g);
      k.avgPoolBackward(avg, avgDx, g);
      return [col, colT, back, out, dx, t, avg, avgDx].map((a) => Array.from(a));
    };
    const reference = run(tsKernels, x, (n) => new Float64Array(n));
    expect(run(kernels, inMemory, (n) => kernels.alloc(n))).toEqual(reference);
    expect(kernels.stats().slowPaths).toEqual({});
    expect(run(kernels, x, (n) => new Float64Array(n))).toEqual(reference);
    expect(kernels.stats().slowPaths).toEqual({
      im2col: 1, im2colTransposed: 1, col2im: 1, maxPoolForward: 1, maxPoolBackward: 1, transposeBatch: 1, avgPoolForward: 1, avgPoolBackward: 1,
    });
  });
});
