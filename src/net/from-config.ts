import type { Kernels } from '../core/kernels';
import { Rng } from '../core/rng';
import { UserError } from '../errors';
import type { Config } from '../io/config-schema';
import { buildNetwork, type NetworkSpec } from './build';
import type { Network } from './network';

/** The network spec a config describes, once the data has said how wide a sample is. */
export function networkSpec(config: Config, dataInputSize: number): NetworkSpec {
  return { inputSize: config.inputSize ?? dataInputSize, layers: config.layers, init: config.init };
}

/**
 * Builds the config's network for data with `inputSize` inputs and `classes` classes, with
 * initial weights drawn from the seed's 'init' stream. Shape mismatches with the data are
 * user errors, named after the config field.
 */
export function networkFromConfig(config: Config, inputSize: number, classes: number, kernels: Kernels, where: string): Network {
  return buildFromConfig(config, inputSize, classes, kernels, where).network;
}

/**
 * The same, with the generator that drew the initial weights and goes on to draw the dropout
 * masks: a trainer keeps it, and saves its state in checkpoints so a resumed run draws the
 * same masks.
 */
export function buildFromConfig(config: Config, inputSize: number, classes: number, kernels: Kernels, where: string): { network: Network; rng: Rng } {
  if (config.inputSize !== undefined && config.inputSize !== inputSize) {
    throw new UserError(`${where}: inputSize is ${config.inputSize}, but the data has ${inputSize} values per sample`);
  }
  const last = config.layers[config.layers.length - 1];
  if (last.type === 'affine' && last.units !== classes) {
    throw new UserError(`${where}: layers[${config.layers.length - 1}].units is ${last.units}, but the data has ${classes} classes`);
  }
  const rng = Rng.stream(config.training.seed, 'init');
  return { network: buildNetwork(networkSpec(config, inputSize), kernels, rng), rng };
}
