import type { Kernels } from '../core/kernels';
import { asMatrix, shapeString, type Tensor } from '../core/tensor';
import { makeParam, reuse, type Layer, type Param } from './layer';

/**
 * The fully connected layer on a batch: out = X·W + b, with X (N×D), W (D×M), b (M).
 *
 *   dX = dY·Wᵀ   (N×M · M×D = N×D, the shape of X)
 *   dW = Xᵀ·dY   (D×N · N×M = D×M, the shape of W)
 *   db = the column sums of dY (b was added to every row)
 *
 * An input of higher rank (e.g. N×1×28×28 images) is read as N×D; dX gets the input's shape back.
 */
export class Affine implements Layer {
  /** Backward reads the cached input, not the output: the next layer may write over it (Layer.outputFree). */
  readonly outputFree = true;
  readonly W: Param;
  readonly b: Param;
  private x?: Tensor;
  protected out?: Tensor;
  private dx?: Tensor;

  constructor(
    readonly name: string,
    readonly inputSize: number,
    readonly outputSize: number,
    protected readonly kernels: Kernels,
  ) {
    this.W = makeParam(kernels, `${name}.W`, [inputSize, outputSize], true);
    this.b = makeParam(kernels, `${name}.b`, [outputSize], false);
  }

  forward(x: Tensor): Tensor {
    const [n, d] = asMatrix(x.shape);
    if (d !== this.inputSize) throw new Error(`${this.name}: expected ${this.inputSize} inputs per sample, got ${shapeString(x.shape)}`);
    const m = this.outputSize;
    const out = (this.out = reuse(this.kernels, this.out, [n, m]));
    this.kernels.matmul(x.data, this.W.value, out.data, n, d, m);
    this.kernels.addRowVector(out.data, this.b.value, n, m);
    this.x = x;
    return out;
  }

  backward(dout: Tensor): Tensor {
    const x = this.x!;
    const [n, d] = asMatrix(x.shape);
    const m = this.outputSize;
    this.kernels.matmulTransA(x.data, dout.data, this.W.grad, n, d, m);
    this.kernels.columnSums(dout.data, this.b.grad, n, m);
    const dx = (this.dx = reuse(this.kernels, this.dx, x.shape));
    this.kernels.matmulTransB(dout.data, this.W.value, dx.data, n, m, d);
    return dx;
  }

  params(): Param[] {
    return [this.W, this.b];
  }
}
