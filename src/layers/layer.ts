import type { InputBatch, InputForm } from '../core/input';
import type { Kernels } from '../core/kernels';
import { sizeOf, type Tensor } from '../core/tensor';

/** A learnable array and, beside it, the gradient of the loss with respect to it. */
export interface Param {
  /** Full name in the network, e.g. `affine1.W`. */
  readonly name: string;
  readonly shape: number[];
  readonly value: Float64Array;
  readonly grad: Float64Array;
  /** Whether weight decay (L2) applies: true for weights, false for biases and scales. */
  readonly decay: boolean;
}

/** A named array a layer keeps that is not learned by gradients but is saved with the weights (e.g. running means). */
export interface StateArray {
  readonly name: string;
  readonly shape: number[];
  readonly value: Float64Array;
}

/**
 * One node of the computational graph, working on a batch. `forward` caches exactly what
 * `backward` needs; `backward` takes dL/d(output) and returns dL/d(input), and stores the
 * gradients of its parameters in their `grad` arrays.
 *
 * The tensors a layer returns are its own buffers, reused by the next call with the same
 * batch size: the training loop allocates nothing per step. Copy one to keep it. In
 * Network.backward, the dx a layer returns may be overwritten by the layer before it
 * (backwardInPlace), so a backward must not read its previous dx.
 */
export interface Layer {
  readonly name: string;
  forward(x: Tensor, training: boolean): Tensor;
  backward(dout: Tensor): Tensor;
  params(): Param[];
  /**
   * True when backward does not read the output of this layer's forward (it caches its
   * input instead, as Affine and Convolution do): in Network's passes the layer after it may
   * then write its own output over that one (forwardInPlace).
   */
  readonly outputFree?: boolean;
  /**
   * forward, writing the output over x and returning x (a ReLU in place). Network calls it
   * where the layer before is outputFree, never on the network's input: the layer needs no
   * output buffer of its own there (13 MB for SimpleConvNet's ReLU). forward leaves x alone.
   */
  forwardInPlace?(x: Tensor, training: boolean): Tensor;
  /**
   * backward, writing dL/d(input) over dout and returning dout (as the book's ReLU does).
   * Network.backward calls it where a layer has it: there dout is the next layer's own
   * buffer, which nothing reads again, and the layer needs no dx buffer of its own (13 MB
   * for SimpleConvNet's ReLU). backward itself leaves dout alone.
   */
  backwardInPlace?(dout: Tensor): Tensor;
  /** Arrays that are saved and loaded with the parameters but not trained by the optimizer. */
  stateArrays?(): StateArray[];
  /**
   * For layers with points where the derivative jumps (ReLU at 0): which side of the kink
   * each element of the last forward pass was on. The gradient check compares these before
   * and after a nudge, to tell a kink crossing from a wrong gradient.
   */
  kinkSides?(): Uint8Array;
  /**
   * For layers that draw random numbers in training (dropout masks): while held, forward
   * reuses the last draw instead of making a new one. The gradient check holds it, since a
   * numerical derivative compares two passes that must compute the same function.
   */
  holdRandomness?(hold: boolean): void;
}

/**
 * A network's first layer as the data meets it: forward takes the batch as an InputBatch
 * (dense, or lists of the nonzero inputs when inputForm is 'lists'), and backward stops there,
 * computing the parameters' gradients but not dL/d(input), which nothing uses.
 */
export interface InputLayer {
  readonly inputForm: InputForm;
  forwardInput(x: InputBatch, training: boolean): Tensor;
  backwardInput(dout: Tensor): void;
}

export function makeParam(kernels: Kernels, name: string, shape: number[], decay: boolean): Param {
  const n = sizeOf(shape);
  return { name, shape: [...shape], value: kernels.alloc(n), grad: kernels.alloc(n), decay };
}

/**
 * A layer's output buffer for this call, allocated once and then reused: the previous
 * tensor is given back (same object) when it fits. Its storage only grows, so switching
 * between a training batch and a larger evaluation batch, or a short last batch, costs a
 * new view at most, never a new allocation of backend memory.
 */
export function reuse(kernels: Kernels, previous: Tensor | undefined, shape: number[]): Tensor {
  const n = sizeOf(shape);
  if (!previous) {
    const storage = kernels.alloc(n);
    return { data: storage, shape, storage };
  }
  if (previous.data.length !== n) {
    if (!previous.storage || previous.storage.length < n) previous.storage = kernels.alloc(n);
    previous.data = previous.storage.subarray(0, n);
  }
  previous.shape = shape;
  return previous;
}
