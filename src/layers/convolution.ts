import { colShape, outHeight, outWidth, type Window } from '../core/im2col';
import type { Kernels } from '../core/kernels';
import { sizeOf, type Tensor } from '../core/tensor';
import { makeParam, reuse, type Layer, type Param } from './layer';

/** The shape of one image: channels, height, width. */
export type ImageShape = [c: number, h: number, w: number];

const noGradient: Tensor = { data: new Float64Array(0), shape: [0] };

/**
 * The book's Convolution layer (common/layers.py), on im2col: with W the FN filters as rows
 * (FN × C·FH·FW) and col the windows of the batch as rows ((N·OH·OW) × C·FH·FW),
 *
 *   forward:  out = col · Wᵀ + b       ((N·OH·OW) × FN, then each image's block transposed to FN × OH·OW)
 *   backward: db = column sums of dout, dW = doutᵀ · col, dcol = dout · W, dx = col2im(dcol)
 *
 * which is the Affine layer's algebra with col as its input. W is stored FN×C×FH×FW, b FN.
 * The input may be given flat (N × C·H·W, as batches arrive): it is read as N×C×H×W.
 */
export class Convolution implements Layer {
  /** Whether backward computes dx (col2im); the Network turns it off for a first layer, where nothing uses it. */
  computeInputGradient = true;
  readonly W: Param;
  readonly b: Param;
  /** What forward caches for backward: the batch's window geometry and its im2col matrix. */
  private g?: Window;
  private col?: Tensor;
  private product?: Tensor;
  private out?: Tensor;
  private dproduct?: Tensor;
  private dcol?: Tensor;
  private dx?: Tensor;

  constructor(
    readonly name: string,
    readonly inputShape: ImageShape,
    readonly filters: number,
    readonly size: [fh: number, fw: number],
    readonly stride: number,
    readonly pad: number,
    private readonly kernels: Kernels,
  ) {
    this.W = makeParam(kernels, `${name}.W`, [filters, inputShape[0], size[0], size[1]], true);
    this.b = makeParam(kernels, `${name}.b`, [filters], false);
  }

  /** FN × OH × OW: the shape of one output image. */
  get outputShape(): ImageShape {
    const g = this.window(1);
    return [this.filters, outHeight(g), outWidth(g)];
  }

  forward(x: Tensor): Tensor {
    const n = x.shape[0];
    checkInput(this.name, x, this.inputShape);
    const g = (this.g = this.window(n));
    const [rows, k] = colShape(g), fn = this.filters, [, oh, ow] = this.outputShape;
    const col = (this.col = reuse(this.kernels, this.col, [rows, k]));
    this.kernels.im2col(x.data, col.data, g);
    // out(r, f) = Σ_k col(r, k) · W(f, k) + b(f): row r of col against filter f.
    const product = (this.product = reuse(this.kernels, this.product, [rows, fn]));
    this.kernels.matmulTransB(col.data, this.W.value, product.data, rows, k, fn);
    this.kernels.addRowVector(product.data, this.b.value, rows, fn);
    // The book's out.reshape(N, OH, OW, FN).transpose(0, 3, 1, 2).
    const out = (this.out = reuse(this.kernels, this.out, [n, fn, oh, ow]));
    this.kernels.transposeBatch(product.data, out.data, n, oh * ow, fn);
    return out;
  }

  backward(dout: Tensor): Tensor {
    const g = this.g!, fn = this.filters;
    const [rows, k] = colShape(g), n = g.n, positions = rows / n;
    // dout.transpose(0, 2, 3, 1).reshape(-1, FN): back to one row per output position.
    const dproduct = (this.dproduct = reuse(this.kernels, this.dproduct, [rows, fn]));
    this.kernels.transposeBatch(dout.data, dproduct.data, n, fn, positions);
    this.kernels.columnSums(dproduct.data, this.b.grad, rows, fn);
    // dW(f, k) = Σ_r dout(r, f) · col(r, k).
    this.kernels.matmulTransA(dproduct.data, this.col!.data, this.W.grad, rows, fn, k);
    if (!this.computeInputGradient) return noGradient;
    // dcol(r, k) = Σ_f dout(r, f) · W(f, k); each pixel's gradient is the sum over the windows that saw it.
    const dcol = (this.dcol = reuse(this.kernels, this.dcol, [rows, k]));
    this.kernels.matmul(dproduct.data, this.W.value, dcol.data, rows, fn, k);
    const dx = (this.dx = reuse(this.kernels, this.dx, [n, ...this.inputShape]));
    this.kernels.col2im(dcol.data, dx.data, g);
    return dx;
  }

  params(): Param[] {
    return [this.W, this.b];
  }

  private window(n: number): Window {
    const [c, h, w] = this.inputShape;
    return { n, c, h, w, fh: this.size[0], fw: this.size[1], stride: this.stride, pad: this.pad };
  }
}

/** The input must hold N images of the given shape, whether it is given as N×C×H×W or flat. */
export function checkInput(name: string, x: Tensor, image: ImageShape): void {
  const n = x.shape[0];
  if (x.data.length !== n * sizeOf(image)) {
    throw new Error(`${name}: expected ${n} images of ${image.join('×')}, got shape (${x.shape.join(', ')})`);
  }
}
