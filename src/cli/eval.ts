import { basename } from 'node:path';
import { UserError } from '../errors';
import { plural, table } from './format';
import { loadTestSet } from '../data/source';
import { sliceDataset } from '../data/dataset';
import { loadInto, readWeights } from '../io/weights';
import { Evaluator, perClass, type Evaluation } from '../train/evaluate';
import { textArt } from '../data/text-art';
import { existingWeights, latestRun } from '../io/runs';
import { checkNetworkMemory } from '../train/preflight';
import { networkFromConfig } from '../net/from-config';
import { tsKernels } from '../core/ts-kernels';

interface Options {
  data?: string;
  limit?: number;
  json?: boolean;
  showErrors?: number;
}

/** `nnt eval [WEIGHTS]`: without WEIGHTS, the most recently written run under runs/ (and says so). */
export function run(given: string | undefined, opts: Options): void {
  const file = given === undefined ? latestRun() : existingWeights(given);
  if (given === undefined && !opts.json) console.log(`evaluating the most recent run: ${file}`);
  const doc = readWeights(file);
  const name = basename(file);
  checkNetworkMemory(doc.config, doc.inputSize, 500, name, doc.inputShape);
  const net = networkFromConfig(doc.config, doc.inputSize, doc.classes, tsKernels, name, doc.inputShape);
  loadInto(net, doc, file);

  const source = opts.data ? { dir: opts.data } : doc.config.data;
  let test = loadTestSet(source);
  if (opts.limit !== undefined) test = sliceDataset(test, 0, Math.min(opts.limit, test.count), 'test');
  if (test.sampleSize !== doc.inputSize) {
    throw new UserError(`${name}: the network takes ${doc.inputSize} inputs per sample, the test images have ${test.sampleSize}`);
  }
  if (test.classes > doc.classes) {
    throw new UserError(`${name}: the network knows ${doc.classes} classes, the test labels go up to ${test.classes - 1}`);
  }
  const e = new Evaluator(test, doc.classes).evaluate(net);
  const { precision, recall } = perClass(e);

  if (opts.json) {
    const c = e.classes;
    const confusion = Array.from({ length: c }, (_, t) => Array.from(e.confusion.subarray(t * c, (t + 1) * c)));
    console.log(JSON.stringify({ weights: file, samples: e.count, accuracy: e.accuracy, loss: e.loss, confusion, precision, recall }, null, 2));
    return;
  }
  console.log(`${name}: ${plural(e.count, 'test sample')}  accuracy ${(100 * e.accuracy).toFixed(2)}%  mean loss ${e.loss.toFixed(4)}`);
  console.log(`\nconfusion matrix (rows: true class, columns: predicted)\n${confusionTable(e)}`);
  console.log(
    `\n${table(
      ['class', 'precision', 'recall', 'samples'],
      precision.map((p, k) => [String(k), pct(p), pct(recall[k]), String(rowSum(e, k))]),
    )}`,
  );
  if (opts.showErrors) showErrors(e, test, opts.showErrors);
}

function confusionTable(e: Evaluation): string {
  const c = e.classes;
  const header = ['', ...Array.from({ length: c }, (_, k) => String(k))];
  const rows = Array.from({ length: c }, (_, t) => [String(t), ...Array.from(e.confusion.subarray(t * c, (t + 1) * c), String)]);
  return table(header, rows);
}

function rowSum(e: Evaluation, k: number): number {
  return e.confusion.subarray(k * e.classes, (k + 1) * e.classes).reduce((s, v) => s + v, 0);
}

function pct(x: number): string {
  return Number.isNaN(x) ? '-' : `${(100 * x).toFixed(2)}%`;
}

function showErrors(e: Evaluation, test: ReturnType<typeof loadTestSet>, n: number): void {
  let shown = 0;
  for (let i = 0; i < e.count && shown < n; i++) {
    if (e.predictions[i] === test.labels[i]) continue;
    shown++;
    console.log(`\nsample ${i}: true ${test.labels[i]}, predicted ${e.predictions[i]}`);
    console.log(textArt(test, i).join('\n'));
  }
  if (shown === 0) console.log('\nno misclassified samples');
}
