import type { Kernels } from '../core/kernels';
import type { Rng } from '../core/rng';
import type { Tensor } from '../core/tensor';
import { reuse, type Layer, type Param } from './layer';

/**
 * Dropout: in training, each unit is zeroed with probability `ratio`, afresh for every
 * forward pass; backward lets the gradient through only where the unit was kept.
 *
 * This is inverted dropout: kept units are scaled by 1/(1 − ratio) in training, and
 * evaluation is the identity. The book's Dropout instead leaves kept units as they are and
 * multiplies by (1 − ratio) at evaluation. Both give every unit the same expected value in
 * both modes; scaling in training means a trained network's weights mean the same with or
 * without the layer, so evaluation, `nnt predict` and exported weights need to know
 * nothing about dropout.
 */
export class Dropout implements Layer {
  /** 1/(1 − ratio) where the unit is kept, 0 where it is dropped: the factor forward applied. */
  private mask: Float64Array = new Float64Array(0);
  private held = false;
  /** Whether the last forward was in training; backward after an evaluation pass is the identity's. */
  private trained = false;
  private out?: Tensor;
  private dx?: Tensor;

  constructor(
    readonly name: string,
    readonly ratio: number,
    private readonly kernels: Kernels,
    private readonly rng: Rng,
  ) {
    if (!(ratio >= 0 && ratio < 1)) throw new RangeError(`${name}: dropout ratio must be in [0, 1), got ${ratio}`);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const n = x.data.length;
    const out = (this.out = reuse(this.kernels, this.out, x.shape));
    const xs = x.data, ys = out.data;
    this.trained = training;
    if (!training) {
      ys.set(xs);
      return out;
    }
    if (!this.held || this.mask.length !== n) this.drawMask(n);
    // y_i = x_i·mask_i (tsKernels.applyMask).
    this.kernels.applyMask(xs, this.mask, ys, n);
    return out;
  }

  backward(dout: Tensor): Tensor {
    const dx = (this.dx = reuse(this.kernels, this.dx, dout.shape));
    const d = dout.data, g = dx.data;
    if (!this.trained) {
      g.set(d);
      return dx;
    }
    // dx_i = dout_i·mask_i: through where the unit was kept, scaled as forward scaled it.
    this.kernels.applyMask(d, this.mask, g, g.length);
    return dx;
  }

  params(): Param[] {
    return [];
  }

  holdRandomness(hold: boolean): void {
    this.held = hold;
  }

  private drawMask(n: number): void {
    if (this.mask.length !== n) this.mask = this.kernels.alloc(n);
    const mask = this.mask, ratio = this.ratio, keep = 1 / (1 - ratio);
    if (ratio === 0) {
      mask.fill(1); // draws nothing, so ratio 0 leaves the rng's sequence as without the layer
      return;
    }
    for (let i = 0; i < n; i++) mask[i] = this.rng.uniform() >= ratio ? keep : 0;
  }
}
