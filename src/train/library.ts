import type { Kernels } from '../core/kernels';
import { createKernels } from '../core/backend';
import type { Dataset } from '../data/dataset';
import { networkShape } from '../net/weights-file';
import type { Network } from '../net/network';
import { Evaluator, type Evaluation } from './evaluate';
import { train as runTraining, type TrainOutcome, type TrainSetup } from './trainer';

/** What `train` needs: a validated config; the rest is optional. */
export type TrainOptions = Omit<TrainSetup, 'kernels' | 'where'> & {
  /** The kernels to train with (default: the config's training.backend and threads). */
  kernels?: Kernels;
  /** Names the config in error messages (default: the config's name). */
  where?: string;
};

/**
 * Trains a network from a config, as `nnt train` does: same data, seed, files (weights,
 * metrics and checkpoint at config.output.weights) and events (start, batch, epoch).
 * The outcome's network is the trained one, ready for `predict` or `writeWeights`.
 */
export function train(options: TrainOptions): Promise<TrainOutcome> {
  const { config } = options;
  const kernels = options.kernels ?? createKernels(config.training.backend, { threads: config.training.threads });
  return runTraining({ ...options, kernels, where: options.where ?? config.name ?? 'config' });
}

/** Accuracy, loss, confusion matrix and predictions of a network on a dataset. */
export function evaluate(network: Network, dataset: Dataset): Evaluation {
  return new Evaluator(dataset, networkShape(network).classes).evaluate(network);
}
