import { norm } from '../core/ops';
import { Pooling } from '../layers/pooling';
import type { Tensor } from '../core/tensor';
import type { Labels } from '../layers/softmax-with-loss';
import type { Network } from '../net/network';
import { clipGradientNorm } from '../optim/clip';
import type { Optimizer } from '../optim/optimizer';
import { Sgd } from '../optim/sgd';

export interface Stats {
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface ForwardLayerTrace {
  layer: string;
  shape: number[];
  stats: Stats;
  /** For layers with a kink (ReLU): the fraction of outputs on the active side, where gradients flow. */
  activeFraction?: number;
}

export interface ParamGradientTrace {
  name: string;
  shape: number[];
  gradNorm: number;
}

/** dL/d(input) of one layer, and dL/d(parameter) of its parameters, as backward computed them. */
export interface BackwardLayerTrace {
  layer: string;
  gradShape: number[];
  gradNorm: number;
  params: ParamGradientTrace[];
}

export interface StepParamTrace {
  name: string;
  valueNorm: number;
  /** Norm of the gradient the optimizer was given (after clipping, when that applied). */
  gradNorm: number;
  /** ‖Δw‖: how far the step moved this parameter (for SGD, ‖lr·grad‖). */
  updateNorm: number;
  /** max |Δw_i|: the largest change of one entry (for a first Adam step, about lr). */
  maxUpdate: number;
  /** ‖Δw‖ / ‖value‖ (around 1e−3 is a common rule of thumb); null while the value is all zeros, as biases start. */
  relativeUpdate: number | null;
}

/** The step a trace takes after the backward pass. */
export interface StepOptions {
  /** Default: plain SGD. Its state (velocities, moments, step count) is put back afterwards. */
  optimizer?: Optimizer;
  /** Scale the gradients down to this global norm first, as training does with `clipNorm`. */
  clipNorm?: number;
  /**
   * Training mode (the default: batch norm normalizes over this batch, dropout drops) or
   * evaluation mode (batch norm uses its running averages, dropout passes everything).
   */
  training?: boolean;
}

export interface StepTrace {
  /** The optimizer's name (sgd, momentum, adam, …). */
  optimizer: string;
  /** Which of the optimizer's steps this was: 1 for a fresh one (no velocities or moments yet). */
  optimizerStep: number;
  learningRate: number;
  /** λ of the network's weight decay, included in the loss and the gradients (0: none). */
  weightDecay: number;
  /** With clipNorm: the gradients' global norm before clipping, and the factor they were scaled by (1: not clipped). */
  clip: { maxNorm: number; norm: number; scale: number } | null;
  params: StepParamTrace[];
  lossBefore: number;
  lossAfter: number;
}

export interface NetworkTrace {
  mode: 'training' | 'evaluation';
  inputShape: number[];
  forward: ForwardLayerTrace[];
  /** The training loss: the cross-entropy plus `decayLoss`. */
  loss: number;
  /** 0.5·λ·ΣW², weight decay's part of the loss (0 without weight decay). */
  decayLoss: number;
  /** dL/d(scores) = (y − t)/N, where backward starts. */
  lossGradient: { shape: number[]; norm: number };
  /** In backward order, from the last layer to the first. */
  backward: BackwardLayerTrace[];
  step: StepTrace;
}

/**
 * One forward and backward pass of `net` on a batch, layer by layer, recorded as numbers a
 * learner can read: what each layer's output looks like, how large the gradient is at each
 * layer and for each parameter, and what one step of the optimizer (plain SGD unless
 * `step.optimizer` is given; after clipping with `step.clipNorm`) does to each parameter and
 * to the loss on the same batch. The network's weight decay is part of the loss and the
 * gradients, as in training. The weights, gradients, batch-norm statistics and the optimizer's
 * state are put back afterwards (the layers' cached buffers do change, and dropout draws its
 * masks from the network's generator).
 */
export function traceNetwork(net: Network, x: Tensor, labels: Labels, learningRate: number, step: StepOptions = {}): NetworkTrace {
  const params = net.params();
  const changed = [...params.map((p) => p.value), ...params.map((p) => p.grad), ...net.stateArrays().map((s) => s.value)];
  const saved = changed.map((a) => Float64Array.from(a));
  const optimizer = step.optimizer ?? new Sgd();
  const optimizerState = optimizer.getState();
  try {
    return traceAll(net, x, labels, learningRate, optimizer, step.clipNorm, step.training ?? true);
  } finally {
    changed.forEach((a, k) => a.set(saved[k]));
    optimizer.setState(optimizerState);
    net.holdRandomness(false);
  }
}

function traceAll(net: Network, x: Tensor, labels: Labels, learningRate: number, optimizer: Optimizer, clipNorm: number | undefined, training: boolean): NetworkTrace {
  const params = net.params();

  // The same passes as Network.gradient, one layer at a time so each output can be looked at
  // before the next call reuses its buffer.
  const forward: ForwardLayerTrace[] = [];
  let out = x;
  for (const layer of net.layers) {
    out = layer.forward(out, training);
    // A max pool's kink sides are which input won each window, not an on/off mask: no active fraction.
    const sides = layer instanceof Pooling ? undefined : layer.kinkSides?.();
    forward.push({ layer: layer.name, shape: [...out.shape], stats: stats(out.data), ...(sides && { activeFraction: fractionOfOnes(sides) }) });
  }
  // Summed as Network.loss sums them, so the loss is the one training reports.
  const decayLoss = net.decayLoss();
  const loss = net.lossLayer.forward(out, labels) + decayLoss;

  let dout = net.lossLayer.backward(1);
  const lossGradient = { shape: [...dout.shape], norm: norm(dout.data) };
  const backward: BackwardLayerTrace[] = [];
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const layer = net.layers[i];
    dout = layer.backward(dout);
    // Weight decay's λ·W, which Network.backward adds once the layers are done: each param's
    // gradient is final once its own layer has run, so adding it here gives the same numbers.
    net.addDecayGradient(layer.params());
    backward.push({
      layer: layer.name,
      gradShape: [...dout.shape],
      gradNorm: norm(dout.data),
      params: layer.params().map((p) => ({ name: p.name, shape: [...p.shape], gradNorm: norm(p.grad) })),
    });
  }

  let clip: StepTrace['clip'] = null;
  if (clipNorm !== undefined) {
    const gradNorm = clipGradientNorm(params, clipNorm);
    clip = { maxNorm: clipNorm, norm: gradNorm, scale: gradNorm > clipNorm ? clipNorm / gradNorm : 1 };
  }
  const before = params.map((p) => Float64Array.from(p.value));
  optimizer.step(params, learningRate);
  const stepParams = params.map((p, k): StepParamTrace => {
    const valueNorm = norm(before[k]);
    let squares = 0, maxUpdate = 0;
    for (let i = 0; i < p.value.length; i++) {
      const change = p.value[i] - before[k][i];
      squares += change * change;
      maxUpdate = Math.max(maxUpdate, Math.abs(change));
    }
    const updateNorm = Math.sqrt(squares);
    return { name: p.name, valueNorm, gradNorm: norm(p.grad), updateNorm, maxUpdate, relativeUpdate: valueNorm > 0 ? updateNorm / valueNorm : null };
  });
  // The same dropout masks as the pass before the step, or the two losses would not compare.
  net.holdRandomness(true);
  const lossAfter = net.loss(x, labels, training);

  const step: StepTrace = {
    optimizer: optimizer.name,
    optimizerStep: optimizer.getState().step,
    learningRate,
    weightDecay: net.weightDecay,
    clip,
    params: stepParams,
    lossBefore: loss,
    lossAfter,
  };
  return { mode: training ? 'training' : 'evaluation', inputShape: [...x.shape], forward, loss, decayLoss, lossGradient, backward, step };
}

export function stats(a: Float64Array): Stats {
  let sum = 0, min = Infinity, max = -Infinity;
  for (const v of a) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / a.length;
  let squares = 0;
  for (const v of a) squares += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(squares / a.length), min, max };
}

function fractionOfOnes(sides: Uint8Array): number {
  let ones = 0;
  for (const s of sides) ones += s;
  return ones / sides.length;
}
