import { createKernels } from '../src/core/backend';
import type { Kernels } from '../src/core/kernels';
import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { BatchStream } from '../src/data/batches';
import { gatherInput, sliceDataset } from '../src/data/dataset';
import { asInput, inputSource, type InputBuffer } from '../src/core/input';
import { buildNetwork } from '../src/net/build';
import { loadTrainSet } from '../src/data/source';
import { Affine } from '../src/layers/affine';
import { Relu } from '../src/layers/relu';
import { SoftmaxWithLoss } from '../src/layers/softmax-with-loss';
import { gradientCheck } from '../src/net/gradcheck';
import { Network } from '../src/net/network';
import { parseConfig } from '../src/io/config';
import { train } from '../src/train/trainer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWeights } from '../src/io/weights';
import { firstDifference } from './helpers';

/** 784-50-10 ReLU on `kernels` (its first layer an InputAffine), with weights drawn from one seed whatever the backend. */
function twoLayer(kernels: Kernels): Network {
  const net = buildNetwork({ inputSize: 784, layers: [{ type: 'affine', units: 50 }, { type: 'relu' }, { type: 'affine', units: 10 }] }, kernels, new Rng(1));
  const rng = new Rng(5);
  for (const p of net.params()) for (let i = 0; i < p.value.length; i++) p.value[i] = 0.1 * (rng.uniform() - 0.5);
  return net;
}

/** n real MNIST digits as a sparse batch (in `kernels`' memory) and as the dense tensor it stands for. */
function mnistBatch(n: number, kernels: Kernels): { sparse: InputBuffer; labels: Uint8Array } {
  const train = sliceDataset(loadTrainSet(), 0, 1000, 'train');
  const picks = Array.from({ length: n }, (_, i) => (i * 37) % 1000);
  const sparse = inputSource(kernels, 'lists')(n, 784);
  const labels = new Uint8Array(n);
  gatherInput(train, picks, 0, n, sparse, labels);
  return { sparse, labels };
}

/** The loss and every gradient after one forward and backward pass. */
function pass(net: Network, x: Parameters<Network['gradient']>[0], labels: Uint8Array): Float64Array[] {
  const loss = net.gradient(x, labels);
  return [Float64Array.of(loss), ...net.params().map((p) => Float64Array.from(p.grad))];
}

/** Where each of two passes' arrays first differ (all −1: bit for bit the same); toEqual takes seconds on these lengths. */
function differences(a: Float64Array[], b: Float64Array[]): number[] {
  expect(a.length).toBe(b.length);
  return a.map((values, k) => firstDifference(values, b[k]));
}

describe('a sparse batch into the first Affine layer', () => {
  test('its backward pass passes the gradient check, on real digits', () => {
    const { sparse, labels } = mnistBatch(3, tsKernels);
    const net = twoLayer(tsKernels);
    const rows = gradientCheck(net, sparse, labels, { maxEntries: 300, rng: new Rng(2) });
    for (const row of rows) expect(row.passed).toBe(true);
    expect(rows.find((r) => r.name === 'affine1.W')!.checked).toBe(300);
  });

  test('gives bit for bit what the dense batch gives, on the reference kernels', () => {
    const { sparse, labels } = mnistBatch(20, tsKernels);
    const dense = { ...sparse.tensor(), data: Float64Array.from(sparse.tensor().data) };
    const fromSparse = pass(twoLayer(tsKernels), sparse, labels);
    expect(differences(fromSparse, pass(twoLayer(tsKernels), dense, labels))).toEqual(fromSparse.map(() => -1));
  });

  test.each([
    ['simd', 1],
    ['relaxed-simd', 1],
    ['relaxed-simd', 2],
  ] as const)('on wasm-%s ×%i: agrees with the reference to rounding, and is deterministic', (variant, threads) => {
    const wasm = createKernels('wasm', { variant, threads, chooser: { split: true, windowCalls: Infinity } });
    try {
      const { sparse, labels } = mnistBatch(100, wasm);
      const reference = pass(twoLayer(tsKernels), sparse.tensor(), labels);
      const first = pass(twoLayer(wasm), sparse, labels);
      const again = pass(twoLayer(wasm), sparse, labels);
      expect(differences(again, first)).toEqual(first.map(() => -1));
      let worst = 0; // one expect, not one per weight
      first.forEach((values, k) => {
        for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - reference[k][i]) / (1 + Math.abs(reference[k][i])));
      });
      expect(worst).toBeLessThan(1e-12);
      // Plain SIMD on one thread adds the same products in the same order as the reference.
      if (variant === 'simd' && threads === 1) expect(differences(first, reference)).toEqual(first.map(() => -1));
    } finally {
      wasm.dispose?.();
    }
  });

  test.each(['simd', 'relaxed-simd'] as const)('on wasm-%s: two threads, every call split, give the bits of one', (variant) => {
    const one = createKernels('wasm', { variant, threads: 1 });
    const two = createKernels('wasm', { variant, threads: 2, chooser: { split: true, windowCalls: Infinity } });
    try {
      const a = mnistBatch(100, one), b = mnistBatch(100, two);
      const first = pass(twoLayer(one), a.sparse, a.labels);
      const split = pass(twoLayer(two), b.sparse, b.labels);
      expect(differences(split, first)).toEqual(first.map(() => -1));
    } finally {
      one.dispose?.();
      two.dispose?.();
    }
  });

  test('a network whose first layer is not an InputAffine asks for dense batches, and reads lists written out in full', () => {
    const net = new Network([new Relu('relu1', tsKernels), new Affine('affine1', 784, 10, tsKernels)], new SoftmaxWithLoss(tsKernels));
    expect(net.inputForm).toBe('dense');
    expect(twoLayer(tsKernels).inputForm).toBe('lists');
    const { sparse } = mnistBatch(2, tsKernels);
    const fromLists = Float64Array.from(net.predict(sparse).data);
    expect(net.predict(asInput({ ...sparse.tensor(), data: Float64Array.from(sparse.tensor().data) })).data).toEqual(fromLists);
  });
});

describe('sparse batches gathered ahead, in the background', () => {
  test('a BatchStream on two threads gives the batches of the reference stream, in order, across epochs and when resumed mid-epoch', () => {
    const train = sliceDataset(loadTrainSet(), 0, 1050, 'train'); // ten batches of 100 and a short one of 50
    const options = { batchSize: 100, shuffle: true, dropLast: false, sampling: 'epoch' as const };
    const wasm = createKernels('wasm', { threads: 2, chooser: { split: true, windowCalls: Infinity } });
    try {
      expect(wasm.gatherSparseLater).toBeDefined();
      const reference = new BatchStream(train, options, new Rng(9), inputSource(tsKernels, 'lists'));
      const stream = new BatchStream(train, options, new Rng(9), inputSource(wasm, 'lists'));
      const w = wasm.alloc(784 * 50), out = wasm.alloc(100 * 50);
      const same = (i: number) => {
        const a = stream.batch(i), b = reference.batch(i);
        expect(a.size).toBe(b.size);
        expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
        expect(firstDifference(a.x.tensor().data, b.x.tensor().data)).toBe(-1);
        // A product split over the threads, as in training: the next batch is gathered on a worker meanwhile.
        if (a.size === 100) a.x.matmul(wasm, w, out, 50);
      };
      for (let epoch = 0; epoch < 2; epoch++) {
        stream.startEpoch();
        reference.startEpoch();
        for (let i = 0; i < stream.batchesPerEpoch; i++) same(i);
      }
      stream.startEpoch();
      reference.startEpoch();
      for (const i of [4, 5, 2, 3, 10, 0, 1]) same(i);
    } finally {
      wasm.dispose?.();
    }
  });
});

describe('training with sparse batches on two threads', () => {
  test('the same seed and thread count give bit-identical weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnt-sparse-'));
    const run = async (name: string) => {
      const config = parseConfig(
        JSON.stringify({
          layers: [{ type: 'affine', units: 50 }, { type: 'relu' }, { type: 'affine', units: 10 }],
          init: { type: 'std', std: 0.01 },
          data: { batchSize: 100, trainLimit: 2000, testLimit: 500 },
          training: { epochs: 2, learningRate: 0.1, seed: 3 },
          output: { weights: join(dir, name, 'weights.json'), checkpointEvery: 0 },
        }),
        `${name}.json`,
      );
      const kernels = createKernels('wasm', { threads: 2, chooser: { split: true, windowCalls: Infinity } });
      try {
        const outcome = await train({ config, where: name, kernels });
        expect(outcome.status).toBe('completed');
      } finally {
        kernels.dispose?.();
      }
      return readWeights(join(dir, name, 'weights.json')).params.map((p) => p.sha256);
    };
    expect(await run('b')).toEqual(await run('a'));
  });
});
