import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { buildNetwork, type NetworkSpec } from '../src/net/build';
import { gradientCheck } from '../src/net/gradcheck';
import { randomLabels, randomTensor } from './helpers';

const spec: NetworkSpec = {
  inputSize: 5,
  layers: [{ type: 'affine', units: 6 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dropout', ratio: 0.4 }, { type: 'affine', units: 3 }],
};

describe('L2 weight decay in Network', () => {
  test('adds 0.5·λ·ΣW² over weights only to the loss, and λ·W to their gradients', () => {
    const rng = new Rng(31);
    const net = buildNetwork(spec, tsKernels, new Rng(32));
    for (const p of net.params()) p.value.set(randomTensor(p.shape, rng).data); // biases, γ, β non-zero too
    const x = randomTensor([4, 5], rng), t = randomLabels(4, 3, rng);

    const plain = net.loss(x, t); // evaluation mode: no dropout, so the two passes see the same function
    net.weightDecay = 0.1;
    let sumSquares = 0;
    for (const name of ['affine1.W', 'affine2.W']) for (const w of net.param(name).value) sumSquares += w * w;
    expect(net.loss(x, t)).toBeCloseTo(plain + 0.05 * sumSquares, 12);

    net.weightDecay = 0;
    for (const layer of net.layers) layer.holdRandomness?.(true);
    net.gradient(x, t);
    const before = net.params().map((p) => Float64Array.from(p.grad));
    net.weightDecay = 0.1;
    net.gradient(x, t);
    net.params().forEach((p, i) => {
      for (let k = 0; k < p.value.length; k++) {
        const extra = p.decay ? 0.1 * p.value[k] : 0;
        expect(p.grad[k]).toBeCloseTo(before[i][k] + extra, 13);
      }
    });
    expect(net.params().filter((p) => p.decay).map((p) => p.name)).toEqual(['affine1.W', 'affine2.W']);
  });

  test('a network with batch norm, dropout (mask held) and weight decay passes the gradient check', () => {
    const rng = new Rng(33);
    const net = buildNetwork(spec, tsKernels, new Rng(34));
    net.weightDecay = 0.05;
    const rows = gradientCheck(net, randomTensor([8, 5], rng, -2, 2), randomLabels(8, 3, rng));
    expect(rows.map((r) => r.name)).toEqual(['affine1.W', 'affine1.b', 'batchnorm1.gamma', 'batchnorm1.beta', 'affine2.W', 'affine2.b']);
    for (const row of rows) {
      expect(row.maxRelError).toBeLessThan(1e-6);
      expect(row.checked).toBeGreaterThan(0);
    }
  });

  test('the gradient check notices when backward leaves the decay term out', () => {
    const rng = new Rng(35);
    const net = buildNetwork(spec, tsKernels, new Rng(36));
    net.weightDecay = 0.05;
    const realBackward = net.backward.bind(net);
    net.backward = () => {
      const dx = realBackward();
      for (const p of net.params()) if (p.decay) for (let k = 0; k < p.grad.length; k++) p.grad[k] -= 0.05 * p.value[k];
      return dx;
    };
    const rows = gradientCheck(net, randomTensor([8, 5], rng, -2, 2), randomLabels(8, 3, rng));
    expect(rows.find((r) => r.name === 'affine1.W')!.passed).toBe(false);
  });
});
