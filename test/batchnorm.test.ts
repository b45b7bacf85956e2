import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { tensor } from '../src/core/tensor';
import { BatchNorm } from '../src/layers/batchnorm';
import { buildNetwork, type NetworkSpec } from '../src/net/build';
import { gradientCheck, inputGradientError } from '../src/net/gradcheck';
import { randomLabels, randomTensor } from './helpers';

const EPS = 1e-6;

describe('BatchNorm against values worked out by hand', () => {
  // x = [[1, 2], [3, 6]]: feature 0 has mean 2, variance 1; feature 1 mean 4, variance 4.
  const x = () => tensor([2, 2], [1, 2, 3, 6]);

  test('training normalizes with the batch statistics, then applies γ and β', () => {
    const bn = new BatchNorm('batchnorm1', 2, tsKernels);
    bn.gamma.value.set([2, 1]);
    bn.beta.value.set([0.5, -1]);
    const out = bn.forward(x(), true).data;
    const s0 = Math.sqrt(1 + EPS), s1 = Math.sqrt(4 + EPS);
    // xn = (−1/s0, −2/s1; 1/s0, 2/s1); out = γ·xn + β
    const expected = [2 * (-1 / s0) + 0.5, -2 / s1 - 1, 2 * (1 / s0) + 0.5, 2 / s1 - 1];
    Array.from(out).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
  });

  test('running statistics move 10% towards the batch\'s; evaluation uses them', () => {
    const bn = new BatchNorm('batchnorm1', 2, tsKernels);
    expect(bn.stateArrays().map((s) => s.name)).toEqual(['batchnorm1.running_mean', 'batchnorm1.running_var']);
    bn.forward(x(), true);
    // mean: 0.9·0 + 0.1·(2, 4) = (0.2, 0.4); var: 0.9·1 + 0.1·(1, 4) = (1.0, 1.3)
    expect(bn.runningMean.value[0]).toBeCloseTo(0.2, 15);
    expect(bn.runningMean.value[1]).toBeCloseTo(0.4, 15);
    expect(bn.runningVar.value[0]).toBeCloseTo(1.0, 15);
    expect(bn.runningVar.value[1]).toBeCloseTo(1.3, 15);
    const out = bn.forward(tensor([1, 2], [1, 2]), false).data;
    expect(out[0]).toBeCloseTo((1 - 0.2) / Math.sqrt(1.0 + EPS), 14);
    expect(out[1]).toBeCloseTo((2 - 0.4) / Math.sqrt(1.3 + EPS), 14);
    expect(bn.runningMean.value[0]).toBeCloseTo(0.2, 15); // evaluation does not update them
  });

  test('γ and β are params without weight decay; wrong widths are refused', () => {
    const bn = new BatchNorm('batchnorm1', 3, tsKernels);
    expect(bn.params().map((p) => [p.name, p.decay, Array.from(p.value)])).toEqual([
      ['batchnorm1.gamma', false, [1, 1, 1]],
      ['batchnorm1.beta', false, [0, 0, 0]],
    ]);
    expect(() => bn.forward(tensor([2, 4]), true)).toThrow(/batchnorm1: expected 3 features per sample, got \(2, 4\)/);
  });
});

describe('BatchNorm backward against the numerical gradient', () => {
  const rng = new Rng(21);

  test('dX in training mode (through the batch mean and variance)', () => {
    const bn = new BatchNorm('batchnorm1', 5, tsKernels);
    bn.gamma.value.set(randomTensor([5], rng, 0.5, 2).data);
    bn.beta.value.set(randomTensor([5], rng).data);
    const x = randomTensor([4, 5], rng, -2, 2);
    expect(inputGradientError(bn, x, randomTensor([4, 5], rng).data)).toBeLessThan(1e-6);
  });

  test('dX in evaluation mode (running statistics are constants)', () => {
    const bn = new BatchNorm('batchnorm1', 3, tsKernels);
    bn.runningMean.value.set([0.3, -0.2, 1]);
    bn.runningVar.value.set([0.5, 2, 1.5]);
    bn.gamma.value.set([1.5, 0.7, -1]);
    const x = randomTensor([4, 3], rng);
    const r = randomTensor([4, 3], rng).data;
    const out = bn.forward(x, false);
    const dx = bn.backward({ data: r, shape: out.shape }).data;
    // out = γ·(x − μ)/σ with μ, σ fixed, so dX = r·γ/σ
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        const k = i * 3 + j;
        expect(dx[k]).toBeCloseTo((r[k] * bn.gamma.value[j]) / Math.sqrt(bn.runningVar.value[j] + EPS), 14);
      }
    }
  });

  const spec: NetworkSpec = {
    inputSize: 5,
    layers: [{ type: 'affine', units: 6 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'affine', units: 4 }, { type: 'batchnorm' }, { type: 'sigmoid' }, { type: 'affine', units: 3 }],
  };

  test('γ, β and the weights around them pass the gradient check; the running statistics are left as they were', () => {
    const net = buildNetwork(spec, tsKernels, new Rng(22));
    for (const p of net.params()) if (!p.decay) p.value.set(randomTensor(p.shape, rng, 0.5, 1.5).data); // γ, β and biases away from 1, 0
    const before = net.stateArrays().map((s) => Float64Array.from(s.value));
    const rows = gradientCheck(net, randomTensor([8, 5], rng, -2, 2), randomLabels(8, 3, rng));
    expect(rows.map((r) => r.name)).toEqual([
      'affine1.W', 'affine1.b', 'batchnorm1.gamma', 'batchnorm1.beta',
      'affine2.W', 'affine2.b', 'batchnorm2.gamma', 'batchnorm2.beta',
      'affine3.W', 'affine3.b',
    ]);
    for (const row of rows) {
      expect(row.maxRelError).toBeLessThan(1e-6);
      expect(row.checked).toBeGreaterThan(0);
    }
    net.stateArrays().forEach((s, i) => expect(s.value).toEqual(before[i]));
  });

  test('a bias right before batch norm gets zero gradient (the batch mean removes it)', () => {
    const net = buildNetwork(spec, tsKernels, new Rng(23));
    net.gradient(randomTensor([8, 5], rng), randomLabels(8, 3, rng));
    for (const g of net.param('affine1.b').grad) expect(Math.abs(g)).toBeLessThan(1e-12);
  });

  test('default init looks through batch norm: affine → batchnorm → relu gets He, as affine → relu', () => {
    const a = buildNetwork({ inputSize: 5, layers: [{ type: 'affine', units: 6 }, { type: 'batchnorm' }, { type: 'relu' }] }, tsKernels, new Rng(24));
    const b = buildNetwork({ inputSize: 5, layers: [{ type: 'affine', units: 6 }, { type: 'relu' }] }, tsKernels, new Rng(24));
    const c = buildNetwork({ inputSize: 5, layers: [{ type: 'affine', units: 6 }, { type: 'sigmoid' }] }, tsKernels, new Rng(24));
    expect(a.param('affine1.W').value).toEqual(b.param('affine1.W').value);
    expect(a.param('affine1.W').value).not.toEqual(c.param('affine1.W').value);
  });
});
