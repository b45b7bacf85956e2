import { BufferedOptimizer } from './optimizer';

/**
 * Adam (Kingma & Ba, arXiv:1412.6980), with the bias correction of the paper's Algorithm 1:
 *
 *   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²
 *   m̂ = m / (1 − β1^t);      v̂ = v / (1 − β2^t);      w ← w − lr·m̂ / (√v̂ + ε)
 *
 * The book folds both corrections into lr_t = lr·√(1 − β2^t) / (1 − β1^t) and adds ε to √v
 * instead of √v̂; that is the same except for where ε enters. Here ε is added to √v̂, as in
 * the paper and PyTorch, so ε = 1e−8 means the same thing at every step.
 */
export class Adam extends BufferedOptimizer {
  readonly name = 'adam';
  protected readonly bufferNames = ['m', 'v'] as const;
  private correction1 = 1;
  private correction2 = 1;

  constructor(
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    super();
  }

  protected override beginStep(): void {
    this.correction1 = 1 - Math.pow(this.beta1, this.t);
    this.correction2 = 1 - Math.pow(this.beta2, this.t);
  }

  protected update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void {
    const m = buffers[0], v = buffers[1];
    const b1 = this.beta1, b2 = this.beta2, eps = this.eps, c1 = this.correction1, c2 = this.correction2;
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  }
}
