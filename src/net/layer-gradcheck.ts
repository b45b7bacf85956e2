import type { Kernels } from '../core/kernels';
import { Rng } from '../core/rng';
import type { Tensor } from '../core/tensor';
import { AddLayer } from '../layers/add';
import { Affine } from '../layers/affine';
import { BatchNorm } from '../layers/batchnorm';
import { Convolution } from '../layers/convolution';
import { Dropout } from '../layers/dropout';
import type { Layer } from '../layers/layer';
import { MulLayer } from '../layers/mul';
import { Pooling } from '../layers/pooling';
import { Relu } from '../layers/relu';
import { Network } from './network';
import { Sigmoid } from '../layers/sigmoid';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss';
import { DEFAULT_H, DEFAULT_THRESHOLD, relativeError } from './gradcheck';

/**
 * One layer set up for a gradient check: the arrays to nudge (its input, its parameters),
 * the scalar loss at their current values, and backprop's gradient of that loss for each.
 */
export interface LayerProbe {
  arrays: { name: string; value: Float64Array }[];
  loss(): number;
  /** A forward and a backward pass; the gradient of each of `arrays`, copied. */
  gradients(): Float64Array[];
}

/** How to build one layer type on given kernels, with seeded inputs and weights. */
export interface LayerFactory {
  name: string;
  build(kernels: Kernels, rng: Rng): LayerProbe;
}

const N = 4; // samples in a batch
const D = 5; // input features
const M = 3; // output units

/**
 * Every layer type, one factory each. A new layer type is one line here. The conv and pool
 * probes take N images of 2 channels (5×5 with a padded 3×3 conv of stride 1, 4×4 pooled in 2×2 windows).
 */
export const layerFactories: LayerFactory[] = [
  { name: 'Mul (scalar)', build: (_k, rng) => scalarProbe(new MulLayer(), rng) },
  { name: 'Add (scalar)', build: (_k, rng) => scalarProbe(new AddLayer(), rng) },
  { name: 'ReLU', build: (k, rng) => layerProbe(new Relu('relu', k), input(k, rng, [N, D], 0.1), rng) },
  { name: 'Sigmoid', build: (k, rng) => layerProbe(new Sigmoid('sigmoid', k), input(k, rng, [N, D]), rng) },
  { name: 'Affine', build: (k, rng) => layerProbe(randomized(new Affine('affine', D, M, k), rng), input(k, rng, [N, D]), rng) },
  { name: 'BatchNorm (training)', build: (k, rng) => layerProbe(randomized(new BatchNorm('batchnorm', D, k), rng), input(k, rng, [N, D]), rng) },
  { name: 'BatchNorm (evaluation)', build: (k, rng) => layerProbe(randomized(new BatchNorm('batchnorm', D, k), rng), input(k, rng, [N, D]), rng, false) },
  { name: 'Dropout (fixed mask)', build: (k, rng) => layerProbe(new Dropout('dropout', 0.5, k, rng), input(k, rng, [N, D]), rng) },
  { name: 'Convolution', build: (k, rng) => layerProbe(randomized(new Convolution('conv', [2, 5, 5], 3, [3, 3], 1, 1, k), rng), input(k, rng, [N, 2, 5, 5]), rng) },
  { name: 'Pooling (max)', build: (k, rng) => layerProbe(new Pooling('pool', [2, 4, 4], [2, 2], 2, 0, 'max', k), input(k, rng, [N, 2, 4, 4]), rng) },
  { name: 'SoftmaxWithLoss', build: (k, rng) => softmaxProbe(new SoftmaxWithLoss(k), input(k, rng, [N, M]), rng) },
  { name: 'weight decay (0.5·λ·ΣW²)', build: (k, rng) => decayProbe(randomized(new Affine('affine', D, M, k), rng), k) },
];

export interface LayerCheckResult {
  layer: string;
  backend: string;
  /** Entries compared over the input and every parameter. */
  checked: number;
  maxRelError: number;
  /** The array holding the worst entry (x, W, gamma, …). */
  worst: string;
  passed: boolean;
}

/** Central differences against backprop for every entry of every array of one probe. */
export function checkProbe(probe: LayerProbe, layer: string, backend: string, h = DEFAULT_H, threshold = DEFAULT_THRESHOLD): LayerCheckResult {
  const grads = probe.gradients();
  let checked = 0, maxRelError = 0, worst = probe.arrays[0].name;
  probe.arrays.forEach(({ name, value }, k) => {
    for (let i = 0; i < value.length; i++) {
      const original = value[i];
      value[i] = original + h;
      const plus = probe.loss();
      value[i] = original - h;
      const minus = probe.loss();
      value[i] = original;
      const rel = relativeError(grads[k][i], (plus - minus) / (2 * h));
      checked++;
      if (rel > maxRelError || Number.isNaN(rel)) {
        maxRelError = rel;
        worst = name;
      }
    }
  });
  return { layer, backend, checked, maxRelError, worst, passed: maxRelError < threshold };
}

/** Every factory on every backend: one row per layer type and backend. */
export function checkLayers(backends: Kernels[], seed = 1, factories = layerFactories): LayerCheckResult[] {
  return factories.flatMap((f) => backends.map((k) => checkProbe(f.build(k, Rng.stream(seed, `gradcheck ${f.name}`)), f.name, k.name)));
}

/** A kernels-allocated input in ±[away, 1): `away` keeps entries off a kink at 0. */
function input(kernels: Kernels, rng: Rng, shape: number[], away = 0): Tensor {
  const data = kernels.alloc(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = (rng.uniform() < 0.5 ? -1 : 1) * (away + (1 - away) * rng.uniform());
  return { data, shape };
}

/** Parameters (and running statistics) set to seeded values, so no gradient is trivially zero. */
function randomized<T extends Layer>(layer: T, rng: Rng): T {
  for (const p of layer.params()) for (let i = 0; i < p.value.length; i++) p.value[i] = 2 * rng.uniform() - 1;
  for (const s of layer.stateArrays?.() ?? []) for (let i = 0; i < s.value.length; i++) s.value[i] = 0.5 + rng.uniform();
  return layer;
}

/** L = Σ out·r for a fixed random r, so dL/d(out) = r; dropout holds its first mask. */
function layerProbe(layer: Layer, x: Tensor, rng: Rng, training = true): LayerProbe {
  const first = layer.forward(x, training);
  const r = { data: Float64Array.from(first.data, () => 2 * rng.uniform() - 1), shape: [...first.shape] };
  layer.holdRandomness?.(true);
  const params = layer.params();
  const loss = () => {
    const out = layer.forward(x, training).data;
    let s = 0;
    for (let i = 0; i < out.length; i++) s += out[i] * r.data[i];
    return s;
  };
  return {
    arrays: [{ name: 'x', value: x.data }, ...params.map((p) => ({ name: p.name.split('.').pop()!, value: p.value }))],
    loss,
    gradients: () => {
      loss();
      const dx = Float64Array.from(layer.backward(r).data);
      return [dx, ...params.map((p) => Float64Array.from(p.grad))];
    },
  };
}

function softmaxProbe(layer: SoftmaxWithLoss, x: Tensor, rng: Rng): LayerProbe {
  const [n, c] = x.shape;
  const labels = Int32Array.from({ length: n }, () => rng.int(c));
  return {
    arrays: [{ name: 'x', value: x.data }],
    loss: () => layer.forward(x, labels),
    gradients: () => {
      layer.forward(x, labels);
      return [Float64Array.from(layer.backward(1).data)];
    },
  };
}

/** The chapter's scalar nodes: L = r·forward(x, y). */
function scalarProbe(layer: MulLayer | AddLayer, rng: Rng): LayerProbe {
  const x = Float64Array.of(4 * rng.uniform() - 2), y = Float64Array.of(4 * rng.uniform() - 2);
  const r = 2 * rng.uniform() - 1;
  return {
    arrays: [{ name: 'x', value: x }, { name: 'y', value: y }],
    loss: () => r * layer.forward(x[0], y[0]),
    gradients: () => {
      layer.forward(x[0], y[0]);
      const [dx, dy] = layer.backward(r);
      return [Float64Array.of(dx), Float64Array.of(dy)];
    },
  };
}

/** The network's weight-decay term on its own: loss 0.5·λ·ΣW², gradient λ·W (added by Network.addDecayGradient). */
function decayProbe(affine: Affine, kernels: Kernels): LayerProbe {
  const net = new Network([affine], new SoftmaxWithLoss(kernels));
  net.weightDecay = 0.3;
  const params = net.params();
  return {
    arrays: [{ name: 'W', value: affine.W.value }],
    loss: () => net.decayLoss(),
    gradients: () => {
      for (const p of params) p.grad.fill(0);
      net.addDecayGradient(params);
      return [Float64Array.from(affine.W.grad)];
    },
  };
}
