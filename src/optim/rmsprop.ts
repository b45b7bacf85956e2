import { BufferedOptimizer } from './optimizer';

/**
 * RMSprop: h ← ρ·h + (1 − ρ)·g²; w ← w − lr·g / (√h + ε). Like AdaGrad, but old squared
 * gradients fade (ρ is the book's decay_rate, 0.99), so the steps do not shrink to nothing.
 */
export class RmsProp extends BufferedOptimizer {
  readonly name = 'rmsprop';
  protected readonly bufferNames = ['h'] as const;

  constructor(
    readonly decay = 0.99,
    readonly eps = 1e-7,
  ) {
    super();
  }

  protected update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void {
    const h = buffers[0];
    const rho = this.decay, eps = this.eps;
    for (let i = 0; i < w.length; i++) {
      h[i] = rho * h[i] + (1 - rho) * g[i] * g[i];
      w[i] -= (lr * g[i]) / (Math.sqrt(h[i]) + eps);
    }
  }
}
