import { asInput, type InputBatch, type InputForm } from '../core/input';
import type { Tensor } from '../core/tensor';
import type { InputLayer, Layer, Param, StateArray } from '../layers/layer';
import { SoftmaxWithLoss, type Labels } from '../layers/softmax-with-loss';
import { argmaxRows } from '../core/ops';
import { asMatrix } from '../core/tensor';

/**
 * A sequential network: layers run forward in order and backward in reverse, and the loss
 * layer sits at the end, as in the book's TwoLayerNet (`lastLayer`). Whether the layers run
 * in training or evaluation mode is decided here and passed to each one.
 */
export class Network {
  private readonly paramList: Param[];
  private readonly decayParams: Param[];
  /** The first layer, as the batch meets it (see InputLayer): the one place a batch's form matters. */
  private readonly input: InputLayer;
  /** inPlace[i]: layer i writes its output over its input (forwardInPlace), which the layer before no longer needs. */
  private readonly inPlace: boolean[];
  /**
   * λ of L2 weight decay, as in the book's MultiLayerNet: the loss gains 0.5·λ·ΣW² over the
   * weights (params with `decay`, so not biases or batch-norm γ, β) and their gradients λ·W.
   * It is part of `loss` and `backward` once set; a network is built with 0, and whoever trains
   * or checks it sets λ from the config (the trainer, `nnt gradcheck`, `nnt explain`).
   */
  weightDecay = 0;

  constructor(
    readonly layers: Layer[],
    readonly lossLayer: SoftmaxWithLoss,
  ) {
    this.paramList = layers.flatMap((layer) => layer.params());
    this.input = inputLayer(layers[0]);
    this.inPlace = layers.map((layer, i) => i > 0 && layer.forwardInPlace !== undefined && layers[i - 1].outputFree === true);
    const names = new Set<string>();
    for (const p of this.paramList) {
      if (names.has(p.name)) throw new Error(`two parameters are named ${p.name}`);
      names.add(p.name);
    }
    this.decayParams = this.paramList.filter((p) => p.decay);
  }

  /**
   * How the first layer wants its batches: 'lists' (of the nonzero inputs) when it only
   * multiplies them (an InputAffine, see buildNetwork), 'dense' otherwise. A batch source
   * (inputSource) makes buffers of this form; either form works, this one is the fast one.
   */
  get inputForm(): InputForm {
    return this.input.inputForm;
  }

  /** Scores (before softmax) for a batch, given as a tensor or an InputBatch. */
  predict(x: Tensor | InputBatch, training = false): Tensor {
    let out = this.input.forwardInput(asInput(x), training);
    for (let i = 1; i < this.layers.length; i++) {
      const layer = this.layers[i];
      out = this.inPlace[i] ? layer.forwardInPlace!(out, training) : layer.forward(out, training);
    }
    return out;
  }

  /** Forward through the layers and the loss: the mean loss of the batch, plus the weight-decay term. */
  loss(x: Tensor | InputBatch, labels: Labels, training = false): number {
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
   * Backward from the loss to the first layer; fills every parameter's `grad`. Call after
   * `loss`. It stops at the input (InputLayer): dL/d(data) is of no use to training.
   */
  backward(): void {
    let dout = this.lossLayer.backward(1);
    for (let i = this.layers.length - 1; i >= 1; i--) {
      const layer = this.layers[i];
      dout = layer.backwardInPlace ? layer.backwardInPlace(dout) : layer.backward(dout);
    }
    this.input.backwardInput(dout);
    this.addDecayGradient(this.decayParams);
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
  gradient(x: Tensor | InputBatch, labels: Labels): number {
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
  classify(x: Tensor | InputBatch, out?: Int32Array): Int32Array {
    const scores = this.predict(x, false);
    const [n, c] = asMatrix(scores.shape);
    return argmaxRows(scores.data, n, c, out);
  }
}

/**
 * The first layer as an InputLayer: itself when it is one (an InputAffine, a Convolution); otherwise a plain
 * layer that gets the batch as a dense tensor (its dX is computed and dropped). No layers at
 * all: the scores are the input.
 */
function inputLayer(first: Layer | undefined): InputLayer {
  if (first && 'forwardInput' in first) return first as Layer & InputLayer;
  return {
    inputForm: 'dense',
    forwardInput: (x, training) => (first ? first.forward(x.tensor(), training) : x.tensor()),
    backwardInput: (dout) => void first?.backward(dout),
  };
}
