import { basename } from 'node:path';
import { UserError } from '../errors';
import { tsKernels } from '../core/ts-kernels';
import { loadTestSet } from '../data/source';
import { PIXEL_SCALE, type Dataset } from '../data/dataset';
import { textArt } from '../data/text-art';
import { readImage } from '../image/decode';
import { FIELD, prepareDigitDetailed } from '../image/prepare';
import { readWeights, loadInto } from '../io/weights';
import { networkFromConfig } from '../net/from-config';
import { classProbabilities, topClasses } from '../net/probabilities';

interface Options {
  index?: number[];
  show?: boolean;
  json?: boolean;
  top: number;
}

/** One picture, prepared, and where it came from. */
interface Input {
  source: string;
  pixels: Float64Array;
  /** The true class, for a test sample. */
  label?: number;
  inverted?: boolean;
}

/** `nnt predict WEIGHTS IMAGE...`: each picture prepared as MNIST was, and the network's most probable classes. */
export function run(weights: string, images: string[], opts: Options): void {
  if (opts.index === undefined && images.length === 0) throw new UserError('predict: give one or more PNG or JPEG images, or --index N for a test sample', 2);
  if (opts.index !== undefined && images.length > 0) throw new UserError('predict: give images or --index, not both', 2);
  const doc = readWeights(weights);
  const name = basename(weights);
  if (doc.inputSize !== FIELD * FIELD) {
    throw new UserError(`${name}: the network takes ${doc.inputSize} inputs; pictures are prepared as ${FIELD}×${FIELD} = ${FIELD * FIELD}`);
  }
  const net = networkFromConfig(doc.config, doc.inputSize, doc.classes, tsKernels, name, doc.inputShape);
  loadInto(net, doc, weights);

  // Every picture is read and prepared before anything is printed: a bad one stops the run with its name.
  const inputs = opts.index !== undefined ? testSamples(doc.config.data, opts.index) : images.map(prepared);
  const x = new Float64Array(inputs.length * doc.inputSize);
  inputs.forEach((input, i) => x.set(input.pixels, i * doc.inputSize));
  const probs = classProbabilities(net, x, inputs.length, doc.inputSize);
  const results = inputs.map((input, i) => {
    const p = Array.from(probs.subarray(i * doc.classes, (i + 1) * doc.classes));
    return { input, probabilities: p, top: topClasses(p, Math.min(opts.top, doc.classes)) };
  });

  if (opts.json) {
    const out = results.map(({ input, probabilities, top }) => ({
      source: input.source,
      ...(input.label !== undefined ? { label: input.label } : {}),
      ...(input.inverted !== undefined ? { inverted: input.inverted } : {}),
      predicted: top[0].label,
      top,
      probabilities,
      ...(opts.show ? { pixels: Array.from(input.pixels, (v) => Number(v.toFixed(4))) } : {}),
    }));
    process.stdout.write(`${JSON.stringify({ weights, predictions: out }, null, 2)}\n`);
    return;
  }
  for (const { input, top } of results) {
    const truth = input.label === undefined ? '' : `  (true class ${input.label}${input.label === top[0].label ? '' : ', wrong'})`;
    process.stdout.write(`${input.source}: ${top[0].label}${truth}\n`);
    for (const t of top) process.stdout.write(`  ${String(t.label).padStart(2)}  ${bar(t.probability)}  ${(100 * t.probability).toFixed(2).padStart(6)}%\n`);
    if (opts.show) process.stdout.write(`${textArt(asDataset(input.pixels), 0).join('\n')}\n`);
  }
}

function prepared(file: string): Input {
  const digit = prepareDigitDetailed(readImage(file), file);
  return { source: file, pixels: digit.pixels, inverted: digit.inverted };
}

function testSamples(data: Parameters<typeof loadTestSet>[0], indices: number[]): Input[] {
  const test = loadTestSet(data);
  return indices.map((index) => {
    if (index >= test.count) throw new UserError(`--index: ${index} is past the last test sample (${test.count - 1})`, 2);
    const pixels = Float64Array.from(test.images.subarray(index * test.sampleSize, (index + 1) * test.sampleSize), (b) => PIXEL_SCALE[b]);
    return { source: `test sample ${index}`, pixels, label: test.labels[index] };
  });
}

/** A probability as a bar of up to 20 cells. */
function bar(p: number): string {
  const cells = Math.round(20 * p);
  return `${'█'.repeat(cells)}${' '.repeat(20 - cells)}`;
}

/** The prepared 28×28 as a one-sample dataset of bytes, for textArt. */
function asDataset(pixels: Float64Array): Dataset {
  const images = Uint8Array.from(pixels, (v) => Math.round(255 * v));
  return { name: 'prepared', images, labels: new Uint8Array(1), count: 1, imageShape: [FIELD, FIELD], sampleSize: images.length, classes: 10 };
}
