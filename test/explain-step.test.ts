import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Rng } from '../src/core/rng';
import { norm } from '../src/core/ops';
import { tsKernels } from '../src/core/ts-kernels';
import { traceNetwork } from '../src/explain/network-trace';
import { renderNetworkTrace } from '../src/explain/render-network-trace';
import { buildNetwork, twoLayerSpec, type NetworkSpec } from '../src/net/build';
import { createOptimizer } from '../src/optim/create';
import { randomLabels, randomTensor } from './helpers';

// The step `traceNetwork` takes after the backward pass: the given optimizer's, after clipping,
// with the network's weight decay; and everything it changes put back.

function setup(spec: NetworkSpec = twoLayerSpec, weightDecay = 0) {
  const rng = new Rng(5);
  const net = buildNetwork(spec, tsKernels, rng);
  net.weightDecay = weightDecay;
  const x = randomTensor([8, 784], rng, 0, 1);
  const labels = randomLabels(8, 10, rng);
  return { net, x, labels };
}

/** Each param's gradient from an ordinary forward and backward pass of a freshly built net. */
function gradients(weightDecay = 0): Map<string, Float64Array> {
  const { net, x, labels } = setup(twoLayerSpec, weightDecay);
  net.gradient(x, labels);
  return new Map(net.params().map((p) => [p.name, Float64Array.from(p.grad)]));
}

test("an Adam trace takes Adam's first step: every weight moves by lr·grad/(|grad| + ε) ≈ lr·sign(grad)", () => {
  const { net, x, labels } = setup();
  const lr = 0.001, eps = 1e-8;
  const trace = traceNetwork(net, x, labels, lr, { optimizer: createOptimizer({ type: 'adam' }) });
  expect(trace.step).toMatchObject({ optimizer: 'adam', optimizerStep: 1, learningRate: lr });
  const grads = gradients();
  for (const p of trace.step.params) {
    const g = grads.get(p.name)!;
    const expected = lr * Math.sqrt(g.reduce((s, gi) => s + (gi / (Math.abs(gi) + eps)) ** 2, 0));
    expect(Math.abs(p.updateNorm - expected)).toBeLessThan(1e-9 * expected);
    // The largest gradient entry moves by lr (up to ε); SGD would move it by lr·max|grad|, far less.
    const maxGrad = Math.max(...g.map(Math.abs));
    expect(Math.abs(p.maxUpdate - (lr * maxGrad) / (maxGrad + eps))).toBeLessThan(1e-9 * lr);
    expect(Math.abs(p.maxUpdate - lr)).toBeLessThan(1e-5 * lr);
    expect(lr * maxGrad).toBeLessThan(0.5 * lr);
    // Not SGD's step: ‖lr·grad‖ is an order of magnitude or more away.
    expect(p.updateNorm / (lr * p.gradNorm)).toBeGreaterThan(10);
  }
  const text = renderNetworkTrace(trace);
  expect(text).toContain('one Adam step (its first) with lr = 0.001');
  expect(text).toContain('w ← w − lr·m̂/(√v̂ + ε)');
  expect(text).toContain('≈ lr·sign(grad)');
});

test("the optimizer's state is put back: a momentum optimizer in mid-run continues as if the trace had not happened", () => {
  const { net, x, labels } = setup();
  const momentum = createOptimizer({ type: 'momentum', momentum: 0.9 });
  net.gradient(x, labels);
  momentum.step(net.params(), 0.1);
  const before = momentum.getState();
  const weights = net.params().map((p) => Float64Array.from(p.value));
  const trace = traceNetwork(net, x, labels, 0.1, { optimizer: momentum });
  expect(trace.step).toMatchObject({ optimizer: 'momentum', optimizerStep: 2 });
  expect(momentum.getState()).toEqual(before);
  net.params().forEach((p, k) => expect(p.value).toEqual(weights[k]));
  expect(renderNetworkTrace(trace)).toContain('one Momentum step (its step 2) with lr = 0.1');
});

test('weight decay is in the loss, the gradients and the step, as in training', () => {
  const lambda = 0.1;
  const { net, x, labels } = setup(twoLayerSpec, lambda);
  const trace = traceNetwork(net, x, labels, 0.1);
  const reference = setup(twoLayerSpec, lambda);
  expect(trace.loss).toBe(reference.net.gradient(reference.x, reference.labels));
  let squares = 0;
  for (const p of net.params()) if (p.decay) for (const w of p.value) squares += w * w;
  expect(trace.decayLoss).toBeCloseTo(0.5 * lambda * squares, 12);
  expect(trace.decayLoss).toBeGreaterThan(0.01);
  const grads = gradients(lambda);
  for (const b of trace.backward) for (const p of b.params) expect(p.gradNorm).toBe(norm(grads.get(p.name)!));
  expect(trace.step.weightDecay).toBe(lambda);
  const text = renderNetworkTrace(trace);
  expect(text).toMatch(/^loss: [0-9.]+ \(softmax-with-loss\) \+ [0-9.]+ \(weight decay 0\.5·λ·ΣW², λ = 0\.1\) = [0-9.]+$/m);
  expect(text).toContain("the gradients include weight decay's λ·W (λ = 0.1)");
});

test('clipping scales the gradients to clipNorm before the step, and says so', () => {
  const { net, x, labels } = setup();
  const clipped = traceNetwork(net, x, labels, 0.1, { clipNorm: 0.01 });
  const total = Math.hypot(...clipped.backward.flatMap((b) => b.params.map((p) => p.gradNorm)));
  expect(clipped.step.clip).toEqual({ maxNorm: 0.01, norm: expect.closeTo(total, 12), scale: expect.closeTo(0.01 / total, 12) });
  expect(clipped.step.clip!.scale).toBeLessThan(0.1);
  // The step table shows the clipped gradients, whose global norm is clipNorm; SGD moves by lr·clipNorm in all.
  expect(Math.hypot(...clipped.step.params.map((p) => p.gradNorm))).toBeCloseTo(0.01, 12);
  expect(Math.hypot(...clipped.step.params.map((p) => p.updateNorm))).toBeCloseTo(0.1 * 0.01, 12);
  expect(renderNetworkTrace(clipped)).toMatch(/clipped: the gradients' global norm [0-9.]+ exceeds clipNorm 0\.01, so all were scaled by 0\.0/);

  const loose = traceNetwork(net, x, labels, 0.1, { clipNorm: 1e6 });
  expect(loose.step.clip!.scale).toBe(1);
  expect(renderNetworkTrace(loose)).toContain('not clipped');
});

test('with dropout, the loss after the step is measured with the same masks; batch-norm statistics are put back', () => {
  const spec: NetworkSpec = {
    inputSize: 784,
    layers: [{ type: 'affine', units: 40 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dropout', ratio: 0.5 }, { type: 'affine', units: 10 }],
  };
  const { net, x, labels } = setup(spec);
  const state = net.stateArrays().map((s) => Float64Array.from(s.value));
  // A step of (almost) nothing: the loss can only stay the same if the masks are the same.
  const still = traceNetwork(net, x, labels, 1e-300);
  expect(still.step.lossAfter).toBe(still.step.lossBefore);
  net.stateArrays().forEach((s, k) => expect(s.value).toEqual(state[k]));
  const step = traceNetwork(net, x, labels, 0.1);
  expect(step.step.lossAfter).toBeLessThan(step.step.lossBefore);
});

test("nnt explain --config with an Adam config applies Adam's step, at the config's learning rate", () => {
  const bin = join(__dirname, '../bin/nnt');
  const r = spawnSync(process.execPath, [bin, 'explain', '--config', join(__dirname, '../configs/adam.yaml'), '--sample', '3', '--json'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const { step } = JSON.parse(r.stdout);
  expect(step).toMatchObject({ optimizer: 'adam', optimizerStep: 1, learningRate: 0.001, weightDecay: 0, clip: null });
  for (const p of step.params) {
    expect(Math.abs(p.maxUpdate - 0.001)).toBeLessThan(1e-9);
    expect(p.updateNorm / (0.001 * p.gradNorm)).toBeGreaterThan(2); // not ‖lr·grad‖, SGD's
  }
  const text = spawnSync(process.execPath, [bin, 'explain', '--config', join(__dirname, '../configs/adam.yaml'), '--sample', '3'], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  expect(text.stdout).toContain('one Adam step (its first) with lr = 0.001');
  expect(text.stdout).toContain("(lr is the config's base learning rate; its step schedule changes it during training)");
});
