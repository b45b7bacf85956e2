import type { Kernels } from '../core/kernels';
import type { Tensor } from '../core/tensor';
import { reuse, type Layer, type Param } from './layer';

/** y = max(0, x). Forward caches the mask of x > 0; backward lets the gradient through only there. */
export class Relu implements Layer {
  private mask = new Uint8Array(0);
  private out?: Tensor;
  private dx?: Tensor;

  constructor(
    readonly name: string,
    private readonly kernels: Kernels,
  ) {}

  forward(x: Tensor): Tensor {
    const n = x.data.length;
    const out = (this.out = reuse(this.kernels, this.out, x.shape));
    if (this.mask.length !== n) this.mask = new Uint8Array(n);
    const xs = x.data, ys = out.data, mask = this.mask;
    for (let i = 0; i < n; i++) {
      const positive = xs[i] > 0;
      mask[i] = positive ? 1 : 0;
      ys[i] = positive ? xs[i] : 0;
    }
    return out;
  }

  backward(dout: Tensor): Tensor {
    const dx = (this.dx = reuse(this.kernels, this.dx, dout.shape));
    const d = dout.data, g = dx.data, mask = this.mask;
    for (let i = 0; i < g.length; i++) g[i] = mask[i] ? d[i] : 0;
    return dx;
  }

  params(): Param[] {
    return [];
  }

  kinkSides(): Uint8Array {
    return this.mask;
  }
}
