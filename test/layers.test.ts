import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { tensor } from '../src/core/tensor';
import { Affine } from '../src/layers/affine';
import { Relu } from '../src/layers/relu';
import { Sigmoid } from '../src/layers/sigmoid';
import { SoftmaxWithLoss } from '../src/layers/softmax-with-loss';
import { MulLayer } from '../src/layers/mul';
import { AddLayer } from '../src/layers/add';
import { Network } from '../src/net/network';
import { gradientCheck, inputGradientError } from '../src/net/gradcheck';
import { randomLabels, randomTensor } from './helpers';

const TIGHT = 1e-6;

describe('the chapter\'s shopping example through MulLayer and AddLayer', () => {
  test('2 apples at 100 with tax 1.1', () => {
    const mulApple = new MulLayer();
    const mulTax = new MulLayer();
    const applePrice = mulApple.forward(100, 2);
    const price = mulTax.forward(applePrice, 1.1);
    expect(price).toBeCloseTo(220, 10);
    const [dApplePrice, dTax] = mulTax.backward(1);
    const [dApple, dAppleNum] = mulApple.backward(dApplePrice);
    expect(dApple).toBeCloseTo(2.2, 12);
    expect(dAppleNum).toBeCloseTo(110, 10);
    expect(dTax).toBeCloseTo(200, 10);
  });

  test('2 apples at 100 and 3 oranges at 150 with tax 1.1', () => {
    const mulApple = new MulLayer(), mulOrange = new MulLayer(), add = new AddLayer(), mulTax = new MulLayer();
    const appleTotal = mulApple.forward(100, 2);
    const orangeTotal = mulOrange.forward(150, 3);
    const sum = add.forward(appleTotal, orangeTotal);
    const price = mulTax.forward(sum, 1.1);
    expect(price).toBeCloseTo(715, 10);
    const [dSum, dTax] = mulTax.backward(1);
    const [dAppleTotal, dOrangeTotal] = add.backward(dSum);
    const [dApplePrice, dAppleNum] = mulApple.backward(dAppleTotal);
    const [dOrangePrice, dOrangeNum] = mulOrange.backward(dOrangeTotal);
    expect([dApplePrice, dAppleNum, dOrangePrice, dOrangeNum, dTax].map((v) => +v.toFixed(9))).toEqual([2.2, 110, 3.3, 165, 650]);
  });
});

describe('each layer\'s backward against the numerical gradient', () => {
  const rng = new Rng(42);

  test('Relu, with inputs kept away from the kink at 0', () => {
    const x = randomTensor([4, 7], rng);
    for (let i = 0; i < x.data.length; i++) if (Math.abs(x.data[i]) < 1e-2) x.data[i] = 0.5;
    expect(inputGradientError(new Relu('relu1', tsKernels), x, randomTensor([4, 7], rng).data)).toBeLessThan(TIGHT);
  });

  test('Sigmoid', () => {
    const x = randomTensor([4, 7], rng, -4, 4);
    expect(inputGradientError(new Sigmoid('sigmoid1', tsKernels), x, randomTensor([4, 7], rng).data)).toBeLessThan(TIGHT);
  });

  test('Affine: dX on a rank-4 input, which it flattens and gives back in the same shape', () => {
    const affine = new Affine('affine1', 12, 5, tsKernels);
    affine.W.value.set(randomTensor([12, 5], rng).data);
    affine.b.value.set(randomTensor([5], rng).data);
    const x = randomTensor([3, 1, 3, 4], rng);
    const out = affine.forward(x);
    expect(out.shape).toEqual([3, 5]);
    expect(affine.backward(randomTensor([3, 5], rng)).shape).toEqual([3, 1, 3, 4]);
    expect(inputGradientError(affine, x, randomTensor([3, 5], rng).data)).toBeLessThan(TIGHT);
  });

  test('Affine W and b, and SoftmaxWithLoss, through a network', () => {
    const net = new Network(
      [new Affine('affine1', 6, 5, tsKernels), new Sigmoid('sigmoid1', tsKernels), new Affine('affine2', 5, 4, tsKernels)],
      new SoftmaxWithLoss(tsKernels),
    );
    for (const p of net.params()) p.value.set(randomTensor(p.shape, rng).data);
    const rows = gradientCheck(net, randomTensor([5, 6], rng), randomLabels(5, 4, rng));
    expect(rows.map((r) => r.name)).toEqual(['affine1.W', 'affine1.b', 'affine2.W', 'affine2.b']);
    for (const row of rows) {
      expect(row.checked).toBe(row.shape.reduce((a, b) => a * b, 1));
      expect(row.maxRelError).toBeLessThan(TIGHT);
      expect(row.passed).toBe(true);
    }
  });

  test('SoftmaxWithLoss dX with one-hot labels', () => {
    const loss = new SoftmaxWithLoss(tsKernels);
    const x = randomTensor([3, 4], rng, -3, 3);
    const t = tensor([3, 4], [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    loss.forward(x, t);
    const dx = Float64Array.from(loss.backward().data);
    for (let i = 0; i < x.data.length; i++) {
      const o = x.data[i];
      x.data[i] = o + 1e-4;
      const plus = loss.forward(x, t);
      x.data[i] = o - 1e-4;
      const minus = loss.forward(x, t);
      x.data[i] = o;
      expect(Math.abs(dx[i] - (plus - minus) / 2e-4)).toBeLessThan(1e-9);
    }
  });
});

describe('SoftmaxWithLoss against values worked out by hand', () => {
  // scores (0, ln 3) → softmax (1/4, 3/4); (ln 2, ln 2) → (1/2, 1/2)
  const scores = () => tensor([2, 2], [0, Math.log(3), Math.log(2), Math.log(2)]);
  const expectedLoss = (Math.log(4) + Math.log(2)) / 2; // −ln(1/4) and −ln(1/2), averaged
  const expectedDx = [(0.25 - 1) / 2, 0.75 / 2, 0.5 / 2, (0.5 - 1) / 2];

  test.each([
    ['class indices', new Int32Array([0, 1])],
    ['one-hot rows', tensor([2, 2], [1, 0, 0, 1])],
  ])('with %s', (_, labels) => {
    const layer = new SoftmaxWithLoss(tsKernels);
    expect(layer.forward(scores(), labels)).toBeCloseTo(expectedLoss, 14);
    expect(Array.from(layer.probabilities().data)).toEqual([0.25, 0.75, 0.5, 0.5].map((v, i) => expect.closeTo(v, 14) as unknown as number));
    Array.from(layer.backward().data).forEach((v, i) => expect(v).toBeCloseTo(expectedDx[i], 14));
  });

  test('stays finite for huge scores, where log(softmax) would underflow', () => {
    const layer = new SoftmaxWithLoss(tsKernels);
    const loss = layer.forward(tensor([1, 2], [0, 1000]), new Int32Array([0]));
    expect(loss).toBeCloseTo(1000, 10);
  });

  test('rejects a label outside the classes', () => {
    expect(() => new SoftmaxWithLoss(tsKernels).forward(tensor([1, 3]), new Int32Array([3]))).toThrow(/label 3 .* outside 0..2/);
  });
});

describe('the gradient check can fail', () => {
  /** Affine with a classic slip in backward: dW = Xᵀ·dY scaled by 1.001. */
  class SlightlyWrongAffine extends Affine {
    override backward(dout: Parameters<Affine['backward']>[0]) {
      const dx = super.backward(dout);
      for (let i = 0; i < this.W.grad.length; i++) this.W.grad[i] *= 1.001;
      return dx;
    }
  }

  test('a layer with a deliberately wrong backward is caught', () => {
    const rng = new Rng(7);
    const net = new Network([new SlightlyWrongAffine('affine1', 6, 4, tsKernels)], new SoftmaxWithLoss(tsKernels));
    for (const p of net.params()) p.value.set(randomTensor(p.shape, rng).data);
    const rows = gradientCheck(net, randomTensor([3, 6], rng), randomLabels(3, 4, rng));
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName['affine1.W'].passed).toBe(false);
    expect(byName['affine1.W'].maxRelError).toBeGreaterThan(1e-4);
    expect(byName['affine1.b'].passed).toBe(true);
  });

  test('a ReLU input nudged across 0 is reported as a kink crossing, not an error', () => {
    const net = new Network([new Affine('affine1', 1, 1, tsKernels), new Relu('relu1', tsKernels), new Affine('affine2', 1, 2, tsKernels)], new SoftmaxWithLoss(tsKernels));
    net.param('affine1.W').value[0] = 1;
    net.param('affine1.b').value[0] = 5e-5; // the ReLU input is 5e−5 for x = 0: within h of the kink
    net.param('affine2.W').value.set([1, -1]);
    const rows = gradientCheck(net, tensor([1, 1], [0]), new Int32Array([0]));
    const b1 = rows.find((r) => r.name === 'affine1.b')!;
    expect(b1.kinkCrossings).toBe(1);
    expect(b1.checked).toBe(0);
    expect(rows.every((r) => r.passed)).toBe(true);
  });
});
