import { BufferedOptimizer } from './optimizer';

/**
 * Momentum SGD, as the book writes it: v ← μ·v − lr·g; w ← w + v.
 * The velocity v already includes the learning rate, so a schedule that changes lr
 * changes only the newest gradient's share of it.
 */
export class Momentum extends BufferedOptimizer {
  readonly name = 'momentum';
  protected readonly bufferNames = ['v'] as const;

  constructor(readonly momentum = 0.9) {
    super();
  }

  protected update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void {
    const v = buffers[0];
    const mu = this.momentum;
    for (let i = 0; i < w.length; i++) {
      v[i] = mu * v[i] - lr * g[i];
      w[i] += v[i];
    }
  }
}
