import { colShape, outHeight, outWidth, type Window } from '../core/im2col';
import type { Kernels } from '../core/kernels';
import { sizeOf, type Tensor } from '../core/tensor';
import type { InputBatch, InputForm } from '../core/input';
import { makeParam, reuse, type InputLayer, type Layer, type Param } from './layer';

/** The shape of one image: channels, height, width. */
export type ImageShape = [c: number, h: number, w: number];

/**
 * The book's Convolution layer (common/layers.py), on im2col. With W the FN filters as rows
 * (FN × C·FH·FW) and col_n the windows of image n as rows (OH·OW × C·FH·FW),
 *
 *   forward:  out_n = W · col_nᵀ + b       (FN × OH·OW: image n's output channels, N×FN×OH×OW in all)
 *   backward: db = Σ_n the row sums of dout_n,  dW = Σ_n dout_n · col_n,
 *             dcol_n = dout_nᵀ · W,  dx = col2im(dcol)
 *
 * which is the Affine layer's algebra with col as its input. The book multiplies the whole
 * batch's col at once and transposes the result to N×FN×OH×OW; taking one image at a time
 * gives that layout directly and keeps each product's operands in cache. The sums are the
 * same; only the order in which dW adds up the images differs.
 *
 * W is stored FN×C×FH×FW, b FN. The input may be given flat (N × C·H·W, as batches
 * arrive): it is read as N×C×H×W.
 */
export class Convolution implements Layer, InputLayer {
  /** As a first layer it needs every input (the windows), so its batches come dense. */
  readonly inputForm: InputForm = 'dense';
  readonly W: Param;
  readonly b: Param;
  /** What forward caches for backward: the batch's window geometry and its im2col matrix. */
  private g?: Window;
  private col?: Tensor;
  /** One image's col, for evaluation. */
  private imageCol?: Tensor;
  private out?: Tensor;
  private dcol?: Tensor;
  private dx?: Tensor;
  /** One image's share of dW, before it is added to the sum. */
  private readonly dWImage: Float64Array;

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
    this.dWImage = kernels.alloc(this.W.value.length);
  }

  /** FN × OH × OW: the shape of one output image. */
  get outputShape(): ImageShape {
    const g = this.window(1);
    return [this.filters, outHeight(g), outWidth(g)];
  }

  /**
   * In training the whole batch's col is kept for backward; in evaluation (no backward
   * follows) each image's col is made in turn in one image's room, which keeps the memory of
   * large evaluation batches down (col is FH·FW times the size of the input).
   */
  forward(x: Tensor, training = true): Tensor {
    const n = x.shape[0];
    checkInput(this.name, x, this.inputShape);
    const g = (this.g = this.window(n));
    const [rows, k] = colShape(g), fn = this.filters, [, oh, ow] = this.outputShape, p = oh * ow;
    const col = training ? (this.col = reuse(this.kernels, this.col, [rows, k])) : (this.imageCol = reuse(this.kernels, this.imageCol, [p, k]));
    if (training) this.kernels.im2col(x.data, col.data, g);
    const out = (this.out = reuse(this.kernels, this.out, [n, fn, oh, ow]));
    const pixels = sizeOf(this.inputShape);
    for (let i = 0; i < n; i++) {
      if (!training) this.kernels.im2col(x.data.subarray(i * pixels, (i + 1) * pixels), col.data, this.window(1));
      const colImage = training ? col.data.subarray(i * p * k, (i + 1) * p * k) : col.data;
      // out_i(f, r) = Σ_k W(f, k) · col_i(r, k): filter f against the window of position r.
      const outImage = out.data.subarray(i * fn * p, (i + 1) * fn * p);
      this.kernels.matmulTransB(this.W.value, colImage, outImage, fn, k, p);
      addToRows(outImage, this.b.value, fn, p);
    }
    return out;
  }

  /** As the network's first layer: the batch (dense N × C·H·W) read as N×C×H×W. */
  forwardInput(x: InputBatch, training: boolean): Tensor {
    return this.forward(x.tensor(), training);
  }

  /** As the network's first layer: dW and db only; dx (col2im) would be the gradient of the data, which nothing uses. */
  backwardInput(dout: Tensor): void {
    this.paramGradients(dout);
  }

  backward(dout: Tensor): Tensor {
    this.paramGradients(dout);
    const g = this.g!, fn = this.filters, n = g.n;
    const [rows, k] = colShape(g), p = rows / n;
    // dcol_i(r, k) = Σ_f dout_i(f, r) · W(f, k); then each pixel's gradient is the sum over the windows that saw it.
    const dcol = (this.dcol = reuse(this.kernels, this.dcol, [rows, k]));
    for (let i = 0; i < n; i++) {
      const doutImage = dout.data.subarray(i * fn * p, (i + 1) * fn * p);
      this.kernels.matmulTransA(doutImage, this.W.value, dcol.data.subarray(i * p * k, (i + 1) * p * k), fn, p, k);
    }
    const dx = (this.dx = reuse(this.kernels, this.dx, [n, ...this.inputShape]));
    this.kernels.col2im(dcol.data, dx.data, g);
    return dx;
  }

  private paramGradients(dout: Tensor): void {
    const g = this.g!, fn = this.filters, n = g.n;
    const [rows, k] = colShape(g), p = rows / n;
    const col = this.col!.data, dW = this.W.grad, db = this.b.grad;
    dW.fill(0);
    db.fill(0);
    for (let i = 0; i < n; i++) {
      const doutImage = dout.data.subarray(i * fn * p, (i + 1) * fn * p);
      // dW(f, k) += Σ_r dout_i(f, r) · col_i(r, k); db(f) += Σ_r dout_i(f, r).
      this.kernels.matmul(doutImage, col.subarray(i * p * k, (i + 1) * p * k), this.dWImage, fn, p, k);
      this.kernels.addScaled(dW, this.dWImage, 1, dW.length);
      addRowSums(doutImage, db, fn, p);
    }
  }

  params(): Param[] {
    return [this.W, this.b];
  }

  private window(n: number): Window {
    const [c, h, w] = this.inputShape;
    return { n, c, h, w, fh: this.size[0], fw: this.size[1], stride: this.stride, pad: this.pad };
  }
}

/** x (rows×cols) += v(r) on every entry of row r: a bias per output channel. */
function addToRows(x: Float64Array, v: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const bias = v[r];
    for (let j = r * cols; j < (r + 1) * cols; j++) x[j] += bias;
  }
}

/** sums(r) += Σ_j x(r, j). */
function addRowSums(x: Float64Array, sums: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = r * cols; j < (r + 1) * cols; j++) s += x[j];
    sums[r] += s;
  }
}

/** The input must hold N images of the given shape, whether it is given as N×C×H×W or flat. */
export function checkInput(name: string, x: Tensor, image: ImageShape): void {
  const n = x.shape[0];
  if (x.data.length !== n * sizeOf(image)) {
    throw new Error(`${name}: expected ${n} images of ${image.join('×')}, got shape (${x.shape.join(', ')})`);
  }
}
