import type { Kernels } from '../core/kernels';
import type { Rng } from '../core/rng';
import { Affine } from '../layers/affine';
import { BatchNorm } from '../layers/batchnorm';
import { Dropout } from '../layers/dropout';
import { InputAffine } from '../layers/input-affine';
import type { Layer } from '../layers/layer';
import { Relu } from '../layers/relu';
import { Sigmoid } from '../layers/sigmoid';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss';
import { Network } from './network';

/** How the weights of an affine layer start: N(0, std²), or std from the fan-in. Biases start at 0. */
export type InitSpec = { type: 'std'; std: number } | { type: 'xavier' } | { type: 'he' };

export type LayerSpec =
  | { type: 'affine'; units: number; init?: InitSpec }
  | { type: 'relu' }
  | { type: 'sigmoid' }
  | { type: 'dropout'; ratio: number }
  | { type: 'batchnorm' };

export interface NetworkSpec {
  inputSize: number;
  layers: LayerSpec[];
  /** Used by affine layers that do not name their own. */
  init?: InitSpec;
}

export const layerTypes = ['affine', 'relu', 'sigmoid', 'dropout', 'batchnorm'] as const;

/** The book's two-layer net: 784 → 50 (ReLU) → 10, weights N(0, 0.01²). */
export const twoLayerSpec: NetworkSpec = {
  inputSize: 784,
  layers: [{ type: 'affine', units: 50 }, { type: 'relu' }, { type: 'affine', units: 10 }],
  init: { type: 'std', std: 0.01 },
};

/**
 * Builds the layers a spec describes, numbering each type from 1 (`affine1`, `relu1`,
 * `affine2`), and draws the initial weights from `rng` in layer order.
 *
 * Dropout layers draw their masks from this same `rng`, during training. They draw nothing
 * here, so adding dropout leaves the initial weights as they were; and there is no second
 * generator whose state a checkpoint would have to save besides the run's one.
 */
export function buildNetwork(spec: NetworkSpec, kernels: Kernels, rng: Rng): Network {
  const layers: Layer[] = [];
  const counts = new Map<string, number>();
  let width = spec.inputSize;
  spec.layers.forEach((layerSpec, index) => {
    const count = (counts.get(layerSpec.type) ?? 0) + 1;
    counts.set(layerSpec.type, count);
    const name = `${layerSpec.type}${count}`;
    switch (layerSpec.type) {
      case 'affine': {
        // The first layer meets the data: as an InputAffine it can take a batch as lists of its nonzero inputs.
        const affine = index === 0 ? new InputAffine(name, width, layerSpec.units, kernels) : new Affine(name, width, layerSpec.units, kernels);
        const std = initStd(layerSpec.init ?? spec.init ?? defaultInit(spec.layers.slice(index + 1)), width);
        const w = affine.W.value;
        for (let i = 0; i < w.length; i++) w[i] = std * rng.gaussian();
        layers.push(affine);
        width = layerSpec.units;
        break;
      }
      case 'relu':
        layers.push(new Relu(name, kernels));
        break;
      case 'sigmoid':
        layers.push(new Sigmoid(name, kernels));
        break;
      case 'dropout':
        layers.push(new Dropout(name, layerSpec.ratio, kernels, rng));
        break;
      case 'batchnorm':
        layers.push(new BatchNorm(name, width, kernels));
        break;
    }
  });
  return new Network(layers, new SoftmaxWithLoss(kernels));
}

/**
 * He for a layer followed by ReLU, Xavier otherwise. Batch norm and dropout in between are
 * looked through: in affine → batchnorm → relu the weights still feed a ReLU.
 */
function defaultInit(following: LayerSpec[]): InitSpec {
  const next = following.find((l) => l.type !== 'batchnorm' && l.type !== 'dropout');
  return next?.type === 'relu' ? { type: 'he' } : { type: 'xavier' };
}

function initStd(init: InitSpec, fanIn: number): number {
  switch (init.type) {
    case 'std':
      return init.std;
    case 'xavier':
      return Math.sqrt(1 / fanIn);
    case 'he':
      return Math.sqrt(2 / fanIn);
  }
}
