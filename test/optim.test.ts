import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { tensor, type Tensor } from '../src/core/tensor';
import type { Param } from '../src/layers/layer';
import { buildNetwork, type NetworkSpec } from '../src/net/build';
import type { Network } from '../src/net/network';
import { clipGradientNorm } from '../src/optim/clip';
import { createOptimizer, defaultLearningRates, optimizerTypes, type OptimizerSpec } from '../src/optim/create';
import type { Optimizer } from '../src/optim/optimizer';

function param(name: string, value: number[]): Param {
  return { name, shape: [value.length], value: Float64Array.from(value), grad: new Float64Array(value.length), decay: true };
}

/** Runs `opt` on w = (1, 2) with the gradients (0.5, −1), (0.5, −1), (−1, 0.5) at lr 0.1; the weights after each step. */
function threeSteps(opt: Optimizer): number[][] {
  const p = param('w', [1, 2]);
  const grads = [[0.5, -1], [0.5, -1], [-1, 0.5]];
  return grads.map((g) => {
    p.grad.set(g);
    opt.step([p], 0.1);
    return Array.from(p.value);
  });
}

function expectSteps(actual: number[][], expected: number[][], digits: number): void {
  expected.forEach((row, t) => row.forEach((v, i) => expect(actual[t][i]).toBeCloseTo(v, digits)));
}

describe('each optimizer against three steps worked by hand (w = (1, 2), lr 0.1)', () => {
  test('sgd: w −= 0.1·g', () => {
    // (1, 2) − 0.1·(0.5, −1) = (0.95, 2.1); again → (0.9, 2.2); − 0.1·(−1, 0.5) → (1.0, 2.15)
    expectSteps(threeSteps(createOptimizer({ type: 'sgd' })), [[0.95, 2.1], [0.9, 2.2], [1.0, 2.15]], 14);
  });

  test('momentum 0.9: v = 0.9v − 0.1g; w += v', () => {
    // v = (−0.05, 0.1)                              → w = (0.95, 2.1)
    // v = 0.9·(−0.05, 0.1) − (0.05, −0.1) = (−0.095, 0.19) → w = (0.855, 2.29)
    // v = 0.9·(−0.095, 0.19) − (−0.1, 0.05) = (0.0145, 0.121) → w = (0.8695, 2.411)
    expectSteps(threeSteps(createOptimizer({ type: 'momentum' })), [[0.95, 2.1], [0.855, 2.29], [0.8695, 2.411]], 14);
  });

  test('nesterov 0.9: v = 0.9v − 0.1g; w += 0.9v − 0.1g (the book\'s w += 0.81·v_old − 1.9·0.1·g)', () => {
    // step 1: v = (−0.05, 0.1);   w += (−0.045 − 0.05, 0.09 + 0.1) = (−0.095, 0.19)       → (0.905, 2.19)
    // step 2: v = (−0.095, 0.19); w += (−0.0855 − 0.05, 0.171 + 0.1) = (−0.1355, 0.271)   → (0.7695, 2.461)
    // step 3: v = (0.0145, 0.121); w += (0.01305 + 0.1, 0.1089 − 0.05) = (0.11305, 0.0589) → (0.88255, 2.5199)
    // book form, step 2: 0.81·(−0.05, 0.1) − 0.19·(0.5, −1) = (−0.1355, 0.271), the same
    expectSteps(threeSteps(createOptimizer({ type: 'nesterov' })), [[0.905, 2.19], [0.7695, 2.461], [0.88255, 2.5199]], 14);
  });

  test('adagrad: h += g²; w −= 0.1·g / (√h + 1e−7)', () => {
    // h = (0.25, 1):    w −= 0.1·(0.5/0.5, −1/1) = (0.1, −0.1)            → (0.9, 2.1)
    // h = (0.5, 2):     w −= 0.1·(0.5/√0.5, −1/√2) = ±0.0707107          → (0.8292893, 2.1707107)
    // h = (1.5, 2.25):  w −= 0.1·(−1/√1.5, 0.5/1.5) = (−0.0816497, 0.0333333) → (0.9109390, 2.1373773)
    // (ε = 1e−7 moves these by < 1e−6)
    expectSteps(threeSteps(createOptimizer({ type: 'adagrad' })), [[0.9, 2.1], [0.8292893, 2.1707107], [0.910939, 2.1373773]], 5);
  });

  test('rmsprop 0.99: h = 0.99h + 0.01g²; w −= 0.1·g / (√h + 1e−7)', () => {
    // h = (0.0025, 0.01), √h = (0.05, 0.1):   w −= 0.1·(10, −10)            → (0, 3)
    // h = (0.004975, 0.0199), √h = (0.0705337, 0.1410674): w −= 0.1·(7.08881, −7.08881) → (−0.708881, 3.708881)
    // h = (0.01492525, 0.022201), √h = (0.1221690, 0.149): w −= 0.1·(−8.18537, 3.35570) → (0.109656, 3.373324)
    // (ε shifts step 1 by 2e−6, the sum of three steps by < 1e−5)
    expectSteps(threeSteps(createOptimizer({ type: 'rmsprop' })), [[0, 3], [-0.708881, 3.708881], [0.109656, 3.373324]], 4);
  });

  test('adam (0.9, 0.999, 1e−8), bias-corrected', () => {
    // step 1: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g²: the step is lr·sign(g)             → (0.9, 2.1)
    // step 2: m = 0.19g, v = 0.001999g², m̂ = 0.19g/0.19 = g, v̂ = g²: again lr·sign(g)   → (0.8, 2.2)
    // step 3 (first component): m = 0.9·0.095 − 0.1 = −0.0145, m̂ = −0.0145/0.271 = −0.0535055;
    //   v = 0.999·0.00049975 + 0.001 = 0.00149925, v̂ = 0.00149925/0.002997001 = 0.500250;
    //   w −= 0.1·(−0.0535055)/0.707284 = −0.0075649                                        → 0.8075649
    // (second): m = 0.9·(−0.19) + 0.05 = −0.121, m̂ = −0.446494; v = 0.999·0.001999 + 0.00025
    //   = 0.002247001, v̂ = 0.749750; w −= 0.1·(−0.446494)/0.865881 = −0.0515653            → 2.2515653
    expectSteps(threeSteps(createOptimizer({ type: 'adam' })), [[0.9, 2.1], [0.8, 2.2], [0.8075649, 2.2515653]], 6);
  });
});

describe('createOptimizer', () => {
  test('knows every type, with the book\'s learning rates', () => {
    expect([...optimizerTypes]).toEqual(['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam']);
    for (const type of optimizerTypes) expect(createOptimizer({ type } as OptimizerSpec).name).toBe(type);
    expect(defaultLearningRates).toEqual({ sgd: 0.01, momentum: 0.01, nesterov: 0.01, adagrad: 0.01, rmsprop: 0.01, adam: 0.001 });
  });

  test('rejects unknown types and out-of-range hyper-parameters', () => {
    expect(() => createOptimizer({ type: 'lbfgs' } as unknown as OptimizerSpec)).toThrow(/unknown optimizer type lbfgs/);
    expect(() => createOptimizer({ type: 'momentum', momentum: 1.5 })).toThrow(/momentum must be in \[0, 1\)/);
    expect(() => createOptimizer({ type: 'adam', eps: 0 })).toThrow(/eps must be positive/);
  });

  test('hyper-parameters are used: momentum 0 is plain SGD', () => {
    expect(threeSteps(createOptimizer({ type: 'momentum', momentum: 0 }))).toEqual(threeSteps(createOptimizer({ type: 'sgd' })));
  });
});

/**
 * Three classes of points on interleaved spiral arms in the plane (as in cs231n): not
 * linearly separable, so the hidden layers have to learn something.
 */
function spirals(perClass: number, rng: Rng): { x: Tensor; t: Int32Array } {
  const classes = 3, n = perClass * classes;
  const x = tensor([n, 2]);
  const t = new Int32Array(n);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const k = c * perClass + i;
      const r = i / perClass;
      const angle = c * 4 + 4 * r + 0.2 * rng.gaussian();
      x.data[2 * k] = r * Math.sin(angle);
      x.data[2 * k + 1] = r * Math.cos(angle);
      t[k] = c;
    }
  }
  return { x, t };
}

const spec: NetworkSpec = {
  inputSize: 2,
  layers: [{ type: 'affine', units: 32 }, { type: 'relu' }, { type: 'affine', units: 32 }, { type: 'relu' }, { type: 'affine', units: 3 }],
};

/** A contiguous mini-batch for each step, cycling over a fixed shuffle: the same batches for every optimizer. */
function batches(data: { x: Tensor; t: Int32Array }, size: number, rng: Rng): { x: Tensor; t: Int32Array }[] {
  const n = data.t.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  rng.shuffle(order);
  const out = [];
  for (let start = 0; start + size <= n; start += size) {
    const x = tensor([size, 2]), t = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const k = order[start + i];
      x.data[2 * i] = data.x.data[2 * k];
      x.data[2 * i + 1] = data.x.data[2 * k + 1];
      t[i] = data.t[k];
    }
    out.push({ x, t });
  }
  return out;
}

function train(net: Network, opt: Optimizer, lr: number, bs: { x: Tensor; t: Int32Array }[], steps: number, from = 0): void {
  for (let s = from; s < from + steps; s++) {
    const b = bs[s % bs.length];
    net.gradient(b.x, b.t);
    opt.step(net.params(), lr);
  }
}

describe('training a small network on spirals (300 points, 400 steps of 30, the book\'s learning rates)', () => {
  const data = spirals(100, new Rng(1));
  const bs = batches(data, 30, new Rng(2));
  const finalLoss: Record<string, number> = {};
  const initialLoss = buildNetwork(spec, tsKernels, new Rng(3)).loss(data.x, data.t);

  test.each([...optimizerTypes])('%s lowers the loss', (type) => {
    const net = buildNetwork(spec, tsKernels, new Rng(3));
    train(net, createOptimizer({ type } as OptimizerSpec), defaultLearningRates[type], bs, 400);
    finalLoss[type] = net.loss(data.x, data.t);
    expect(finalLoss[type]).toBeLessThan(initialLoss);
  });

  test('momentum and adam end lower than plain sgd', () => {
    expect(Object.keys(finalLoss)).toHaveLength(optimizerTypes.length);
    expect(finalLoss.momentum).toBeLessThan(finalLoss.sgd);
    expect(finalLoss.adam).toBeLessThan(finalLoss.sgd);
  });
});

describe('getState / setState', () => {
  const data = spirals(20, new Rng(4));
  const bs = batches(data, 10, new Rng(5));

  test.each([...optimizerTypes])('%s: 5 steps, save, 5 more equals restore into a fresh optimizer and 5 more, bit for bit', (type) => {
    const make = () => createOptimizer({ type } as OptimizerSpec);
    const lr = defaultLearningRates[type];
    const net = buildNetwork(spec, tsKernels, new Rng(6));
    const opt = make();
    train(net, opt, lr, bs, 5);
    const saved = opt.getState();
    const savedWeights = net.params().map((p) => Float64Array.from(p.value));
    train(net, opt, lr, bs, 5, 5);

    const net2 = buildNetwork(spec, tsKernels, new Rng(99)); // other weights, overwritten below
    net2.params().forEach((p, i) => p.value.set(savedWeights[i]));
    const opt2 = make();
    opt2.setState(structuredClone(saved), net2.params());
    train(net2, opt2, lr, bs, 5, 5);

    expect(saved.step).toBe(5);
    net.params().forEach((p, i) => expect(net2.params()[i].value).toEqual(p.value));
    expect(opt2.getState()).toEqual(opt.getState());
    // and continuing without the restore would have differed (the state matters), except for sgd
    if (type !== 'sgd') {
      const net3 = buildNetwork(spec, tsKernels, new Rng(99));
      net3.params().forEach((p, i) => p.value.set(savedWeights[i]));
      train(net3, make(), lr, bs, 5, 5);
      expect(net3.params()[0].value).not.toEqual(net.params()[0].value);
    }
  });

  test('buffers are keyed by param name and buffer name, and getState returns copies', () => {
    const p = param('affine1.W', [1, 2]);
    p.grad.set([1, 1]);
    const opt = createOptimizer({ type: 'adam' });
    opt.step([p], 0.1);
    const state = opt.getState();
    expect(Object.keys(state.buffers).sort()).toEqual(['affine1.W.m', 'affine1.W.v']);
    state.buffers['affine1.W.m'][0] = 123;
    expect(opt.getState().buffers['affine1.W.m'][0]).toBeCloseTo(0.1, 15);
  });

  test('a state that does not fit is refused with a message naming what is wrong', () => {
    const p = param('affine1.W', [1, 2]);
    const q = param('affine1.b', [0]);
    const momentum = createOptimizer({ type: 'momentum' });
    momentum.step([p, q], 0.1);
    const state = momentum.getState();

    expect(() => createOptimizer({ type: 'rmsprop' }).setState(state)).toThrow(/rmsprop optimizer state: unexpected buffer affine1.W.v .*keeps <param>.h/);
    expect(() => createOptimizer({ type: 'adam' }).setState(state)).toThrow(/adam optimizer state: affine1.W.m is missing/);
    expect(() => createOptimizer({ type: 'sgd' }).setState(state)).toThrow(/unexpected buffer .*keeps no buffers/);
    expect(() => createOptimizer({ type: 'momentum' }).setState(state, [param('affine1.W', [1, 2, 3]), q])).toThrow(/affine1.W has 3 values but its buffers 2/);
    expect(() => createOptimizer({ type: 'momentum' }).setState(state, [p, q, param('affine2.W', [1])])).toThrow(/no buffers for affine2.W/);
    expect(() => createOptimizer({ type: 'momentum' }).setState(state, [p])).toThrow(/buffers for affine1.b, which the network does not have/);
    expect(() => createOptimizer({ type: 'momentum' }).setState({ step: -1, buffers: {} })).toThrow(/step must be a non-negative integer/);

    // without params the check happens on the next step, before anything is changed
    const later = createOptimizer({ type: 'momentum' });
    later.setState(state);
    const other = param('affine9.W', [1]);
    expect(() => later.step([other], 0.1)).toThrow(/affine1.W, which the network does not have/);
    expect(other.value[0]).toBe(1);
  });

  test('a state saved before any step restores to a fresh start', () => {
    const fresh = createOptimizer({ type: 'adam' });
    const restored = createOptimizer({ type: 'adam' });
    restored.setState(fresh.getState());
    expect(threeSteps(restored)).toEqual(threeSteps(fresh));
  });
});

describe('clipGradientNorm', () => {
  test('scales all gradients together to the max norm and returns the norm before', () => {
    const a = param('a', [0, 0]), b = param('b', [0]);
    a.grad.set([3, 0]);
    b.grad.set([4]); // global norm 5
    expect(clipGradientNorm([a, b], 10)).toBe(5);
    expect(Array.from(a.grad)).toEqual([3, 0]);
    expect(clipGradientNorm([a, b], 1)).toBe(5);
    expect(a.grad[0]).toBeCloseTo(0.6, 15);
    expect(a.grad[1]).toBe(0);
    expect(b.grad[0]).toBeCloseTo(0.8, 15);
    expect(() => clipGradientNorm([a], 0)).toThrow(/maxNorm must be positive/);
  });
});
