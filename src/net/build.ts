import type { Kernels } from '../core/kernels';
import type { Rng } from '../core/rng';
import { Affine } from '../layers/affine';
import { BatchNorm } from '../layers/batchnorm';
import { Convolution, type ImageShape } from '../layers/convolution';
import { Pooling, type PoolMode } from '../layers/pooling';
import { windowError } from '../core/im2col';
import { sizeOf } from '../core/tensor';
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
  | { type: 'batchnorm' }
  | { type: 'conv'; filters: number; size: number | [number, number]; stride?: number; pad?: number; init?: InitSpec }
  | { type: 'pool'; size: number | [number, number]; stride?: number; pad?: number; mode?: PoolMode };

export interface NetworkSpec {
  inputSize: number;
  /**
   * The shape of one sample, C×H×W (or H×W: one channel), for conv and pool layers; by
   * default a square single-channel image when inputSize is a square. Affine layers see it flat.
   */
  inputShape?: readonly number[];
  layers: LayerSpec[];
  /** Used by affine layers that do not name their own. */
  init?: InitSpec;
}

export const layerTypes = ['affine', 'relu', 'sigmoid', 'dropout', 'batchnorm', 'conv', 'pool'] as const;

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
  // The shape of one sample as it reaches each layer: an image (C×H×W) until an affine layer flattens it.
  let shape: number[] = sampleShape(spec);
  // The layer that gave `shape` (ReLU, dropout and batch norm keep it): named in shape errors.
  let from: string | undefined;
  spec.layers.forEach((layerSpec, index) => {
    const count = (counts.get(layerSpec.type) ?? 0) + 1;
    counts.set(layerSpec.type, count);
    const name = `${layerSpec.type}${count}`;
    const width = sizeOf(shape);
    const initFor = (init: InitSpec | undefined) => init ?? spec.init ?? defaultInit(spec.layers.slice(index + 1));
    switch (layerSpec.type) {
      case 'affine': {
        // The first layer meets the data: as an InputAffine it can take a batch as lists of its nonzero inputs.
        const affine = index === 0 ? new InputAffine(name, width, layerSpec.units, kernels) : new Affine(name, width, layerSpec.units, kernels);
        fillGaussian(affine.W.value, initStd(initFor(layerSpec.init), width), rng);
        layers.push(affine);
        shape = [layerSpec.units];
        from = name;
        break;
      }
      case 'conv': {
        const image = imageInput(shape, index, layerSpec.type, from);
        const size = pair(layerSpec.size), stride = layerSpec.stride ?? 1, pad = layerSpec.pad ?? 0;
        checkWindow(index, `a ${size.join('×')} convolution with stride ${stride}${pad ? ` and pad ${pad}` : ''}`, image, size, stride, pad, from);
        const conv = new Convolution(name, image, layerSpec.filters, size, stride, pad, kernels);
        // The fan-in of a filter: the C·FH·FW inputs of its window.
        fillGaussian(conv.W.value, initStd(initFor(layerSpec.init), image[0] * size[0] * size[1]), rng);
        layers.push(conv);
        shape = conv.outputShape;
        from = name;
        break;
      }
      case 'pool': {
        const image = imageInput(shape, index, layerSpec.type, from);
        const size = pair(layerSpec.size), stride = layerSpec.stride ?? size[0], pad = layerSpec.pad ?? 0;
        checkWindow(index, `a ${size.join('×')} pool with stride ${stride}${pad ? ` and pad ${pad}` : ''}`, image, size, stride, pad, from);
        const pool = new Pooling(name, image, size, stride, pad, layerSpec.mode ?? 'max', kernels);
        layers.push(pool);
        shape = pool.outputShape;
        from = name;
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

/** A network spec that does not fit its input (a window larger than the image, a conv after an affine, …); says which layer. */
export class ShapeError extends Error {}

function fillGaussian(w: Float64Array, std: number, rng: Rng): void {
  for (let i = 0; i < w.length; i++) w[i] = std * rng.gaussian();
}

function pair(size: number | [number, number]): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

/** C×H×W of a sample: the spec's inputShape (H×W: one channel), or a square one-channel image. */
function sampleShape(spec: NetworkSpec): number[] {
  if (spec.inputShape) {
    const s = [...spec.inputShape];
    if (sizeOf(s) !== spec.inputSize) throw new ShapeError(`inputShape ${s.join('×')} does not hold the ${spec.inputSize} inputs of a sample`);
    return s.length === 2 ? [1, ...s] : s;
  }
  const side = Math.round(Math.sqrt(spec.inputSize));
  const image = side * side === spec.inputSize && spec.layers.some((l) => l.type === 'conv' || l.type === 'pool');
  return image ? [1, side, side] : [spec.inputSize];
}

function imageInput(shape: number[], index: number, type: string, after: string | undefined): ImageShape {
  if (shape.length !== 3) {
    const what = after ? `the output of ${after}` : 'the input';
    throw new ShapeError(`layers[${index}]: a ${type} layer needs images (C×H×W), but ${what} is a vector of ${sizeOf(shape)} values`);
  }
  return shape as ImageShape;
}

function checkWindow(index: number, what: string, image: ImageShape, size: number[], stride: number, pad: number, after: string | undefined): void {
  const problem = windowError(image[1], image[2], size[0], size[1], stride, pad, after ? `output of ${after}` : 'input');
  if (problem) throw new ShapeError(`layers[${index}]: ${what} ${problem}`);
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
