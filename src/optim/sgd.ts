import { BufferedOptimizer } from './optimizer';

/** Stochastic gradient descent: w ← w − lr·g. Keeps no state beyond the step count. */
export class Sgd extends BufferedOptimizer {
  readonly name = 'sgd';
  protected readonly bufferNames = [] as const;

  protected update(w: Float64Array, g: Float64Array, _buffers: Float64Array[], lr: number): void {
    for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
  }
}
