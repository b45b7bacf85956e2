import { isSparse, type SparseMatrix } from '../core/sparse';
import type { Tensor } from '../core/tensor';
import type { Layer, Param, StateArray } from '../layers/layer';
import { SoftmaxWithLoss, type Labels } from '../layers/softmax-with-loss';
import { argmaxRows } from '../core/ops';
import { asMatrix } from '../core/tensor';
import { Affine } from '../layers/affine';
import { Convolution } from '../layers/convolution';

/**
 * A sequential network: layers run forward in order and backward in reverse, and the loss
 * layer sits at the end, as in the book's TwoLayerNet (`lastLayer`). Whether the layers run
 * in training or evaluation mode is decided here and passed to each one.
 */
export class Network {
  private readonly paramList: Param[];
  private readonly decayParams: Param[];
  /**
   * λ of L2 weight decay, as in the book's MultiLayerNet: the loss gains 0.5·λ·ΣW² over the
   * weights (params with `decay`, so not biases or batch-norm γ, β) and their gradients λ·W.
   * It is part of the loss itself, so the reported loss and the gradient check include it.
   */
  weightDecay = 0;

  constructor(
    readonly layers: Layer[],
    readonly lossLayer: SoftmaxWithLoss,
  ) {
    this.paramList = layers.flatMap((layer) => layer.params());
    if (layers[0] instanceof Affine || layers[0] instanceof Convolution) layers[0].computeInputGradient = false;
    const names = new Set<string>();
    for (const p of this.paramList) {
      if (names.has(p.name)) throw new Error(`two parameters are named ${p.name}`);
      names.add(p.name);
    }
    this.decayParams = this.paramList.filter((p) => p.decay);
  }

  /**
   * Whether a batch may be given as SparseMatrix (lists of nonzero inputs): only an Affine
   * layer reads those, so the first layer must be one.
   */
  get takesSparseInput(): boolean {
    return this.layers[0] instanceof Affine;
  }

  /** Scores (before softmax) for a batch. */
  predict(x: Tensor | SparseMatrix, training = false): Tensor {
    let out: Tensor;
    if (isSparse(x)) {
      const first = this.layers[0];
      if (!(first instanceof Affine)) throw new Error(`a sparse batch needs an affine first layer, not ${first?.name ?? 'none'}`);
      out = first.forward(x);
    } else {
      out = this.layers[0]?.forward(x, training) ?? x;
    }
    for (let i = 1; i < this.layers.length; i++) out = this.layers[i].forward(out, training);
    return out;
  }

  /** Forward through the layers and the loss: the mean loss of the batch, plus the weight-decay term. */
  loss(x: Tensor | SparseMatrix, labels: Labels, training = false): number {
    return this.lossLayer.forward(this.predict(x, training), labels) + this.decayLoss();
  }

  /** 0.5·λ·ΣW² over the weights that decay: the part of `loss` that weight decay adds. */
  decayLoss(): number {
    const lambda = this.weightDecay;
    if (lambda === 0) return 0;
    let sum = 0;
    for (const p of this.decayParams) {
      const w = p.value;
      for (let i = 0; i < w.length; i++) sum += w[i] * w[i];
    }
    return 0.5 * lambda * sum;
  }

  /**
   * Backward from the loss to the input; fills every parameter's `grad`. Call after `loss`.
   * A first Affine layer skips dL/d(input) (see `Affine.computeInputGradient`): then the
   * returned tensor is empty.
   */
  backward(): Tensor {
    let dout = this.lossLayer.backward(1);
    for (let i = this.layers.length - 1; i >= 0; i--) dout = this.layers[i].backward(dout);
    this.addDecayGradient(this.decayParams);
    return dout;
  }

  /** Adds weight decay's λ·W to the gradient of each of `params` that decays (a no-op without weight decay). */
  addDecayGradient(params: readonly Param[]): void {
    const lambda = this.weightDecay;
    if (lambda === 0) return;
    for (const p of params) {
      if (!p.decay) continue;
      const w = p.value, g = p.grad;
      for (let i = 0; i < w.length; i++) g[i] += lambda * w[i];
    }
  }

  /** One forward and backward pass in training mode; returns the loss, leaves gradients in `grad`. */
  gradient(x: Tensor | SparseMatrix, labels: Labels): number {
    const loss = this.loss(x, labels, true);
    this.backward();
    return loss;
  }

  /** Every learnable parameter, in layer order, named like `affine1.W`. */
  params(): Param[] {
    return this.paramList;
  }

  /** Every non-learned array saved with the weights (batch-norm running statistics, …). */
  stateArrays(): StateArray[] {
    return this.layers.flatMap((layer) => layer.stateArrays?.() ?? []);
  }
  /** With `hold`, layers that draw randomness (dropout) reuse their last draw, so passes can be compared; without, they draw afresh. */
  holdRandomness(hold: boolean): void {
    for (const layer of this.layers) layer.holdRandomness?.(hold);
  }


  param(name: string): Param {
    const p = this.paramList.find((q) => q.name === name);
    if (!p) throw new Error(`no parameter named ${name} (have ${this.paramList.map((q) => q.name).join(', ')})`);
    return p;
  }

  /** Predicted class of each sample. */
  classify(x: Tensor | SparseMatrix, out?: Int32Array): Int32Array {
    const scores = this.predict(x, false);
    const [n, c] = asMatrix(scores.shape);
    return argmaxRows(scores.data, n, c, out);
  }
}
