import { Rng } from '../src/core/rng';
import { norm } from '../src/core/ops';
import { tsKernels } from '../src/core/ts-kernels';
import { traceNetwork } from '../src/explain/network-trace';
import { renderNetworkTrace } from '../src/explain/render-network-trace';
import { buildNetwork, twoLayerSpec } from '../src/net/build';
import { randomLabels, randomTensor } from './helpers';

function setup() {
  const rng = new Rng(1);
  const net = buildNetwork(twoLayerSpec, tsKernels, rng);
  const x = randomTensor([8, 784], rng, 0, 1);
  const labels = randomLabels(8, 10, rng);
  return { net, x, labels };
}

describe('traceNetwork', () => {
  const { net, x, labels } = setup();
  const before = net.params().map((p) => Float64Array.from(p.value));
  const trace = traceNetwork(net, x, labels, 0.1);

  test('names every layer and parameter, forward in order and backward in reverse', () => {
    expect(trace.forward.map((f) => f.layer)).toEqual(['affine1', 'relu1', 'affine2']);
    expect(trace.forward.map((f) => f.shape)).toEqual([[8, 50], [8, 50], [8, 10]]);
    expect(trace.backward.map((b) => b.layer)).toEqual(['affine2', 'relu1', 'affine1']);
    expect(trace.backward.map((b) => b.gradShape)).toEqual([[8, 50], [8, 50], [8, 784]]);
    expect(trace.backward.flatMap((b) => b.params.map((p) => p.name))).toEqual(['affine2.W', 'affine2.b', 'affine1.W', 'affine1.b']);
    expect(trace.step.params.map((p) => p.name)).toEqual(['affine1.W', 'affine1.b', 'affine2.W', 'affine2.b']);
  });

  test('statistics: ReLU reports its active fraction, and its output is never negative', () => {
    const relu = trace.forward[1];
    expect(relu.activeFraction).toBeGreaterThan(0);
    expect(relu.activeFraction).toBeLessThan(1);
    expect(relu.stats.min).toBe(0);
    expect(trace.forward[0].activeFraction).toBeUndefined();
    const affine1 = trace.forward[0].stats;
    expect(affine1.min).toBeLessThan(affine1.mean);
    expect(affine1.max).toBeGreaterThan(affine1.mean);
    expect(affine1.std).toBeGreaterThan(0);
  });

  test('the gradient norms are those of an ordinary backward pass', () => {
    const fresh = setup();
    const loss = fresh.net.gradient(fresh.x, fresh.labels);
    expect(trace.loss).toBe(loss);
    for (const b of trace.backward) for (const p of b.params) expect(p.gradNorm).toBe(norm(fresh.net.param(p.name).grad));
  });

  test('one SGD step (the default) lowers the loss on the batch, and the weights are put back', () => {
    expect(trace.step).toMatchObject({ optimizer: 'sgd', optimizerStep: 1, learningRate: 0.1, weightDecay: 0, clip: null });
    expect(trace.decayLoss).toBe(0);
    expect(trace.step.lossAfter).toBeLessThan(trace.step.lossBefore);
    net.params().forEach((p, k) => expect(p.value).toEqual(before[k]));
    const fresh = setup();
    fresh.net.gradient(fresh.x, fresh.labels);
    for (const p of trace.step.params) {
      // Δw = −lr·grad, measured as the difference of the weights (so up to rounding).
      expect(Math.abs(p.updateNorm - 0.1 * p.gradNorm)).toBeLessThan(1e-12 * p.updateNorm);
      const maxGrad = Math.max(...fresh.net.param(p.name).grad.map(Math.abs));
      expect(Math.abs(p.maxUpdate - 0.1 * maxGrad)).toBeLessThan(1e-12 * p.maxUpdate);
      if (p.name.endsWith('.b')) expect(p.relativeUpdate).toBeNull(); // biases start at zero
      else expect(p.relativeUpdate).toBeCloseTo(p.updateNorm / p.valueNorm, 14);
    }
    expect(net.loss(x, labels, true)).toBe(trace.step.lossBefore);
  });

  test('the text names every layer and parameter', () => {
    const text = renderNetworkTrace(trace);
    for (const name of ['affine1', 'relu1', 'affine2', 'affine1.W', 'affine1.b', 'affine2.W', 'affine2.b']) expect(text).toContain(name);
    expect(text).toMatchSnapshot();
  });
});
