import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
import { BufferedOptimizer } from './optimizer';

/**
 * Nesterov's accelerated gradient in the reformulation of Bengio et al. (2012,
 * arXiv:1212.0901), which needs the gradient only at the current weights, not at the
 * look-ahead point:
 *
 *   v ← μ·v − lr·g;   w ← w + μ·v − lr·g
 *
 * Substituting the new v gives w ← w + μ²·v_old − (1 + μ)·lr·g, which is exactly what the
 * book's common/optimizer.py does (it updates w from the old v first, then v), so the two
 * produce the same numbers. It is also PyTorch's SGD(nesterov=True), with lr inside v.
 */
export class Nesterov extends BufferedOptimizer {
  readonly name = 'nesterov';
  protected readonly bufferNames = ['v'] as const;

  /** The update, for the kernels (Kernels.updateWeights); changed in place, so a step allocates nothing. */
  private readonly rule = { kind: 'nesterov' as const, mu: 0, lr: 0 };

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
