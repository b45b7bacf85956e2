import { asMatrix, type Tensor } from '../core/tensor';
import type { Network } from './network';
import { networkShape } from './weights-file';

export interface Prediction {
  /** The most probable class of each sample. */
  labels: number[];
  /** Each sample's softmax probabilities, one per class. */
  probabilities: number[][];
}

/**
 * Classifies samples: rows of the network's input width, as the network sees them (for MNIST
 * pixels, value/255 in [0, 1]), given as arrays of rows, one flat array, or a tensor.
 */
export function predict(network: Network, inputs: readonly (readonly number[])[] | Float64Array | Tensor): Prediction {
  const x = asTensor(inputs, networkShape(network).inputSize);
  const scores = network.predict(x, false);
  const [n, c] = asMatrix(scores.shape);
  const labels: number[] = [];
  const probabilities: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(scores.data.subarray(i * c, (i + 1) * c));
    const max = Math.max(...row);
    const exp = row.map((s) => Math.exp(s - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    probabilities.push(exp.map((e) => e / sum));
    labels.push(row.indexOf(max));
  }
  return { labels, probabilities };
}

function asTensor(inputs: readonly (readonly number[])[] | Float64Array | Tensor, width: number): Tensor {
  if (inputs instanceof Float64Array) {
    if (inputs.length % width !== 0) throw new RangeError(`predict: ${inputs.length} values are not whole rows of ${width}`);
    return { data: inputs, shape: [inputs.length / width, width] };
  }
  if (!Array.isArray(inputs)) return inputs as Tensor;
  const rows = inputs as readonly (readonly number[])[];
  const data = new Float64Array(rows.length * width);
  rows.forEach((row, i) => {
    if (row.length !== width) throw new RangeError(`predict: sample ${i} has ${row.length} values, the network takes ${width}`);
    data.set(row, i * width);
  });
  return { data, shape: [rows.length, width] };
}
