import type { InputBatch, InputForm } from '../core/input';
import { reuse, type InputLayer } from './layer';
import { Affine } from './affine';
import type { Tensor } from '../core/tensor';

/**
 * An Affine layer that is the network's first: out = X·W + b on the batch as the data gives it
 * (an InputBatch, dense or as lists of its nonzero inputs, see src/core/input.ts), and in
 * backward only dW and db. dX would be the gradient with respect to the data, which nothing
 * uses, and dY·Wᵀ into the 784-wide input is the largest product of the step.
 *
 * Used as a plain Affine (forward/backward on tensors, e.g. by the explain trace) it is one.
 */
export class InputAffine extends Affine implements InputLayer {
  /** X·W and Xᵀ·dY are all it does with the input, so lists of the nonzero inputs are enough. */
  readonly inputForm: InputForm = 'lists';
  private input?: InputBatch;

  forwardInput(x: InputBatch): Tensor {
    if (x.cols !== this.inputSize) throw new Error(`${this.name}: expected ${this.inputSize} inputs per sample, got ${x.cols}`);
    const n = x.rows, m = this.outputSize;
    const out = (this.out = reuse(this.kernels, this.out, [n, m]));
    x.matmul(this.kernels, this.W.value, out.data, m);
    this.kernels.addRowVector(out.data, this.b.value, n, m);
    this.input = x;
    return out;
  }

  backwardInput(dout: Tensor): void {
    const x = this.input!;
    const m = this.outputSize;
    x.matmulTransA(this.kernels, dout.data, this.W.grad, m);
    this.kernels.columnSums(dout.data, this.b.grad, x.rows, m);
  }
}
