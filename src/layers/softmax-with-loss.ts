import type { Kernels } from '../core/kernels';
import { asMatrix, shapeString, type Tensor } from '../core/tensor';
import { reuse } from './layer';

/** Class labels: one index per sample, or one row per sample (one-hot, or any distribution). */
export type Labels = Int32Array | Uint8Array | Tensor;

export function isIndexLabels(t: Labels): t is Int32Array | Uint8Array {
  return t instanceof Int32Array || t instanceof Uint8Array;
}

/**
 * Softmax followed by the cross-entropy loss, averaged over the batch.
 *
 * The loss is computed through log-softmax, −log y_t = logsumexp(x) − x_t, which never
 * takes the log of a rounded-to-zero probability, so no `log(y + 1e−7)` guard is needed and
 * the backward pass (y − t) / N is the exact derivative of what forward returns.
 */
export class SoftmaxWithLoss {
  readonly name = 'softmax-with-loss';
  private y?: Tensor;
  private t?: Labels;
  private dx?: Tensor;
  private logSumExp = new Float64Array(0);

  constructor(private readonly kernels: Kernels) {}

  /** Scores (N×C) and labels in, mean loss out. */
  forward(scores: Tensor, labels: Labels): number {
    const [n, c] = asMatrix(scores.shape);
    checkLabels(labels, n, c);
    const x = scores.data;
    const y = (this.y = reuse(this.kernels, this.y, [n, c]));
    if (this.logSumExp.length < n) this.logSumExp = new Float64Array(n);
    // y = softmax of each row, and logSumExp_i = log Σ_j exp(x_ij) from the same sums (tsKernels.softmaxRows).
    this.kernels.softmaxRows(x, y.data, n, c, this.logSumExp);
    this.t = labels;

    let total = 0;
    for (let i = 0; i < n; i++) {
      const row = i * c;
      const logSumExp = this.logSumExp[i];
      if (isIndexLabels(labels)) {
        total += logSumExp - x[row + labels[i]];
      } else {
        const t = labels.data;
        for (let j = 0; j < c; j++) if (t[row + j] !== 0) total += t[row + j] * (logSumExp - x[row + j]);
      }
    }
    return total / n;
  }

  /** dL/d(scores) = (y − t) / N, scaled by dout (1 when this is the end of the graph). */
  backward(dout = 1): Tensor {
    const y = this.y!, t = this.t!;
    const [n, c] = asMatrix(y.shape);
    const dx = (this.dx = reuse(this.kernels, this.dx, y.shape));
    const g = dx.data, ys = y.data;
    const scale = dout / n;
    for (let i = 0; i < n; i++) {
      const row = i * c;
      for (let j = 0; j < c; j++) g[row + j] = ys[row + j] * scale;
      if (isIndexLabels(t)) g[row + t[i]] -= scale;
      else for (let j = 0; j < c; j++) g[row + j] -= t.data[row + j] * scale;
    }
    return dx;
  }

  /** The softmax probabilities of the last forward pass (N×C). */
  probabilities(): Tensor {
    return this.y!;
  }
}

function checkLabels(labels: Labels, n: number, c: number): void {
  if (isIndexLabels(labels)) {
    if (labels.length !== n) throw new Error(`softmax-with-loss: ${n} score rows but ${labels.length} labels`);
    for (let i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= c) throw new Error(`softmax-with-loss: label ${labels[i]} at ${i} is outside 0..${c - 1}`);
    }
  } else if (labels.data.length !== n * c) {
    throw new Error(`softmax-with-loss: scores are (${n}, ${c}) but one-hot labels are ${shapeString(labels.shape)}`);
  }
}
