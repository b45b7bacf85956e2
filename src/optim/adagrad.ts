import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
import { BufferedOptimizer } from './optimizer';

/**
 * AdaGrad: h ← h + g²; w ← w − lr·g / (√h + ε). Each weight's step shrinks with the sum
 * of its squared gradients so far. ε (the book's 1e−7) keeps the first division finite.
 */
export class AdaGrad extends BufferedOptimizer {
  readonly name = 'adagrad';
  protected readonly bufferNames = ['h'] as const;

  /** The update, for the kernels (Kernels.updateWeights); changed in place, so a step allocates nothing. */
  private readonly rule = { kind: 'adagrad' as const, lr: 0, eps: 0 };

  constructor(
    readonly eps = 1e-7,
    kernels: Kernels = tsKernels,
  ) {
    super(kernels);
    this.rule.eps = eps;
  }

  protected update(w: Float64Array, g: Float64Array, buffers: Float64Array[], lr: number): void {
    this.rule.lr = lr;
    this.kernels.updateWeights(this.rule, w, g, buffers[0], buffers[0], w.length);
  }
}
