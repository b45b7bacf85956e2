import type { Kernels } from '../core/kernels';
import type { Tensor } from '../core/tensor';
import { reuse, type Layer, type Param } from './layer';

/** y = 1 / (1 + e^−x). Forward caches its output y, since dy/dx = y·(1 − y). */
export class Sigmoid implements Layer {
  private out?: Tensor;
  private dx?: Tensor;

  constructor(
    readonly name: string,
    private readonly kernels: Kernels,
  ) {}

  forward(x: Tensor): Tensor {
    const out = (this.out = reuse(this.kernels, this.out, x.shape));
    // y_i = 1 / (1 + e^−x_i) (tsKernels.sigmoidForward).
    this.kernels.sigmoidForward(x.data, out.data, x.data.length);
    return out;
  }

  backward(dout: Tensor): Tensor {
    const dx = (this.dx = reuse(this.kernels, this.dx, dout.shape));
    // dx_i = dout_i·(1 − y_i)·y_i (tsKernels.sigmoidBackward).
    this.kernels.sigmoidBackward(this.out!.data, dout.data, dx.data, dx.data.length);
    return dx;
  }

  params(): Param[] {
    return [];
  }
}
