import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
import { BufferedOptimizer } from './optimizer';

/** Stochastic gradient descent: w ← w − lr·g. Keeps no state beyond the step count. */
export class Sgd extends BufferedOptimizer {
  readonly name = 'sgd';
  protected readonly bufferNames = [] as const;

  constructor(kernels: Kernels = tsKernels) {
    super(kernels);
  }

  protected update(w: Float64Array, g: Float64Array, _buffers: Float64Array[], lr: number): void {
    // w_i −= lr·g_i, written as w += (−lr)·g: the same bits (tsKernels.addScaled).
    this.kernels.addScaled(w, g, -lr, w.length);
  }
}
