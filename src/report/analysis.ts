import { tsKernels } from '../core/ts-kernels';
import { PIXEL_SCALE, sliceDataset, type Dataset } from '../data/dataset';
import { loadTestSet } from '../data/source';
import { decodeArray, loadInto, type WeightsDocument } from '../io/weights';
import { networkFromConfig } from '../net/from-config';
import { classProbabilities } from '../net/probabilities';
import { UserError } from '../errors';

/** A test digit the network got wrong, and how sure it was. */
export interface WrongDigit {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
  /** sampleSize bytes, as stored (0 background .. 255 ink). */
  pixels: Uint8Array;
  shape: number[];
}

/** What a run's weights do on the test set. */
export interface TestAnalysis {
  count: number;
  accuracy: number;
  classes: number;
  /** confusion[t * classes + p]: samples of true class t predicted as p. */
  confusion: Int32Array;
  /** The most confidently wrong digits, most confident first. */
  wrong: WrongDigit[];
}

/** Runs the test set (its first `limit` samples) through the weights' network. */
export function analyseTestSet(doc: WeightsDocument, file: string, limit?: number, wrongCount = 12): TestAnalysis {
  const net = networkFromConfig(doc.config, doc.inputSize, doc.classes, tsKernels, file, doc.inputShape);
  loadInto(net, doc, file);
  let test: Dataset = loadTestSet(doc.config.data);
  if (limit !== undefined) test = sliceDataset(test, 0, Math.min(limit, test.count), 'test');
  if (test.sampleSize !== doc.inputSize) throw new UserError(`${file}: the network takes ${doc.inputSize} inputs, the test images have ${test.sampleSize}`);
  const x = Float64Array.from(test.images, (b) => PIXEL_SCALE[b]);
  const probs = classProbabilities(net, x, test.count, test.sampleSize);
  const c = doc.classes;
  const confusion = new Int32Array(c * c);
  const wrong: WrongDigit[] = [];
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    const row = probs.subarray(i * c, (i + 1) * c);
    let predicted = 0;
    for (let k = 1; k < c; k++) if (row[k] > row[predicted]) predicted = k;
    const label = test.labels[i];
    confusion[label * c + predicted]++;
    if (predicted === label) correct++;
    else {
      const pixels = test.images.subarray(i * test.sampleSize, (i + 1) * test.sampleSize);
      wrong.push({ index: i, label, predicted, confidence: row[predicted], pixels, shape: test.imageShape });
    }
  }
  wrong.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return { count: test.count, accuracy: correct / test.count, classes: c, confusion, wrong: wrong.slice(0, wrongCount) };
}

/** One image per unit of the first layer: what it weighs each input pixel by. */
export interface WeightTiles {
  param: string;
  /** Tile side lengths. */
  height: number;
  width: number;
  tiles: Float64Array[];
  /** Units there were (tiles holds at most `max`). */
  units: number;
}

/**
 * The first parameter's weights as images: an affine W (inputs × units, inputs a square image)
 * gives one tile per unit (its column); a conv W (filters × channels × h × w, the book's
 * layout) gives one tile per filter, of its first channel. Null when neither fits.
 */
export function firstLayerTiles(doc: WeightsDocument, imageShape: number[] = [28, 28], max = 100): WeightTiles | null {
  const p = doc.params[0];
  if (!p) return null;
  const values = decodeArray(p, p.name);
  if (p.shape.length === 2) {
    const [inputs, units] = p.shape;
    const [h, w] = imageShape.length === 2 && imageShape[0] * imageShape[1] === inputs ? imageShape : squareOf(inputs);
    if (!h) return null;
    const tiles = Array.from({ length: Math.min(units, max) }, (_, u) => Float64Array.from({ length: inputs }, (_, i) => values[i * units + u]));
    return { param: p.name, height: h, width: w, tiles, units };
  }
  if (p.shape.length === 4) {
    const [filters, channels, h, w] = p.shape;
    const tiles = Array.from({ length: Math.min(filters, max) }, (_, f) => values.slice(f * channels * h * w, f * channels * h * w + h * w));
    return { param: p.name, height: h, width: w, tiles, units: filters };
  }
  return null;
}

function squareOf(n: number): [number, number] | [] {
  const side = Math.round(Math.sqrt(n));
  return side * side === n ? [side, side] : [];
}
