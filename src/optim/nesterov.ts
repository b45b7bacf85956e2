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

  constructor(readonly momentum = 0.9) {
    super();
  }

  protected update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void {
    const v = buffers[0];
    const mu = this.momentum;
    for (let i = 0; i < w.length; i++) {
      v[i] = mu * v[i] - lr * g[i];
      w[i] += mu * v[i] - lr * g[i];
    }
  }
}
