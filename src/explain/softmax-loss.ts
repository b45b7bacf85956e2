import { Rng } from '../core/rng';
import { tensor } from '../core/tensor';
import { tsKernels } from '../core/ts-kernels';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss';
import { centralDifference, compare, DEFAULT_H, entryOf, type NumericalCheck } from './check';
import { toRows, type Rows } from './matrix';

export interface SoftmaxLossOptions {
  seed: number;
}

/** scores → softmax → cross-entropy for one batch, all of it from SoftmaxWithLoss. */
export interface SoftmaxLossCase {
  n: number;
  c: number;
  scores: Rows;
  labels: number[];
  /** y = softmax(scores), row by row. */
  probabilities: Rows;
  /** t, the labels one-hot. */
  oneHot: Rows;
  /** −log y[i][t_i] of each sample; their mean is the loss. */
  sampleLosses: number[];
  loss: number;
  /** dL/d(scores) = (y − t) / N, from backward(1). */
  gradient: Rows;
  checks: { index: [number, number]; check: NumericalCheck }[];
  /**
   * Each row's gradient when that sample is a batch on its own (y − t, N = 1). The batch's
   * rows are these divided by N, because the batch loss is the mean of the samples' losses.
   */
  aloneGradients: Rows;
}

export interface SoftmaxLossTrace {
  topic: 'softmax-loss';
  seed: number;
  h: number;
  /** The dout that starts backward: dL/dL = 1. */
  startGradient: number;
  single: SoftmaxLossCase;
  batch: SoftmaxLossCase;
  /**
   * The derivation's middle step in numbers, for sample 0 of the batch: ∂(log S)/∂a_j with
   * S = Σ_k e^(a_k) is y_j (backprop: the softmax output; numerical: the central difference of log S).
   */
  logSumExpGradient: NumericalCheck[];
}

/** The book's example scores (a = [0.3, 2.9, 4.0]), here with the middle class as the answer. */
const singleScores = [[0.3, 2.9, 4.0]];
const singleLabels = [1];

export function explainSoftmaxLoss(options: Partial<SoftmaxLossOptions> = {}): SoftmaxLossTrace {
  const seed = options.seed ?? 1;
  const rng = new Rng(seed);
  const n = 3, c = 3;
  const scores = Array.from({ length: n }, () => Array.from({ length: c }, () => (rng.int(41) - 20) / 10));
  const labels = Array.from({ length: n }, () => rng.int(c));
  return {
    topic: 'softmax-loss',
    seed,
    h: DEFAULT_H,
    startGradient: 1,
    single: traceCase(singleScores, singleLabels),
    batch: traceCase(scores, labels),
    logSumExpGradient: logSumExpGradient(scores[0]),
  };
}

function logSumExpGradient(row: number[]): NumericalCheck[] {
  const a = Float64Array.from(row);
  const logS = () => Math.log(a.reduce((s, v) => s + Math.exp(v), 0));
  const S = a.reduce((s, v) => s + Math.exp(v), 0);
  return row.map((v, j) => compare(Math.exp(v) / S, centralDifference(logS, ...entryOf(a, j))));
}

function traceCase(scoreRows: Rows, labelList: number[]): SoftmaxLossCase {
  const n = scoreRows.length, c = scoreRows[0].length;
  const layer = new SoftmaxWithLoss(tsKernels);
  const scores = tensor([n, c], scoreRows.flat());
  const labels = Int32Array.from(labelList);

  const loss = layer.forward(scores, labels);
  const probabilities = toRows(layer.probabilities().data, n, c);
  const gradient = toRows(layer.backward(1).data, n, c);
  const oneHot = labelList.map((t) => Array.from({ length: c }, (_, j) => (j === t ? 1 : 0)));
  const sampleLosses = labelList.map((t, i) => -Math.log(probabilities[i][t]));

  const checks: SoftmaxLossCase['checks'] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < c; j++) {
      const numerical = centralDifference(() => layer.forward(scores, labels), ...entryOf(scores.data, i * c + j));
      checks.push({ index: [i, j], check: compare(gradient[i][j], numerical) });
    }

  const aloneGradients = scoreRows.map((row, i) => {
    const alone = new SoftmaxWithLoss(tsKernels);
    alone.forward(tensor([1, c], row), Int32Array.of(labelList[i]));
    return Array.from(alone.backward(1).data);
  });

  return { n, c, scores: scoreRows, labels: labelList, probabilities, oneHot, sampleLosses, loss, gradient, checks, aloneGradients };
}
