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
    const xs = x.data, ys = out.data;
    for (let i = 0; i < xs.length; i++) ys[i] = 1 / (1 + Math.exp(-xs[i]));
    return out;
  }

  backward(dout: Tensor): Tensor {
    const y = this.out!.data;
    const dx = (this.dx = reuse(this.kernels, this.dx, dout.shape));
    const d = dout.data, g = dx.data;
    for (let i = 0; i < g.length; i++) g[i] = d[i] * (1 - y[i]) * y[i];
    return dx;
  }

  params(): Param[] {
    return [];
  }
}
