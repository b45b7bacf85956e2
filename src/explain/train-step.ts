import { Rng } from '../core/rng';
import { tensor } from '../core/tensor';
import { tsKernels } from '../core/ts-kernels';
import type { Affine } from '../layers/affine';
import type { Relu } from '../layers/relu';
import { buildNetwork } from '../net/build';
import { centralDifference, compare, DEFAULT_H, entryOf, type NumericalCheck } from './check';
import { toRows, type Rows } from './matrix';

/**
 * One whole training step of the book's TwoLayerNet at a size that fits on a screen: 2
 * samples of 4 inputs, 3 hidden ReLU units, 2 classes. Every entry forward, the loss, every
 * gradient entry backward (each checked against the central difference of the loss), and
 * the SGD update W ← W − lr·dW with the loss before and after.
 */
export interface TrainStepTrace {
  topic: 'train-step';
  seed: number;
  h: number;
  learningRate: number;
  labels: number[];
  forward: { X: Rows; W1: Rows; b1: number[]; A1: Rows; Z1: Rows; W2: Rows; b2: number[]; S: Rows; Y: Rows; T: Rows };
  loss: number;
  backward: { dS: Rows; dW2: Rows; db2: number[]; dZ1: Rows; dA1: Rows; dW1: Rows; db1: number[] };
  /** Every entry of dS, dW2, db2, dW1, db1 against the central difference of the loss. */
  checks: { gradient: string; index: number[]; check: NumericalCheck }[];
  update: { W1: Rows; b1: number[]; W2: Rows; b2: number[] };
  lossAfter: number;
}

const N = 2, D = 4, H = 3, C = 2;

export function explainTrainStep(options: { seed?: number } = {}): TrainStepTrace {
  // Seed 7 by default: both samples then have active and inactive hidden units, none near the kink.
  const seed = options.seed ?? 7;
  const rng = new Rng(seed);
  const oneDecimal = () => (rng.int(19) - 9) / 10;
  const net = buildNetwork({ inputSize: D, layers: [{ type: 'affine', units: H }, { type: 'relu' }, { type: 'affine', units: C }] }, tsKernels, rng);
  const [affine1, relu, affine2] = net.layers as [Affine, Relu, Affine];
  for (const p of net.params()) for (let i = 0; i < p.value.length; i++) p.value[i] = oneDecimal();
  const x = tensor([N, D], Array.from({ length: N * D }, oneDecimal));
  const labels = Int32Array.from({ length: N }, () => rng.int(C));
  const learningRate = 0.5;
  const rows = (a: Float64Array, cols: number) => toRows(a, a.length / cols, cols);

  const W1 = rows(affine1.W.value, H), b1 = Array.from(affine1.b.value), W2 = rows(affine2.W.value, C), b2 = Array.from(affine2.b.value);
  const A1 = rows(affine1.forward(x).data, H);
  const Z1 = rows(relu.forward(tensor([N, H], A1.flat())).data, H);
  const scores = tensor([N, C], affine2.forward(tensor([N, H], Z1.flat())).data);
  const S = rows(scores.data, C);
  const loss = net.lossLayer.forward(scores, labels);
  const Y = rows(net.lossLayer.probabilities().data, C);

  const dS = rows(net.lossLayer.backward(1).data, C);
  const dZ1 = rows(affine2.backward(tensor([N, C], dS.flat())).data, H);
  const dW2 = rows(affine2.W.grad, C), db2 = Array.from(affine2.b.grad);
  const dA1 = rows(relu.backward(tensor([N, H], dZ1.flat())).data, H);
  affine1.backward(tensor([N, H], dA1.flat()));
  const dW1 = rows(affine1.W.grad, H), db1 = Array.from(affine1.b.grad);

  const checks: TrainStepTrace['checks'] = [];
  const lossOf = () => net.loss(x, labels, true);
  const scoreLoss = () => net.lossLayer.forward(scores, labels);
  dS.flat().forEach((g, i) => checks.push({ gradient: 'dS', index: [Math.floor(i / C), i % C], check: compare(g, centralDifference(scoreLoss, ...entryOf(scores.data, i))) }));
  const param = (name: string, grad: number[], p: Float64Array, cols: number) =>
    grad.forEach((g, i) => checks.push({ gradient: name, index: cols ? [Math.floor(i / cols), i % cols] : [i], check: compare(g, centralDifference(lossOf, ...entryOf(p, i))) }));
  param('dW2', dW2.flat(), affine2.W.value, C);
  param('db2', db2, affine2.b.value, 0);
  param('dW1', dW1.flat(), affine1.W.value, H);
  param('db1', db1, affine1.b.value, 0);

  // SGD, as the book's train_neuralnet.py: each parameter −= lr·grad.
  const step = (w: number[], g: number[]) => w.map((v, i) => v - learningRate * g[i]);
  const update = { W1: W1.map((r, i) => step(r, dW1[i])), b1: step(b1, db1), W2: W2.map((r, i) => step(r, dW2[i])), b2: step(b2, db2) };
  affine1.W.value.set(update.W1.flat());
  affine1.b.value.set(update.b1);
  affine2.W.value.set(update.W2.flat());
  affine2.b.value.set(update.b2);
  const lossAfter = net.loss(x, labels, true);

  return {
    topic: 'train-step',
    seed,
    h: DEFAULT_H,
    learningRate,
    labels: Array.from(labels),
    forward: { X: rows(x.data, D), W1, b1, A1, Z1, W2, b2, S, Y, T: Array.from(labels, (t) => Array.from({ length: C }, (_, j) => (j === t ? 1 : 0))) },
    loss,
    backward: { dS, dW2, db2, dZ1, dA1, dW1, db1 },
    checks,
    update,
    lossAfter,
  };
}
