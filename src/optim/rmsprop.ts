import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
import { BufferedOptimizer } from './optimizer';

/**
 * RMSprop: h ← ρ·h + (1 − ρ)·g²; w ← w − lr·g / (√h + ε). Like AdaGrad, but old squared
 * gradients fade (ρ is the book's decay_rate, 0.99), so the steps do not shrink to nothing.
 */
export class RmsProp extends BufferedOptimizer {
  readonly name = 'rmsprop';
  protected readonly bufferNames = ['h'] as const;

  /** The update, for the kernels (Kernels.updateWeights); changed in place, so a step allocates nothing. */
  private readonly rule = { kind: 'rmsprop' as const, rho: 0, lr: 0, eps: 0 };

  constructor(
    readonly decay = 0.99,
    readonly eps = 1e-7,
    kernels: Kernels = tsKernels,
  ) {
    super(kernels);
    this.rule.rho = decay;
    this.rule.eps = eps;
  }

  protected update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void {
    this.rule.lr = lr;
    this.kernels.updateWeights(this.rule, w, g, buffers[0], buffers[0], w.length);
  }
}
