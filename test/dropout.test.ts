import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { tensor } from '../src/core/tensor';
import { Dropout } from '../src/layers/dropout';
import { buildNetwork, type NetworkSpec } from '../src/net/build';
import { gradientCheck, inputGradientError } from '../src/net/gradcheck';
import { randomLabels, randomTensor } from './helpers';

const ones = (n: number) => tensor([n, 1], new Float64Array(n).fill(1));

describe('Dropout (inverted)', () => {
  test('training drops about `ratio` of the units and scales the rest by 1/(1 − ratio)', () => {
    const layer = new Dropout('dropout1', 0.25, tsKernels, new Rng(1));
    const out = layer.forward(ones(20000), true).data;
    const dropped = out.filter((v) => v === 0).length;
    expect(Math.abs(dropped / 20000 - 0.25)).toBeLessThan(0.01);
    expect(out.every((v) => v === 0 || v === 1 / 0.75)).toBe(true);
    const mean = out.reduce((a, b) => a + b, 0) / 20000;
    expect(Math.abs(mean - 1)).toBeLessThan(0.02); // the expected value is kept
  });

  test('evaluation is the identity, forward and backward', () => {
    const layer = new Dropout('dropout1', 0.5, tsKernels, new Rng(1));
    const x = randomTensor([3, 4], new Rng(2));
    expect(layer.forward(x, false).data).toEqual(x.data);
    const dout = randomTensor([3, 4], new Rng(3));
    expect(layer.backward(dout).data).toEqual(dout.data);
  });

  test('backward passes the gradient only through the kept units, with the same scale', () => {
    const layer = new Dropout('dropout1', 0.5, tsKernels, new Rng(4));
    const out = Float64Array.from(layer.forward(ones(50), true).data);
    const dx = layer.backward(ones(50)).data;
    expect(dx).toEqual(out); // forward of ones is the mask itself, and so is backward of ones
    expect(out.some((v) => v === 0) && out.some((v) => v === 2)).toBe(true);
  });

  test('a new mask every training pass, the same one while held; the same seed draws the same masks', () => {
    const layer = new Dropout('dropout1', 0.5, tsKernels, new Rng(5));
    const first = Float64Array.from(layer.forward(ones(64), true).data);
    const second = Float64Array.from(layer.forward(ones(64), true).data);
    expect(second).not.toEqual(first);
    layer.holdRandomness(true);
    const held1 = Float64Array.from(layer.forward(ones(64), true).data);
    expect(layer.forward(ones(64), true).data).toEqual(held1);
    expect(held1).toEqual(second);
    layer.holdRandomness(false);
    expect(layer.forward(ones(64), true).data).not.toEqual(held1);

    const again = new Dropout('dropout1', 0.5, tsKernels, new Rng(5));
    expect(again.forward(ones(64), true).data).toEqual(first);
  });

  test('ratio 0 keeps everything; a ratio outside [0, 1) is refused', () => {
    const x = randomTensor([2, 5], new Rng(6));
    expect(new Dropout('dropout1', 0, tsKernels, new Rng(1)).forward(x, true).data).toEqual(x.data);
    expect(() => new Dropout('dropout1', 1, tsKernels, new Rng(1))).toThrow(/dropout1: dropout ratio must be in \[0, 1\), got 1/);
    expect(() => new Dropout('dropout1', -0.1, tsKernels, new Rng(1))).toThrow(/ratio/);
  });

  test('dX against the numerical gradient, with the mask held', () => {
    const rng = new Rng(7);
    const layer = new Dropout('dropout1', 0.5, tsKernels, new Rng(8));
    expect(inputGradientError(layer, randomTensor([4, 6], rng), randomTensor([4, 6], rng).data)).toBeLessThan(1e-6);
  });
});

describe('dropout in a built network', () => {
  const withDropout: NetworkSpec = {
    inputSize: 6,
    layers: [{ type: 'affine', units: 8 }, { type: 'relu' }, { type: 'dropout', ratio: 0.5 }, { type: 'affine', units: 8 }, { type: 'relu' }, { type: 'dropout', ratio: 0.3 }, { type: 'affine', units: 3 }],
  };
  const without: NetworkSpec = { ...withDropout, layers: withDropout.layers.filter((l) => l.type !== 'dropout') };

  test('layers are named dropout1, dropout2; adding dropout leaves the initial weights unchanged', () => {
    const a = buildNetwork(withDropout, tsKernels, new Rng(11));
    const b = buildNetwork(without, tsKernels, new Rng(11));
    expect(a.layers.map((l) => l.name)).toEqual(['affine1', 'relu1', 'dropout1', 'affine2', 'relu2', 'dropout2', 'affine3']);
    expect(a.params().map((p) => p.name)).toEqual(b.params().map((p) => p.name));
    a.params().forEach((p, i) => expect(p.value).toEqual(b.params()[i].value));
  });

  test('training passes differ, evaluation passes do not', () => {
    const net = buildNetwork(withDropout, tsKernels, new Rng(12));
    const x = randomTensor([5, 6], new Rng(13));
    const t1 = Float64Array.from(net.predict(x, true).data);
    expect(net.predict(x, true).data).not.toEqual(t1);
    const e1 = Float64Array.from(net.predict(x, false).data);
    expect(net.predict(x, false).data).toEqual(e1);
  });

  test('passes the gradient check with the masks held fixed, and is not held afterwards', () => {
    const rng = new Rng(14);
    const net = buildNetwork(withDropout, tsKernels, new Rng(15));
    const x = randomTensor([6, 6], rng);
    const rows = gradientCheck(net, x, randomLabels(6, 3, rng));
    for (const row of rows) {
      expect(row.passed).toBe(true);
      expect(row.checked).toBeGreaterThan(0);
    }
    const after = Float64Array.from(net.predict(x, true).data);
    expect(net.predict(x, true).data).not.toEqual(after);
  });
});
