import type { Kernels } from '../core/kernels';
import type { Tensor } from '../core/tensor';
import { reuse, type Layer, type Param } from './layer';

/**
 * y = max(0, x). Forward caches its output y; backward lets the gradient through only where
 * y > 0, which is exactly where x > 0: y is the book's mask and the output in one array.
 */
export class Relu implements Layer {
  /** The last forward's output y: this layer's own buffer, or the input it was written over (forwardInPlace). */
  private out?: Tensor;
  private own?: Tensor;
  private dx?: Tensor;
  private mask = new Uint8Array(0);

  constructor(
    readonly name: string,
    private readonly kernels: Kernels,
  ) {}

  forward(x: Tensor): Tensor {
    const out = (this.out = this.own = reuse(this.kernels, this.own, x.shape));
    // y_i = x_i where x_i > 0, else 0 (tsKernels.reluForward).
    this.kernels.reluForward(x.data, out.data, x.data.length);
    return out;
  }

  /** forward with y written over x (in a network pass, where the layer before does not need its output again). */
  forwardInPlace(x: Tensor): Tensor {
    this.kernels.reluForward(x.data, x.data, x.data.length);
    return (this.out = x);
  }

  backward(dout: Tensor): Tensor {
    const dx = (this.dx = reuse(this.kernels, this.dx, dout.shape));
    // dx_i = dout_i where y_i > 0, else 0 (tsKernels.reluBackward).
    this.kernels.reluBackward(this.out!.data, dout.data, dx.data, dx.data.length);
    return dx;
  }

  /** The book's backward: dout[mask] = 0, dx = dout (in a training step, where dout is not read again). */
  backwardInPlace(dout: Tensor): Tensor {
    this.kernels.reluBackward(this.out!.data, dout.data, dout.data, dout.data.length);
    return dout;
  }

  params(): Param[] {
    return [];
  }

  /** 1 where the last forward pass's input was > 0, else 0 (the mask, made when asked for). */
  kinkSides(): Uint8Array {
    const y = this.out?.data ?? new Float64Array(0);
    if (this.mask.length !== y.length) this.mask = new Uint8Array(y.length);
    for (let i = 0; i < y.length; i++) this.mask[i] = y[i] > 0 ? 1 : 0;
    return this.mask;
  }
}
