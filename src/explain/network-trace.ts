import { norm } from '../core/ops';
import type { Tensor } from '../core/tensor';
import type { Labels } from '../layers/softmax-with-loss';
import { Affine } from '../layers/affine';
import type { Network } from '../net/network';

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
  gradNorm: number;
  /** ‖lr·grad‖: how far one SGD step moves this parameter. */
  updateNorm: number;
  /** ‖lr·grad‖ / ‖value‖ (around 1e−3 is a common rule of thumb); null while the value is all zeros, as biases start. */
  relativeUpdate: number | null;
}

export interface NetworkTrace {
  inputShape: number[];
  forward: ForwardLayerTrace[];
  loss: number;
  /** dL/d(scores) = (y − t)/N, where backward starts. */
  lossGradient: { shape: number[]; norm: number };
  /** In backward order, from the last layer to the first. */
  backward: BackwardLayerTrace[];
  step: { learningRate: number; params: StepParamTrace[]; lossBefore: number; lossAfter: number };
}

/**
 * One forward and backward pass of `net` on a batch, layer by layer, recorded as numbers a
 * learner can read: what each layer's output looks like, how large the gradient is at each
 * layer and for each parameter, and what one SGD step w ← w − lr·grad would do to the loss
 * on the same batch. The weights and gradients are put back afterwards, so training runs
 * that call this are unaffected (the layers' cached buffers do change).
 */
export function traceNetwork(net: Network, x: Tensor, labels: Labels, learningRate: number): NetworkTrace {
  // Training skips the first layer's dL/d(input) (nothing uses it); a learner wants to see it.
  const first = net.layers[0];
  const skipped = first instanceof Affine && !first.computeInputGradient;
  if (skipped) first.computeInputGradient = true;
  try {
    return traceAll(net, x, labels, learningRate);
  } finally {
    if (skipped) first.computeInputGradient = false;
  }
}

function traceAll(net: Network, x: Tensor, labels: Labels, learningRate: number): NetworkTrace {
  const params = net.params();
  const savedValues = params.map((p) => Float64Array.from(p.value));
  const savedGrads = params.map((p) => Float64Array.from(p.grad));

  // The same passes as Network.gradient, one layer at a time so each output can be looked at
  // before the next call reuses its buffer.
  const forward: ForwardLayerTrace[] = [];
  let out = x;
  for (const layer of net.layers) {
    out = layer.forward(out, true);
    const sides = layer.kinkSides?.();
    forward.push({ layer: layer.name, shape: [...out.shape], stats: stats(out.data), ...(sides && { activeFraction: fractionOfOnes(sides) }) });
  }
  const loss = net.lossLayer.forward(out, labels);

  let dout = net.lossLayer.backward(1);
  const lossGradient = { shape: [...dout.shape], norm: norm(dout.data) };
  const backward: BackwardLayerTrace[] = [];
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const layer = net.layers[i];
    dout = layer.backward(dout);
    backward.push({
      layer: layer.name,
      gradShape: [...dout.shape],
      gradNorm: norm(dout.data),
      params: layer.params().map((p) => ({ name: p.name, shape: [...p.shape], gradNorm: norm(p.grad) })),
    });
  }

  const stepParams = params.map((p) => {
    const valueNorm = norm(p.value), gradNorm = norm(p.grad);
    const updateNorm = learningRate * gradNorm;
    return { name: p.name, valueNorm, gradNorm, updateNorm, relativeUpdate: valueNorm > 0 ? updateNorm / valueNorm : null };
  });
  for (const p of params) for (let i = 0; i < p.value.length; i++) p.value[i] -= learningRate * p.grad[i];
  const lossAfter = net.loss(x, labels, true);

  params.forEach((p, k) => {
    p.value.set(savedValues[k]);
    p.grad.set(savedGrads[k]);
  });
  return { inputShape: [...x.shape], forward, loss, lossGradient, backward, step: { learningRate, params: stepParams, lossBefore: loss, lossAfter } };
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
