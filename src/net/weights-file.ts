import { basename } from 'node:path';
import { UserError } from '../errors';
import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
import type { Config } from '../io/config-schema';
import { loadInto, readWeights, saveWeights, weightsDocument, type WeightsDocument } from '../io/weights';
import { sizeOf } from '../core/tensor';
import { Convolution } from '../layers/convolution';
import { networkFromConfig } from './from-config';
import type { Network } from './network';

// The weights file for whole networks: io reads and writes documents, net builds the network.

/**
 * Saves a network with the config that built it, in the weights file format: enough on its
 * own to rebuild and use the network (`loadWeights`). The input width and the number of
 * classes are read from the network unless given.
 */
export function writeWeights(file: string, network: Network, config: Config, options: { inputSize?: number; classes?: number; metrics?: unknown } = {}): void {
  const shape = networkShape(network);
  const first = network.layers[0];
  const image = first instanceof Convolution ? first.inputShape : undefined;
  saveWeights(file, weightsDocument(network, config, options.inputSize ?? shape.inputSize, options.classes ?? shape.classes, options.metrics ?? null, image));
}

/** Reads a weights file and rebuilds its network with the saved values (reference kernels unless given). */
export function loadWeights(file: string, kernels: Kernels = tsKernels): { network: Network; config: Config; document: WeightsDocument } {
  const document = readWeights(file);
  const network = networkFromConfig(document.config, document.inputSize, document.classes, kernels, basename(file), document.inputShape);
  loadInto(network, document, file);
  return { network, config: document.config, document };
}

/**
 * A network's input width and number of outputs, from its parameters: the first weight
 * matrix (or batch-norm scale) takes the input, unless the first layer is a convolution (its
 * images' size); the last weight matrix gives the classes.
 */
export function networkShape(network: Network): { inputSize: number; classes: number } {
  const params = network.params();
  const conv = network.layers[0] instanceof Convolution ? network.layers[0] : undefined;
  const first = params[0];
  const last = [...params].reverse().find((p) => p.shape.length === 2);
  if (!first || !last) throw new UserError('the network has no weight matrix: its input width and classes are unknown');
  return { inputSize: conv ? sizeOf(conv.inputShape) : first.shape[0], classes: last.shape[1] };
}
