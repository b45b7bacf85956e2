import { totalmem } from 'node:os';
import type { Dataset } from '../data/dataset';
import { UserError } from '../errors';
import { outHeight, outWidth, windowError } from '../core/im2col';
import { sizeOf } from '../core/tensor';
import type { Config } from '../io/config-schema';

type LayerConfig = Config['layers'][number];

/**
 * Checks made before the first batch, so that a run fails at once, naming the file or field
 * at fault, instead of after an epoch — or instead of taking the machine's memory.
 */

/** The test (or validation) data must fit the network the training data shapes; labels must fit its outputs. */
export function checkRunData(config: Config, trainSet: Dataset, evalSet: Dataset): void {
  if (evalSet.sampleSize !== trainSet.sampleSize) {
    const file = evalSet.files?.images.path ?? `the ${evalSet.name} set`;
    throw new UserError(
      `${file}: ${evalSet.name} images are ${evalSet.imageShape.join('×')} (${evalSet.sampleSize} values), ` +
        `but the training images ${trainSet.files ? `(${trainSet.files.images.path}) ` : ''}are ${trainSet.imageShape.join('×')} (${trainSet.sampleSize})`,
    );
  }
  const last = config.layers.length - 1;
  const units = config.layers[last].type === 'affine' ? (config.layers[last] as { units: number }).units : undefined;
  if (units === undefined) return;
  for (const ds of [trainSet, evalSet]) {
    const bad = outlierLabel(ds, units, [trainSet, evalSet]);
    if (bad) {
      const file = ds.files?.labels.path ?? `the ${ds.name} labels`;
      throw new UserError(`${file}: label ${bad.value} of sample ${bad.index} is not a class of the network (layers[${last}].units is ${units}: classes 0..${units - 1})`);
    }
  }
}

/**
 * A label at or above the class count that stands alone — the classes between the network's
 * outputs and it never occur — is a bad label, not a config that has too few outputs.
 */
function outlierLabel(ds: Dataset, units: number, all: Dataset[]): { index: number; value: number } | undefined {
  const seen = new Uint8Array(256);
  for (const d of all) for (let i = 0; i < d.labels.length; i++) seen[d.labels[i]] = 1;
  let gap = false;
  let max = 0;
  for (let k = 0; k < 256; k++) if (seen[k]) max = k;
  for (let k = units; k < max; k++) if (!seen[k]) gap = true;
  if (!gap) return undefined; // classes 0..max all occur: the config has too few outputs (buildFromConfig says so)
  for (let i = 0; i < ds.labels.length; i++) if (ds.labels[i] >= units) return { index: i, value: ds.labels[i] };
  return undefined;
}

/** The most memory a network's arrays may take; the WebAssembly backend cannot address more than 4 GiB. */
export function memoryLimit(backend: Config['training']['backend']): number {
  const physical = totalmem() * 0.75;
  return backend === 'ts' ? physical : Math.min(physical, 4 * 2 ** 30);
}

/**
 * What a network of this config takes, worked out from the config alone: weights with their
 * gradients and up to two optimizer buffers (4 arrays), and a batch's activations forward and
 * backward; for conv layers also one image's im2col matrices (col, and dcol unless it is the
 * first layer), for max pools their argmax. Refuses, naming the field and the size, before anything
 * is allocated. `sampleShape` is the data's shape of a sample (MNIST: 28×28), as the builder
 * gets it; a layer that does not fit its input ends the count (the builder names it).
 */
export function checkNetworkMemory(config: Config, inputSize: number, batchRows: number, where: string, sampleShape?: readonly number[]): void {
  let shape = startShape(config, inputSize, sampleShape);
  let widths = inputSize;
  let total = 0;
  let largest = { bytes: 0, field: '', what: '' };
  const count = (bytes: number, field: string, what: string, purpose: string) => {
    total += bytes;
    if (bytes > largest.bytes) largest = { bytes, field, what: `${what} need ${formatBytes(bytes)} ${purpose}` };
  };
  const state = 'for weights, gradients and optimizer state';
  for (const [i, layer] of config.layers.entries()) {
    const width = sizeOf(shape);
    if (layer.type === 'affine') {
      const field = width > layer.units && i === 0 && config.inputSize !== undefined ? 'inputSize' : `layers[${i}].units`;
      const value = field === 'inputSize' ? width : layer.units;
      count(8 * 4 * (width * layer.units + layer.units), field, `${value} ${field === 'inputSize' ? 'inputs' : 'units'}`, state);
      shape = [layer.units];
    } else if (layer.type === 'conv' || layer.type === 'pool') {
      const out = windowOutput(shape, layer);
      if (!out) break;
      const [c] = shape, [fh, fw] = pairOf(layer.size), positions = out[1] * out[2];
      if (layer.type === 'conv') {
        const weights = layer.filters * c * fh * fw + layer.filters;
        // W, b with their gradients and two optimizer buffers, plus one image's share of dW.
        count(8 * 5 * weights, `layers[${i}].filters`, `${layer.filters} filters of ${c}×${fh}×${fw}`, state);
        // One image's col, and its dcol unless the layer is the first (it computes no dx): the layer makes them image by image.
        const colBytes = 8 * (i === 0 ? 1 : 2) * positions * c * fh * fw;
        count(colBytes, `layers[${i}].size`, `${positions} windows of ${c}×${fh}×${fw}`, `for the im2col matrices of layers[${i}]`);
      } else {
        count(4 * batchRows * sizeOf(out), 'data.batchSize', `${batchRows} samples a batch`, `for the argmax of layers[${i}]`);
      }
      shape = out;
    }
    widths += sizeOf(shape);
  }
  const activations = 8 * 2 * batchRows * widths;
  if (activations > largest.bytes) largest = { bytes: activations, field: 'data.batchSize', what: `${batchRows} samples a batch need ${formatBytes(activations)} of activations` };
  total += activations;
  const limit = memoryLimit(config.training.backend);
  if (!(total <= limit)) {
    throw new UserError(`${where}: ${largest.field}: ${largest.what} (${formatBytes(total)} in all), more than the ${formatBytes(limit)} nnt can use here`);
  }
}

/** C×H×W of a sample as buildNetwork makes it (config inputShape, the data's shape, a square image), or [inputSize]. */
function startShape(config: Config, inputSize: number, sampleShape?: readonly number[]): number[] {
  const given = config.inputShape ?? (sampleShape && sizeOf(sampleShape) === inputSize ? sampleShape : undefined);
  if (given && sizeOf(given) === inputSize) return given.length === 2 ? [1, ...given] : [...given];
  const side = Math.round(Math.sqrt(inputSize));
  const images = config.layers.some((l) => l.type === 'conv' || l.type === 'pool');
  return images && side * side === inputSize ? [1, side, side] : [inputSize];
}

/** The C×H×W output of a conv or pool layer on `shape`, or undefined when the layer does not fit (buildNetwork says why). */
function windowOutput(shape: number[], layer: Extract<LayerConfig, { type: 'conv' | 'pool' }>): number[] | undefined {
  if (shape.length !== 3) return undefined;
  const [c, h, w] = shape, [fh, fw] = pairOf(layer.size);
  const stride = layer.stride ?? (layer.type === 'pool' ? fh : 1), pad = layer.pad ?? 0;
  if (windowError(h, w, fh, fw, stride, pad, 'input')) return undefined;
  const g = { n: 1, c, h, w, fh, fw, stride, pad };
  return [layer.type === 'conv' ? layer.filters : c, outHeight(g), outWidth(g)];
}

function pairOf(size: number | readonly number[]): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

/** The rows a training batch holds: epoch sampling never makes a batch larger than the data. */
export function checkRunMemory(config: Config, trainSet: Dataset, where: string): void {
  const { batchSize, sampling } = config.data;
  checkNetworkMemory(config, trainSet.sampleSize, sampling === 'random' ? batchSize : Math.min(batchSize, trainSet.count), where, trainSet.imageShape);
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let u = 0;
  while (bytes >= 1000 && u < units.length - 1) [bytes, u] = [bytes / 1000, u + 1];
  return u === 0 ? `${bytes} bytes` : `${Number(bytes.toPrecision(2))} ${units[u]}`;
}

/** Settings that are allowed but probably not meant: each a one-line warning. */
export function runWarnings(config: Config, trainSet: Dataset): string[] {
  const warnings: string[] = [];
  const { batchSize, sampling } = config.data;
  if (sampling === 'epoch' && batchSize > trainSet.count) {
    warnings.push(`data.batchSize ${batchSize} is larger than the ${trainSet.count} training samples: each epoch is one batch of ${trainSet.count}`);
  }
  const { schedule, learningRate } = config.training;
  if (schedule.type === 'cosine' && schedule.minLr !== undefined && schedule.minLr > learningRate) {
    warnings.push(`training.schedule.minLr ${schedule.minLr} is above the learning rate ${learningRate}: the rate will climb, not decay`);
  }
  if ((schedule.type === 'exponential' || schedule.type === 'step') && schedule.gamma > 1) {
    warnings.push(`training.schedule.gamma ${schedule.gamma} is above 1: the learning rate grows every ${schedule.type === 'step' ? `${schedule.every} epochs` : 'epoch'}`);
  }
  return warnings;
}
