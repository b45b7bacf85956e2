import type { Kernels } from '../core/kernels';
import { Rng } from '../core/rng';
import { sizeOf } from '../core/tensor';
import { UserError } from '../errors';
import type { Config } from '../io/config-schema';
import { buildNetwork, ShapeError, type NetworkSpec } from './build';
import type { Network } from './network';

/** The network spec a config describes, once the data has said how wide a sample is (and, for images, its shape). */
export function networkSpec(config: Config, dataInputSize: number, dataShape?: readonly number[]): NetworkSpec {
  const inputShape = config.inputShape ?? dataShape;
  return { inputSize: config.inputSize ?? dataInputSize, inputShape, layers: config.layers, init: config.init };
}

/**
 * Builds the config's network for data with `inputSize` inputs and `classes` classes, with
 * initial weights drawn from the seed's 'init' stream. Shape mismatches with the data are
 * user errors, named after the config field.
 */
export function networkFromConfig(
  config: Config, inputSize: number, classes: number, kernels: Kernels, where: string, sampleShape?: readonly number[],
): Network {
  return buildFromConfig(config, inputSize, classes, kernels, where, sampleShape).network;
}

/**
 * The same, with the generator that drew the initial weights and goes on to draw the dropout
 * masks: a trainer keeps it, and saves its state in checkpoints so a resumed run draws the
 * same masks.
 */
export function buildFromConfig(
  config: Config, inputSize: number, classes: number, kernels: Kernels, where: string, sampleShape?: readonly number[],
): { network: Network; rng: Rng } {
  if (config.inputSize !== undefined && config.inputSize !== inputSize) {
    throw new UserError(`${where}: inputSize is ${config.inputSize}, but the data has ${inputSize} values per sample`);
  }
  const last = config.layers[config.layers.length - 1];
  if (last.type === 'affine' && last.units !== classes) {
    throw new UserError(`${where}: layers[${config.layers.length - 1}].units is ${last.units}, but the data has ${classes} classes`);
  }
  const rng = Rng.stream(config.training.seed, 'init');
  // The shape of an image comes from the data header (an IDX file's dimensions), unless the config gives one.
  const shape = sampleShape && sizeOf(sampleShape) === inputSize ? sampleShape : undefined;
  try {
    return { network: buildNetwork(networkSpec(config, inputSize, shape), kernels, rng), rng };
  } catch (error) {
    if (error instanceof ShapeError) throw new UserError(`${where}: ${error.message}`);
    throw error;
  }
}
