import type { Kernels } from '../core/kernels';
import { AdaGrad } from './adagrad';
import { Adam } from './adam';
import { Momentum } from './momentum';
import { Nesterov } from './nesterov';
import type { Optimizer } from './optimizer';
import { RmsProp } from './rmsprop';
import { Sgd } from './sgd';

/** An optimizer as a config names it; omitted hyper-parameters take the book's defaults. */
export type OptimizerSpec =
  | { type: 'sgd' }
  | { type: 'momentum'; momentum?: number }
  | { type: 'nesterov'; momentum?: number }
  | { type: 'adagrad'; eps?: number }
  | { type: 'rmsprop'; decay?: number; eps?: number }
  | { type: 'adam'; beta1?: number; beta2?: number; eps?: number };

export const optimizerTypes = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const satisfies readonly OptimizerSpec['type'][];

/** The learning rate each optimizer's class in the book's common/optimizer.py defaults to. */
export const defaultLearningRates: Record<OptimizerSpec['type'], number> = {
  sgd: 0.01,
  momentum: 0.01,
  nesterov: 0.01,
  adagrad: 0.01,
  rmsprop: 0.01,
  adam: 0.001,
};

/**
 * The optimizer a spec names. `kernels`, the backend the params were allocated by, does every
 * optimizer's update there (e.g. in WebAssembly SIMD), in state buffers of its memory.
 */
export function createOptimizer(spec: OptimizerSpec, kernels?: Kernels): Optimizer {
  for (const key of ['momentum', 'decay', 'beta1', 'beta2'] as const) {
    const value = (spec as Record<string, unknown>)[key];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value < 1)) {
      throw new RangeError(`${spec.type} optimizer: ${key} must be in [0, 1), got ${String(value)}`);
    }
  }
  const eps = (spec as { eps?: unknown }).eps;
  if (eps !== undefined && !(typeof eps === 'number' && eps > 0)) throw new RangeError(`${spec.type} optimizer: eps must be positive, got ${String(eps)}`);
  switch (spec.type) {
    case 'sgd':
      return new Sgd(kernels);
    case 'momentum':
      return new Momentum(spec.momentum, kernels);
    case 'nesterov':
      return new Nesterov(spec.momentum, kernels);
    case 'adagrad':
      return new AdaGrad(spec.eps, kernels);
    case 'rmsprop':
      return new RmsProp(spec.decay, spec.eps, kernels);
    case 'adam':
      return new Adam(spec.beta1, spec.beta2, spec.eps, kernels);
    default:
      throw new Error(`unknown optimizer type ${(spec as { type: unknown }).type} (expected one of ${optimizerTypes.join(', ')})`);
  }
}
