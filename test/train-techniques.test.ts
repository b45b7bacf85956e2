import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsKernels } from '../src/core/ts-kernels';
import { sliceDataset } from '../src/data/dataset';
import { loadTrainSet, splitValidation } from '../src/data/source';
import { parseConfig } from '../src/io/config';
import { loadInto, readWeights } from '../src/io/weights';
import { networkFromConfig } from '../src/net/from-config';
import { optimizerTypes } from '../src/optim/create';
import { Evaluator } from '../src/train/evaluate';
import { train, type TrainOutcome } from '../src/train/trainer';

const dir = mkdtempSync(join(tmpdir(), 'nnt-techniques-'));
const twoLayer = [{ type: 'affine', units: 50 }, { type: 'relu' }, { type: 'affine', units: 10 }];
/** The net of the book's optimizer comparison (ch. 6, optimizer_compare_mnist.py): four hidden ReLU layers of 100. */
const bookNet = [...Array(4)].flatMap(() => [{ type: 'affine', units: 100 }, { type: 'relu' }]).concat({ type: 'affine', units: 10 });

function config(name: string, settings: { layers?: object[]; training?: object; data?: object; output?: object }) {
  return parseConfig(
    JSON.stringify({
      layers: settings.layers ?? twoLayer,
      data: { batchSize: 50, trainLimit: 600, testLimit: 300, ...settings.data },
      training: { epochs: 3, seed: 7, ...settings.training },
      output: { weights: join(dir, name, 'weights.json'), ...settings.output },
    }),
    `${name}.json`,
  );
}

function paramBytes(file: string): string[] {
  const doc = readWeights(file);
  return [...doc.params, ...doc.state].map((p) => `${p.name}:${p.sha256}`);
}

const withoutTime = (outcome: TrainOutcome) => outcome.history.map(({ seconds, ...m }) => m);

describe('resuming a run with stateful techniques continues it bit for bit', () => {
  test.each([
    ['adam', { training: { optimizer: 'adam' } }],
    [
      'dropout, batch norm, momentum, weight decay, clipping, cosine with warm-up',
      {
        layers: [{ type: 'affine', units: 50 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dropout', ratio: 0.3 }, { type: 'affine', units: 10 }],
        training: {
          optimizer: { type: 'momentum', momentum: 0.8 },
          learningRate: 0.05,
          weightDecay: 1e-3,
          clipNorm: 2,
          schedule: { type: 'cosine', warmupSteps: 15 }, // the warm-up ends after the stop
        },
      },
    ],
  ])('%s', async (label, settings) => {
    const name = label.split(',')[0];
    const whole = await train({ config: config(`whole-${name}`, settings), where: 'whole', kernels: tsKernels });
    expect(whole.status).toBe('completed');

    const parts = config(`parts-${name}`, settings);
    let batches = 0;
    // 12 batches per epoch: stop in the middle of the second.
    const stopped = await train({ config: parts, where: 'parts', kernels: tsKernels, shouldStop: () => ++batches === 17 });
    expect(stopped.status).toBe('interrupted');
    const checkpoint = readWeights(join(dir, `parts-${name}`, 'weights.checkpoint.json'));
    const resumed = await train({ config: parts, where: 'parts', kernels: tsKernels, resume: checkpoint });
    expect(resumed.status).toBe('completed');

    expect(paramBytes(join(dir, `parts-${name}`, 'weights.json'))).toEqual(paramBytes(join(dir, `whole-${name}`, 'weights.json')));
    expect(withoutTime(resumed)).toEqual(withoutTime(whole));
    // The state that makes this possible is in the checkpoint.
    const saved = checkpoint.checkpoint as { step: number; batch: number; optimizer: { type: string; step: number; buffers: unknown[] }; modelRng: number[] };
    expect(saved.batch).toBeGreaterThan(0);
    expect(saved.optimizer.step).toBe(saved.step);
    expect(saved.optimizer.buffers).toHaveLength(name === 'adam' ? 8 : 6); // m and v of 4 params; v of 6 params (γ, β too)
  });

  test('a learning rate that changes per step is reported per epoch and follows the schedule', async () => {
    const outcome = await train({
      config: config('cosine', { data: { trainLimit: 200 }, training: { optimizer: 'adam', schedule: { type: 'cosine' }, epochs: 4 }, output: { evaluateEvery: 0 } }),
      where: 'cosine',
      kernels: tsKernels,
    });
    // Adam's default 0.001, half a cosine over 4 epochs: epoch e runs at 0.001·(1 + cos(π·e/4))/2.
    expect(outcome.history.map((m) => m.learningRate)).toEqual([0, 1, 2, 3].map((e) => 0.001 * 0.5 * (1 + Math.cos((Math.PI * e) / 4))));
  });

  test('weight decay is part of the training loss, not of the evaluation loss', async () => {
    const settings = (weightDecay: number) => ({ data: { trainLimit: 100 }, training: { epochs: 1, learningRate: 1e-12, weightDecay } });
    const plain = await train({ config: config('wd0', settings(0)), where: 'wd0', kernels: tsKernels });
    const decayed = await train({ config: config('wd1', settings(0.1)), where: 'wd1', kernels: tsKernels });
    // With a learning rate of ~0 the weights stay the initial ones; the difference is 0.5·λ·ΣW².
    const net = networkFromConfig(config('wd1', settings(0.1)), 784, 10, tsKernels, 'wd1');
    let sum = 0;
    for (const p of net.params()) if (p.decay) for (const w of p.value) sum += w * w;
    expect(sum).toBeGreaterThan(1);
    expect(decayed.history[0].trainLoss - plain.history[0].trainLoss).toBeCloseTo(0.5 * 0.1 * sum, 6);
    expect(decayed.history[0].evalLoss!).toBeCloseTo(plain.history[0].evalLoss!, 6);
  });
});

describe('optimizers on a small MNIST subset', () => {
  const runs = new Map<string, TrainOutcome>();

  beforeAll(async () => {
    for (const optimizer of optimizerTypes) {
      const c = config(`opt-${optimizer}`, { training: { optimizer, epochs: 2 }, output: { evaluateEvery: 0, checkpointEvery: 0 } });
      runs.set(optimizer, await train({ config: c, where: optimizer, kernels: tsKernels }));
    }
  });

  test.each([...optimizerTypes])('%s lowers the loss at its default learning rate', (optimizer) => {
    const [first, second] = runs.get(optimizer)!.history;
    expect(second.trainLoss).toBeLessThan(first.trainLoss);
    expect(second.evalLoss!).toBeLessThan(Math.log(10) - 0.05); // an untrained net is at about ln 10
  });

  test("Adam and Momentum beat plain SGD in the same number of steps, at the book's settings", async () => {
    // optimizer_compare_mnist.py: batches of 128, the optimizers' default rates, He initialisation.
    const finalLoss = async (optimizer: string) => {
      const c = config(`book-${optimizer}`, {
        layers: bookNet,
        data: { batchSize: 128, trainLimit: 1024 },
        training: { optimizer, iterations: 24, epochs: undefined },
        output: { evaluateEvery: 0, checkpointEvery: 0 },
      });
      return (await train({ config: c, where: optimizer, kernels: tsKernels })).history.at(-1)!.trainLoss;
    };
    const sgd = await finalLoss('sgd');
    expect(await finalLoss('momentum')).toBeLessThan(sgd - 0.2);
    expect(await finalLoss('adam')).toBeLessThan(sgd - 0.2);
  });
});

describe('early stopping', () => {
  test('stops a run that overfits, keeping the weights of the best validation epoch', async () => {
    const limit = 40;
    const patience = 3;
    const c = config('early', {
      data: { batchSize: 20, trainLimit: 300, validation: 100 },
      training: { optimizer: 'adam', learningRate: 0.01, epochs: limit, earlyStopping: { patience, metric: 'loss' } },
    });
    const outcome = await train({ config: c, where: 'early', kernels: tsKernels });
    const history = outcome.history;
    expect(outcome.status).toBe('early-stopped');
    expect(history.length).toBeLessThan(limit);
    expect(history.every((m) => m.evalSet === 'validation')).toBe(true);

    const losses = history.map((m) => m.evalLoss!);
    const bestEpoch = losses.indexOf(Math.min(...losses)) + 1;
    expect(outcome.best).toEqual({ epoch: bestEpoch, metric: 'loss', value: losses[bestEpoch - 1], evalSet: 'validation' });
    expect(history).toHaveLength(bestEpoch + patience);
    expect(outcome.message).toContain(`the best was epoch ${bestEpoch}`);
    expect(outcome.message).toContain(join(dir, 'early', 'weights.best.json'));

    // The best file holds that epoch's weights and metrics; the weights file the last epoch's.
    const best = readWeights(join(dir, 'early', 'weights.best.json'));
    expect(best.metrics).toEqual(history[bestEpoch - 1]);
    expect(readWeights(join(dir, 'early', 'weights.json')).metrics).toEqual(history.at(-1));
    const net = networkFromConfig(best.config, best.inputSize, best.classes, tsKernels, 'best');
    loadInto(net, best, 'best');
    const validation = splitValidation(sliceDataset(loadTrainSet(), 0, 300, 'train'), 100).validation;
    expect(new Evaluator(validation, 10).evaluate(net).loss).toBe(losses[bestEpoch - 1]);
  });

  test('without early stopping no best file is written', () => {
    expect(existsSync(join(dir, 'whole-adam', 'weights.best.json'))).toBe(false);
  });
});

describe('initialisation', () => {
  const std = (values: Float64Array) => Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
  test('He before ReLU and Xavier before sigmoid by default; per-layer init wins over the network-wide one', () => {
    const relu = networkFromConfig(config('i1', {}), 784, 10, tsKernels, 'i1');
    expect(std(relu.param('affine1.W').value) / Math.sqrt(2 / 784)).toBeCloseTo(1, 1);
    expect(std(relu.param('affine2.W').value) / Math.sqrt(1 / 50)).toBeCloseTo(1, 1); // before the softmax: Xavier
    const sigmoid = networkFromConfig(config('i2', { layers: [{ type: 'affine', units: 50 }, { type: 'sigmoid' }, { type: 'affine', units: 10 }] }), 784, 10, tsKernels, 'i2');
    expect(std(sigmoid.param('affine1.W').value) / Math.sqrt(1 / 784)).toBeCloseTo(1, 1);
    const mixed = parseConfig(
      JSON.stringify({ layers: [{ type: 'affine', units: 50, init: { type: 'std', std: 0.01 } }, { type: 'relu' }, { type: 'affine', units: 10 }], init: { type: 'he' } }),
      'm.json',
    );
    const net = networkFromConfig(mixed, 784, 10, tsKernels, 'm');
    expect(std(net.param('affine1.W').value) / 0.01).toBeCloseTo(1, 1);
    expect(std(net.param('affine2.W').value) / Math.sqrt(2 / 50)).toBeCloseTo(1, 1);
  });
});
