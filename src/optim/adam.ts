import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
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
  /** The update, for the kernels (Kernels.updateWeights); changed in place, so a step allocates nothing. */
  private readonly rule = { kind: 'adam' as const, b1: 0, b2: 0, c1: 1, c2: 1, lr: 0, eps: 0 };

  constructor(
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
    kernels: Kernels = tsKernels,
  ) {
    super(kernels);
    Object.assign(this.rule, { b1: beta1, b2: beta2, eps });
  }

  protected override beginStep(): void {
    this.rule.c1 = 1 - Math.pow(this.beta1, this.t);
    this.rule.c2 = 1 - Math.pow(this.beta2, this.t);
  }

  protected update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void {
    this.rule.lr = lr;
    this.kernels.updateWeights(this.rule, w, g, buffers[0], buffers[1], w.length);
  }
}
