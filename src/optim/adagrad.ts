import { BufferedOptimizer } from './optimizer';

/**
 * AdaGrad: h ← h + g²; w ← w − lr·g / (√h + ε). Each weight's step shrinks with the sum
 * of its squared gradients so far. ε (the book's 1e−7) keeps the first division finite.
 */
export class AdaGrad extends BufferedOptimizer {
  readonly name = 'adagrad';
  protected readonly bufferNames = ['h'] as const;

  constructor(readonly eps = 1e-7) {
    super();
  }

  protected update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void {
    const h = buffers[0];
    const eps = this.eps;
    for (let i = 0; i < w.length; i++) {
      h[i] += g[i] * g[i];
      w[i] -= (lr * g[i]) / (Math.sqrt(h[i]) + eps);
    }
  }
}
