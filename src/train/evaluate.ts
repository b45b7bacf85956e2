import { argmaxRows } from '../core/ops';
import type { Dataset } from '../data/dataset';
import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
import { gatherInput } from '../data/dataset';
import { inputSource, type InputBuffer, type InputForm } from '../core/input';
import type { Network } from '../net/network';

export interface Evaluation {
  count: number;
  loss: number;
  accuracy: number;
  classes: number;
  /** confusion[t * classes + p]: samples of true class t predicted as p. */
  confusion: Int32Array;
  /** Predicted class of every sample, in dataset order. */
  predictions: Int32Array;
}

/**
 * Runs a whole dataset through the network in evaluation mode (mean cross-entropy, without
 * the weight-decay term, so runs with different λ compare), in batches whose buffers are
 * allocated once per Evaluator, so evaluating every epoch allocates nothing new.
 */
export class Evaluator {
  /** The batch buffer in each form a network has asked for (Network.inputForm), made on first use. */
  private readonly buffers = new Map<InputForm, InputBuffer>();
  private readonly labels: Uint8Array;
  private readonly order: Int32Array;
  private readonly batchPredictions: Int32Array;

  constructor(
    readonly dataset: Dataset,
    /** The network's number of outputs. */
    readonly classes: number,
    private readonly batchSize = 500,
    /** The backend whose memory the batches are gathered into. */
    private readonly kernels: Kernels = tsKernels,
  ) {
    const size = Math.min(batchSize, dataset.count);
    this.labels = new Uint8Array(size);
    this.order = Int32Array.from({ length: dataset.count }, (_, i) => i);
    this.batchPredictions = new Int32Array(size);
  }

  evaluate(net: Network): Evaluation {
    const ds = this.dataset;
    const classes = this.classes;
    const confusion = new Int32Array(classes * classes);
    const predictions = new Int32Array(ds.count);
    let lossSum = 0;
    let correct = 0;
    const size = this.labels.length, d = ds.sampleSize;
    const buffer = this.buffer(net.inputForm, size, d);
    for (let start = 0; start < ds.count; start += this.batchSize) {
      const end = Math.min(start + this.batchSize, ds.count);
      const n = end - start;
      gatherInput(ds, this.order, start, end, buffer, this.labels);
      const labels = this.labels.subarray(0, n);
      // The data loss alone: weight decay is part of what training minimises, not of how well the net predicts.
      lossSum += net.lossLayer.forward(net.predict(buffer, false), labels) * n;
      const probabilities = net.lossLayer.probabilities();
      const predicted = argmaxRows(probabilities.data, n, probabilities.shape[1], this.batchPredictions);
      for (let i = 0; i < n; i++) {
        predictions[start + i] = predicted[i];
        confusion[labels[i] * classes + predicted[i]]++;
        if (predicted[i] === labels[i]) correct++;
      }
    }
    return { count: ds.count, loss: lossSum / ds.count, accuracy: correct / ds.count, classes, confusion, predictions };
  }

  private buffer(form: InputForm, size: number, d: number): InputBuffer {
    let buffer = this.buffers.get(form);
    if (!buffer) this.buffers.set(form, (buffer = inputSource(this.kernels, form)(size, d)));
    return buffer;
  }
}

/** Precision and recall of each class from a confusion matrix (NaN where undefined: no predictions or no samples). */
export function perClass(e: Evaluation): { precision: number[]; recall: number[] } {
  const c = e.classes;
  const precision: number[] = [];
  const recall: number[] = [];
  for (let k = 0; k < c; k++) {
    let predicted = 0, actual = 0;
    for (let j = 0; j < c; j++) {
      predicted += e.confusion[j * c + k];
      actual += e.confusion[k * c + j];
    }
    const hit = e.confusion[k * c + k];
    precision.push(predicted ? hit / predicted : NaN);
    recall.push(actual ? hit / actual : NaN);
  }
  return { precision, recall };
}
