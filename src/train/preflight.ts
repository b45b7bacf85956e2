import { totalmem } from 'node:os';
import type { Dataset } from '../data/dataset';
import { UserError } from '../errors';
import type { Config } from '../io/config-schema';

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
 * backward. Refuses, naming the field and the size, before anything is allocated.
 */
export function checkNetworkMemory(config: Config, inputSize: number, batchRows: number, where: string): void {
  let width = inputSize;
  let widths = inputSize;
  let total = 0;
  let largest = { bytes: 0, field: '', what: '' };
  config.layers.forEach((layer, i) => {
    if (layer.type !== 'affine') {
      widths += width;
      return;
    }
    const bytes = 8 * 4 * (width * layer.units + layer.units);
    total += bytes;
    const field = width > layer.units && i === 0 && config.inputSize !== undefined ? 'inputSize' : `layers[${i}].units`;
    const value = field === 'inputSize' ? width : layer.units;
    if (bytes > largest.bytes) largest = { bytes, field, what: `${value} ${field === 'inputSize' ? 'inputs' : 'units'} need ${formatBytes(bytes)} for weights, gradients and optimizer state` };
    width = layer.units;
    widths += width;
  });
  const activations = 8 * 2 * batchRows * widths;
  if (activations > largest.bytes) largest = { bytes: activations, field: 'data.batchSize', what: `${batchRows} samples a batch need ${formatBytes(activations)} of activations` };
  total += activations;
  const limit = memoryLimit(config.training.backend);
  if (!(total <= limit)) {
    throw new UserError(`${where}: ${largest.field}: ${largest.what} (${formatBytes(total)} in all), more than the ${formatBytes(limit)} nnt can use here`);
  }
}

/** The rows a training batch holds: epoch sampling never makes a batch larger than the data. */
export function checkRunMemory(config: Config, trainSet: Dataset, where: string): void {
  const { batchSize, sampling } = config.data;
  checkNetworkMemory(config, trainSet.sampleSize, sampling === 'random' ? batchSize : Math.min(batchSize, trainSet.count), where);
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
