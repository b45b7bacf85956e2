import type { Kernels } from '../core/kernels';
import { isSparse, type SparseMatrix } from '../core/sparse';
import { asMatrix, shapeString, type Tensor } from '../core/tensor';
import { makeParam, reuse, type Layer, type Param } from './layer';

const noGradient: Tensor = { data: new Float64Array(0), shape: [0] };

/**
 * The fully connected layer on a batch: out = X·W + b, with X (N×D), W (D×M), b (M).
 *
 *   dX = dY·Wᵀ   (N×M · M×D = N×D, the shape of X)
 *   dW = Xᵀ·dY   (D×N · N×M = D×M, the shape of W)
 *   db = the column sums of dY (b was added to every row)
 *
 * An input of higher rank (e.g. N×1×28×28 images) is read as N×D; dX gets the input's shape back.
 * The input may also be sparse (a batch of images as lists of their nonzero pixels, see
 * SparseMatrix): X·W and Xᵀ·dY then skip its zeros, with the same result.
 */
export class Affine implements Layer {
  /**
   * Whether backward computes dX. The Network turns it off for its first layer: there dX
   * would be the gradient with respect to the data, which nothing uses, and dY·Wᵀ into the
   * 784-wide input is the largest product of the step. Off, backward returns an empty tensor.
   */
  computeInputGradient = true;
  readonly W: Param;
  readonly b: Param;
  private x?: Tensor | SparseMatrix;
  private out?: Tensor;
  private dx?: Tensor;

  constructor(
    readonly name: string,
    readonly inputSize: number,
    readonly outputSize: number,
    private readonly kernels: Kernels,
  ) {
    this.W = makeParam(kernels, `${name}.W`, [inputSize, outputSize], true);
    this.b = makeParam(kernels, `${name}.b`, [outputSize], false);
  }

  forward(x: Tensor | SparseMatrix): Tensor {
    const [n, d] = inputShape(x);
    if (d !== this.inputSize) {
      throw new Error(`${this.name}: expected ${this.inputSize} inputs per sample, got ${shapeString(isSparse(x) ? [n, d] : x.shape)}`);
    }
    const m = this.outputSize;
    const out = (this.out = reuse(this.kernels, this.out, [n, m]));
    if (isSparse(x)) this.kernels.sparseMatmul(x, this.W.value, out.data, m);
    else this.kernels.matmul(x.data, this.W.value, out.data, n, d, m);
    this.kernels.addRowVector(out.data, this.b.value, n, m);
    this.x = x;
    return out;
  }

  backward(dout: Tensor): Tensor {
    const x = this.x!;
    const [n, d] = inputShape(x);
    const m = this.outputSize;
    if (isSparse(x)) this.kernels.sparseMatmulTransA(x, dout.data, this.W.grad, m);
    else this.kernels.matmulTransA(x.data, dout.data, this.W.grad, n, d, m);
    this.kernels.columnSums(dout.data, this.b.grad, n, m);
    if (!this.computeInputGradient) return noGradient;
    const dx = (this.dx = reuse(this.kernels, this.dx, isSparse(x) ? [n, d] : x.shape));
    this.kernels.matmulTransB(dout.data, this.W.value, dx.data, n, m, d);
    return dx;
  }

  params(): Param[] {
    return [this.W, this.b];
  }
}

function inputShape(x: Tensor | SparseMatrix): [rows: number, cols: number] {
  return isSparse(x) ? [x.rows, x.cols] : asMatrix(x.shape);
}
