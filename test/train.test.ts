import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsKernels } from '../src/core/ts-kernels';
import { parseConfig } from '../src/io/config';
import { readWeights, loadInto } from '../src/io/weights';
import { networkFromConfig } from '../src/net/from-config';
import { train } from '../src/train/trainer';
import { Evaluator } from '../src/train/evaluate';
import { loadTestSet } from '../src/data/source';
import { sliceDataset } from '../src/data/dataset';

const dir = mkdtempSync(join(tmpdir(), 'nnt-train-'));

/** The book's two-layer net on a small slice of MNIST. */
function smallConfig(name: string, extra: { training?: object; data?: object } = {}) {
  return parseConfig(
    JSON.stringify({
      layers: [{ type: 'affine', units: 50 }, { type: 'relu' }, { type: 'affine', units: 10 }],
      init: { type: 'std', std: 0.01 },
      data: { batchSize: 100, trainLimit: 2000, testLimit: 1000, ...extra.data },
      training: { epochs: 3, learningRate: 0.1, seed: 7, ...extra.training },
      output: { weights: join(dir, name, 'weights.json') },
    }),
    `${name}.json`,
  );
}

function paramBytes(file: string): string[] {
  return readWeights(file).params.map((p) => `${p.name}:${p.sha256}`);
}

describe('training on a small MNIST subset', () => {
  let history: Awaited<ReturnType<typeof train>>['history'];

  beforeAll(async () => {
    const outcome = await train({ config: smallConfig('a'), where: 'a.json', kernels: tsKernels });
    expect(outcome.status).toBe('completed');
    history = outcome.history;
  });

  test('lowers the loss and beats chance clearly', () => {
    expect(history).toHaveLength(3);
    expect(history[2].trainLoss).toBeLessThan(history[0].trainLoss);
    expect(history[0].trainLoss).toBeLessThan(2.3); // −ln(1/10) ≈ 2.303 is where an untrained net starts
    expect(history[2].evalSet).toBe('test');
    expect(history[2].evalAccuracy!).toBeGreaterThan(0.4); // chance is 0.10; the book's std 0.01 start is slow to break symmetry
    expect(history[2].evalAccuracy!).toBeGreaterThan(history[0].evalAccuracy!);
  });

  test('writes weights and one metrics line per epoch', () => {
    const paths = { weights: join(dir, 'a', 'weights.json'), metrics: join(dir, 'a', 'weights.metrics.jsonl') };
    const lines = readFileSync(paths.metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
    expect(lines[2]).toEqual(history[2]);
    expect(readWeights(paths.weights).metrics).toEqual(history[2]);
  });

  test('the same config and seed give bit-identical weights; another seed does not', async () => {
    await train({ config: smallConfig('b'), where: 'b.json', kernels: tsKernels });
    await train({ config: smallConfig('c', { training: { seed: 8 } }), where: 'c.json', kernels: tsKernels });
    expect(paramBytes(join(dir, 'b', 'weights.json'))).toEqual(paramBytes(join(dir, 'a', 'weights.json')));
    expect(paramBytes(join(dir, 'c', 'weights.json'))).not.toEqual(paramBytes(join(dir, 'a', 'weights.json')));
  });

  test('save → load → eval gives identical predictions', async () => {
    const config = smallConfig('d', { training: { epochs: 1 } });
    const outcome = await train({ config, where: 'd.json', kernels: tsKernels });
    const test = sliceDataset(loadTestSet(), 0, 1000, 'test');
    const before = new Evaluator(test, 10).evaluate(outcome.network);
    const doc = readWeights(join(dir, 'd', 'weights.json'));
    const loaded = networkFromConfig(doc.config, doc.inputSize, doc.classes, tsKernels, 'd');
    loadInto(loaded, doc, 'd');
    const after = new Evaluator(test, 10).evaluate(loaded);
    expect(after.predictions).toEqual(before.predictions);
    expect(after.loss).toBe(before.loss);
  });

  test.each(['epoch', 'random'] as const)('an interrupted and resumed run (%s sampling) ends with the same weights as an uninterrupted one', async (sampling) => {
    const whole = smallConfig(`whole-${sampling}`, { data: { sampling } });
    const uninterrupted = await train({ config: whole, where: 'whole', kernels: tsKernels });

    const parts = smallConfig(`parts-${sampling}`, { data: { sampling } });
    let batches = 0;
    const stopped = await train({ config: parts, where: 'parts', kernels: tsKernels, shouldStop: () => ++batches === 27 });
    expect(stopped.status).toBe('interrupted');
    const checkpoint = join(dir, `parts-${sampling}`, 'weights.checkpoint.json');
    expect(existsSync(checkpoint)).toBe(true);
    expect(existsSync(join(dir, `parts-${sampling}`, 'weights.json'))).toBe(false);

    const resumed = await train({ config: parts, where: 'parts', kernels: tsKernels, resume: readWeights(checkpoint) });
    expect(resumed.status).toBe('completed');
    expect(paramBytes(join(dir, `parts-${sampling}`, 'weights.json'))).toEqual(paramBytes(join(dir, `whole-${sampling}`, 'weights.json')));
    const withoutTime = (h: typeof history) => h.map(({ seconds, ...m }) => m);
    expect(withoutTime(resumed.history)).toEqual(withoutTime(uninterrupted.history));
  });

  test('a diverging run stops with a clear message and keeps the last good checkpoint', async () => {
    const config = smallConfig('nan', { training: { learningRate: 1e200, epochs: 3 } });
    const outcome = await train({ config, where: 'nan.json', kernels: tsKernels });
    expect(outcome.status).toBe('diverged');
    expect(outcome.message).toMatch(/training diverged at epoch \d+, batch \d+: the loss became (NaN|Infinity)\. Try a lower learning rate \(now 1e\+200\)/);
    expect(existsSync(join(dir, 'nan', 'weights.json'))).toBe(false);
  });
});
