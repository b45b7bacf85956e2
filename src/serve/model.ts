import { tsKernels } from '../core/ts-kernels';
import { tensor } from '../core/tensor';
import type { Dataset } from '../data/dataset';
import { PIXEL_SCALE } from '../data/dataset';
import type { Config } from '../io/config-schema';
import { loadInto, type WeightsDocument } from '../io/weights';
import { Relu } from '../layers/relu';
import { Sigmoid } from '../layers/sigmoid';
import { networkFromConfig } from '../net/from-config';
import type { Network } from '../net/network';
import { softmaxInto } from '../net/probabilities';

export interface Prediction {
  probabilities: number[];
  top: number;
  /** The first hidden layer's activations (after its ReLU/Sigmoid), or [] for a net without one. */
  hidden: number[];
}

export interface Mistake {
  index: number;
  label: number;
  predicted: number;
  /** The 28×28 bytes, base64. */
  pixels: string;
}

/**
 * The network the page looks at: built once from a config with the readable TS kernels (one
 * sample at a time needs no speed), its values replaced by a weights file or by the snapshots
 * the training worker sends. The server's thread only reads it between those replacements.
 */
export class PageModel {
  readonly network: Network;
  /** Where the current values came from, for the page: a file name, 'training', or 'untrained'. */
  source = 'untrained (the config\'s initial weights)';

  constructor(
    readonly config: Config,
    readonly inputSize: number,
    readonly classes: number,
  ) {
    this.network = networkFromConfig(config, inputSize, classes, tsKernels, 'serve');
  }

  load(doc: WeightsDocument, file: string): void {
    loadInto(this.network, doc, file);
    this.source = file;
  }

  /** Values from the training worker, in the order of network.params() and stateArrays(). */
  setValues(values: Float64Array[], source: string): void {
    const targets = [...this.network.params().map((p) => p.value), ...this.network.stateArrays().map((s) => s.value)];
    if (values.length !== targets.length) throw new Error(`setValues: ${values.length} arrays for ${targets.length}`);
    targets.forEach((t, i) => t.set(values[i]));
    this.source = source;
  }

  /** One image (values in [0, 1], inputSize of them) through the net. */
  predict(pixels: Float64Array): Prediction {
    let out = tensor([1, pixels.length], pixels);
    let hidden: number[] = [];
    const layers = this.network.layers;
    for (let i = 0; i < layers.length; i++) {
      out = layers[i].forward(out, false);
      // The first activation: what the first hidden units say about the drawing.
      if (hidden.length === 0 && (layers[i] instanceof Relu || layers[i] instanceof Sigmoid)) hidden = [...out.data];
    }
    const row = new Float64Array(out.data.length);
    softmaxInto(out.data, row);
    const probabilities = [...row];
    return { probabilities, top: probabilities.indexOf(Math.max(...probabilities)), hidden };
  }

  /** The first Affine layer's weights W (inputs × units). */
  firstLayer(): { shape: number[]; values: Float64Array } | undefined {
    const w = this.network.params().find((p) => p.name.endsWith('.W'));
    return w && { shape: [...w.shape], values: w.value };
  }

  /** The first `max` samples of `set` (looking at no more than `scan`) that the net classifies wrongly. */
  mistakes(set: Dataset, max: number, scan: number): { scanned: number; mistakes: Mistake[] } {
    const n = Math.min(scan, set.count), size = set.sampleSize;
    const x = new Float64Array(n * size);
    for (let i = 0; i < n * size; i++) x[i] = PIXEL_SCALE[set.images[i]];
    const predicted = this.network.classify(tensor([n, size], x));
    const mistakes: Mistake[] = [];
    for (let i = 0; i < n && mistakes.length < max; i++) {
      if (predicted[i] === set.labels[i]) continue;
      const pixels = Buffer.from(set.images.subarray(i * size, (i + 1) * size)).toString('base64');
      mistakes.push({ index: i, label: set.labels[i], predicted: predicted[i], pixels });
    }
    return { scanned: n, mistakes };
  }
}
