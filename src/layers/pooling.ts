import { outHeight, outWidth, type Window } from '../core/im2col';
import type { Kernels } from '../core/kernels';
import type { Tensor } from '../core/tensor';
import { checkInput, type ImageShape } from './convolution';
import { reuse, type Layer, type Param } from './layer';

export type PoolMode = 'max' | 'avg';

/**
 * The book's Pooling layer: each channel of each image is cut into FH×FW windows (moved by
 * `stride`), and each window gives one output, its maximum (or, with mode avg, its mean).
 *
 *   max forward:  out = the window's largest input; argmax remembers which one it was
 *   max backward: that input gets the output's gradient, the others 0 (ties: the first)
 *   avg backward: each input of the window gets dout / (FH·FW)
 *
 * The book finds the maxima as the row maxima of im2col's matrix; the kernels do the same
 * directly on the image (im2col.ts), with the same result and no FH·FW-fold copy.
 */
export class Pooling implements Layer {
  private g?: Window;
  private argmax: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private out?: Tensor;
  private dx?: Tensor;

  constructor(
    readonly name: string,
    readonly inputShape: ImageShape,
    readonly size: [fh: number, fw: number],
    readonly stride: number,
    readonly pad: number,
    readonly mode: PoolMode,
    private readonly kernels: Kernels,
  ) {}

  get outputShape(): ImageShape {
    const g = this.window(1);
    return [this.inputShape[0], outHeight(g), outWidth(g)];
  }

  forward(x: Tensor): Tensor {
    const n = x.shape[0];
    checkInput(this.name, x, this.inputShape);
    const g = (this.g = this.window(n));
    const out = (this.out = reuse(this.kernels, this.out, [n, ...this.outputShape]));
    if (this.mode === 'avg') {
      this.kernels.avgPoolForward(x.data, out.data, g);
    } else {
      if (this.argmax.length < out.data.length) this.argmax = this.kernels.allocIndices(out.data.length);
      this.kernels.maxPoolForward(x.data, out.data, this.argmax, g);
    }
    return out;
  }

  backward(dout: Tensor): Tensor {
    const g = this.g!;
    const dx = (this.dx = reuse(this.kernels, this.dx, [g.n, ...this.inputShape]));
    if (this.mode === 'avg') this.kernels.avgPoolBackward(dout.data, dx.data, g);
    else this.kernels.maxPoolBackward(dout.data, this.argmax, dx.data, g);
    return dx;
  }

  params(): Param[] {
    return [];
  }

  /**
   * For the gradient check: a max pool's kinks are where the maximum changes hands (two
   * inputs of a window within h of each other). The "sides" are the argmax of every output,
   * as bytes: a nudge that changes any of them crossed a kink. Average pooling has none.
   */
  kinkSides(): Uint8Array {
    if (this.mode === 'avg' || !this.out) return new Uint8Array(0);
    return new Uint8Array(this.argmax.slice(0, this.out.data.length).buffer);
  }

  private window(n: number): Window {
    const [c, h, w] = this.inputShape;
    return { n, c, h, w, fh: this.size[0], fw: this.size[1], stride: this.stride, pad: this.pad };
  }
}
