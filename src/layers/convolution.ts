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
 *             dcol_n = dout_nᵀ · W,  dx_n = col2im(dcol_n)
 *
 * which is the Affine layer's algebra with col as its input. The book makes the whole batch's
 * col at once, multiplies it and transposes the result to N×FN×OH×OW; taking one image at a
 * time gives that layout directly and keeps each product's operands in cache. The sums are
 * the same; only the order in which dW adds up the images differs.
 *
 * The book's forward caches col for backward. Here forward caches x, and backward makes each
 * image's col again: col is FH·FW times the size of x (11 MB for a batch of SimpleConvNet),
 * and one image's col is made in far less time than its products take. Forward makes col_nᵀ
 * directly (the kernels' im2colTransposed), so that W · col_nᵀ needs no transpose.
 *
 * W is stored FN×C×FH×FW, b FN. The input may be given flat (N × C·H·W, as batches
 * arrive): it is read as N×C×H×W.
 */
export class Convolution implements Layer, InputLayer {
  /** Backward reads the cached input, not the output: the next layer may write over it (Layer.outputFree). */
  readonly outputFree = true;
  /** As a first layer it needs every input (the windows), so its batches come dense. */
  readonly inputForm: InputForm = 'dense';
  readonly W: Param;
  readonly b: Param;
  /** What forward caches for backward: the input and the batch's window geometry. */
  private x?: Tensor;
  private g?: Window;
  /** One image's im2col matrix (OH·OW × C·FH·FW; in forward, its transpose), and its gradient. */
  private col?: Tensor;
  private dcol?: Tensor;
  private out?: Tensor;
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

  forward(x: Tensor): Tensor {
    const n = x.shape[0];
    checkInput(this.name, x, this.inputShape);
    this.x = x;
    this.g = this.window(n);
    const one = this.window(1), [p, k] = colShape(one), fn = this.filters, [, oh, ow] = this.outputShape;
    const out = (this.out = reuse(this.kernels, this.out, [n, fn, oh, ow]));
    const pixels = sizeOf(this.inputShape);
    const colT = (this.col = reuse(this.kernels, this.col, [k, p])).data;
    for (let i = 0; i < n; i++) {
      // col_iᵀ (C·FH·FW × OH·OW) made as such, so W · col_iᵀ is a plain product.
      this.kernels.im2colTransposed(x.data.subarray(i * pixels, (i + 1) * pixels), colT, one);
      // out_i(f, r) = Σ_k W(f, k) · col_i(r, k): filter f against the window of position r.
      const outImage = out.data.subarray(i * fn * p, (i + 1) * fn * p);
      this.kernels.matmul(this.W.value, colT, outImage, fn, k, p);
      addToRows(outImage, this.b.value, fn, p);
    }
    return out;
  }

  /** As the network's first layer: the batch (dense N × C·H·W) read as N×C×H×W. */
  forwardInput(x: InputBatch, training: boolean): Tensor {
    return this.forward(x.tensor());
  }

  /** As the network's first layer: dW and db only; dx (col2im) would be the gradient of the data, which nothing uses. */
  backwardInput(dout: Tensor): void {
    this.gradients(dout, false);
  }

  backward(dout: Tensor): Tensor {
    const g = this.g!;
    this.dx = reuse(this.kernels, this.dx, [g.n, ...this.inputShape]);
    this.gradients(dout, true);
    return this.dx;
  }

  /** dW, db, and with `withDx` dx, image by image. */
  private gradients(dout: Tensor, withDx: boolean): void {
    const g = this.g!, fn = this.filters, n = g.n;
    const one = this.window(1), [p, k] = colShape(one), pixels = sizeOf(this.inputShape);
    const dW = this.W.grad, db = this.b.grad;
    dW.fill(0);
    db.fill(0);
    const dcol = withDx ? (this.dcol = reuse(this.kernels, this.dcol, [p, k])).data : undefined;
    for (let i = 0; i < n; i++) {
      const col = this.imageCol(i);
      const doutImage = dout.data.subarray(i * fn * p, (i + 1) * fn * p);
      // dW(f, k) += Σ_r dout_i(f, r) · col_i(r, k); db(f) += Σ_r dout_i(f, r).
      this.kernels.matmul(doutImage, col, this.dWImage, fn, p, k);
      this.kernels.addScaled(dW, this.dWImage, 1, dW.length);
      addRowSums(doutImage, db, fn, p);
      if (!dcol) continue;
      // dcol_i(r, k) = Σ_f dout_i(f, r) · W(f, k); then each pixel's gradient is the sum over the windows that saw it.
      this.kernels.matmulTransA(doutImage, this.W.value, dcol, fn, p, k);
      this.kernels.col2im(dcol, this.dx!.data.subarray(i * pixels, (i + 1) * pixels), one);
    }
  }

  /** Image i of the cached input as its im2col matrix, in the one image's room `col`. */
  private imageCol(i: number): Float64Array {
    const one = this.window(1), pixels = sizeOf(this.inputShape);
    const col = (this.col = reuse(this.kernels, this.col, colShape(one)));
    this.kernels.im2col(this.x!.data.subarray(i * pixels, (i + 1) * pixels), col.data, one);
    return col.data;
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
