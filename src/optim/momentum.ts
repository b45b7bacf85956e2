import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
import { BufferedOptimizer } from './optimizer';

/**
 * Momentum SGD, as the book writes it: v ← μ·v − lr·g; w ← w + v.
 * The velocity v already includes the learning rate, so a schedule that changes lr
 * changes only the newest gradient's share of it.
 */
export class Momentum extends BufferedOptimizer {
  readonly name = 'momentum';
  protected readonly bufferNames = ['v'] as const;

  /** The update, for the kernels (Kernels.updateWeights); changed in place, so a step allocates nothing. */
  private readonly rule = { kind: 'momentum' as const, mu: 0, lr: 0 };

  constructor(
    readonly momentum = 0.9,
    kernels: Kernels = tsKernels,
  ) {
    super(kernels);
    this.rule.mu = momentum;
  }

  protected update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void {
    this.rule.lr = lr;
    this.kernels.updateWeights(this.rule, w, g, buffers[0], buffers[0], w.length);
  }
}
