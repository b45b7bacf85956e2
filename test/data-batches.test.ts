import { UserError } from '../src/errors';
import { Rng } from '../src/core/rng';
import { BatchStream, type BatchStreamOptions } from '../src/data/batches';
import { gatherBatch, gatherInput, type Dataset } from '../src/data/dataset';
import { allocSparseMatrix, toDense } from '../src/core/sparse';
import { inputSource, listsInput } from '../src/core/input';
import { tsKernels } from '../src/core/ts-kernels';
import type { Tensor } from '../src/core/tensor';
import type { Batch } from '../src/data/batches';

/** A batch's x as a dense tensor, whichever form the stream gave it in. */
const denseX = (batch: Batch): Tensor => batch.x.tensor();

/** n samples of 2×2 pixels; sample i's pixels are i, i+1, i+2, i+3 (mod 256) and its label is i mod 7, so a row identifies its sample. */
function toyDataset(n: number): Dataset {
  const images = new Uint8Array(n * 4);
  for (let i = 0; i < n * 4; i++) images[i] = (Math.floor(i / 4) + (i % 4)) % 256;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 7);
  return { name: 'toy', images, labels, count: n, imageShape: [2, 2], sampleSize: 4, classes: 7 };
}

const epochOptions = (batchSize: number, dropLast = false, shuffle = true): BatchStreamOptions => ({
  batchSize,
  shuffle,
  dropLast,
  sampling: 'epoch',
});

/** The sample indices of every batch of one epoch, recovered from the pixels (n < 256). */
function epochSamples(stream: BatchStream): number[][] {
  stream.startEpoch();
  const out: number[][] = [];
  for (let b = 0; b < stream.batchesPerEpoch; b++) {
    const batch = stream.batch(b);
    const x = denseX(batch);
    expect(x.shape).toEqual([batch.size, 4]);
    const rows: number[] = [];
    for (let r = 0; r < batch.size; r++) {
      const sample = Math.round(x.data[r * 4] * 255);
      expect(x.data[r * 4 + 1]).toBe(((sample + 1) % 256) / 255);
      expect(batch.labels[r]).toBe(sample % 7);
      rows.push(sample);
    }
    out.push(rows);
  }
  return out;
}

describe('gatherBatch', () => {
  test('converts exactly the chosen rows to pixel/255 and copies their labels', () => {
    const ds = toyDataset(10);
    const x = new Float64Array(3 * 4);
    const labels = new Uint8Array(3);
    gatherBatch(ds, [9, 2, 5, 7], 1, 4, x, labels);
    expect(Array.from(x)).toEqual([2, 3, 4, 5, 5, 6, 7, 8, 7, 8, 9, 10].map((v) => v / 255));
    expect(Array.from(labels)).toEqual([2, 5, 0]);
  });

  test('gatherInput into lists (SparseMatrix): the nonzero pixels of each row, in column order, the same values as the dense gather', () => {
    const ds = toyDataset(300); // sample 0 and every 256th have zero pixels
    const picks = [0, 255, 256, 3, 254];
    const sparse = allocSparseMatrix(tsKernels, 5, 4);
    const labels = new Uint8Array(5);
    gatherInput(ds, picks, 0, 5, listsInput(tsKernels, sparse), labels);
    // Pixels (i + j) mod 256: the zeros are pixel 0 of samples 0 and 256 (rows 0, 2), pixel 1
    // of sample 255 (row 1) and pixel 2 of sample 254 (row 4), and are left out.
    expect(Array.from(sparse.byColumn.start)).toEqual([0, 3, 7, 11, 16]);
    expect(Array.from(sparse.byColumn.entry.subarray(0, 7), (e) => e >>> 8)).toEqual([1, 3, 4, 0, 2, 3, 4]);
    expect(Array.from(sparse.byRow.start)).toEqual([0, 3, 6, 9, 13, 16]);
    expect(Array.from(sparse.byRow.entry.subarray(0, 6), (e) => e >>> 8)).toEqual([1, 2, 3, 0, 2, 3]);
    // Each entry's code is its byte: pixel 1 of sample 0 is (0 + 1) mod 256.
    expect(sparse.byRow.entry[0] & 255).toBe(1);
    const dense = new Float64Array(20);
    gatherBatch(ds, picks, 0, 5, dense, labels);
    expect(toDense(sparse).data).toEqual(dense);
    expect(() => gatherInput(ds, picks, 0, 5, listsInput(tsKernels, allocSparseMatrix(tsKernels, 4, 4)), labels)).toThrow(/4 rows/);
    expect(() => gatherBatch(ds, picks, 0, 5, new Float64Array(16), labels)).toThrow(/4 rows/);
  });
});

describe('BatchStream', () => {
  test('a seeded epoch visits every sample exactly once, in a shuffled order', () => {
    const stream = new BatchStream(toyDataset(103), epochOptions(10), new Rng(7));
    const seen = epochSamples(stream).flat();
    expect(seen).toHaveLength(103);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(seen).not.toEqual(Array.from({ length: 103 }, (_, i) => i));
  });

  test('one seed gives one order; the next epoch gets a new order; another seed another', () => {
    const run = (seed: number) => {
      const stream = new BatchStream(toyDataset(50), epochOptions(8), new Rng(seed));
      return [epochSamples(stream).flat(), epochSamples(stream).flat()];
    };
    const [a1, a2] = run(11);
    const [b1, b2] = run(11);
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect(run(12)[0]).not.toEqual(a1);
  });

  test('without shuffle the samples come in stored order', () => {
    const stream = new BatchStream(toyDataset(25), epochOptions(10, false, false), new Rng(1));
    expect(epochSamples(stream)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      [20, 21, 22, 23, 24],
    ]);
  });

  test('keep-last and drop-last give the right batch counts and sizes', () => {
    const keep = new BatchStream(toyDataset(103), epochOptions(10, false), new Rng(1));
    expect(keep.batchesPerEpoch).toBe(11);
    expect(epochSamples(keep).map((b) => b.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    const drop = new BatchStream(toyDataset(103), epochOptions(10, true), new Rng(1));
    expect(drop.batchesPerEpoch).toBe(10);
    const dropped = epochSamples(drop);
    expect(dropped.map((b) => b.length)).toEqual(Array(10).fill(10));
    expect(new Set(dropped.flat()).size).toBe(100);
    const exact = new BatchStream(toyDataset(100), epochOptions(10, false), new Rng(1));
    expect(exact.batchesPerEpoch).toBe(10);
    const bigKeep = new BatchStream(toyDataset(5), epochOptions(8, false), new Rng(1));
    expect(epochSamples(bigKeep).map((b) => b.length)).toEqual([5]);
    expect(() => new BatchStream(toyDataset(5), epochOptions(8, true), new Rng(1))).toThrow(UserError);
  });

  test('full-size batches reuse one buffer, and the input source provides it', () => {
    const allocated: number[] = [];
    const source = inputSource(tsKernels);
    const stream = new BatchStream(toyDataset(23), epochOptions(10), new Rng(1), (capacity, cols) => (allocated.push(capacity * cols), source(capacity, cols)));
    expect(allocated).toEqual([40, 12]); // one full-size buffer, one for the short last batch
    stream.startEpoch();
    const first = stream.batch(0);
    expect(stream.batch(1)).toBe(first);
    expect(denseX(stream.batch(1)).data).toBe(denseX(first).data);
    expect(stream.batch(2).size).toBe(3);
    expect(allocated).toHaveLength(2);
    expect(() => stream.batch(3)).toThrow(RangeError);
  });

  test("'random' sampling draws floor(count / batchSize) batches with replacement", () => {
    const options: BatchStreamOptions = { batchSize: 10, shuffle: false, dropLast: false, sampling: 'random' };
    const stream = new BatchStream(toyDataset(103), options, new Rng(3));
    expect(stream.batchesPerEpoch).toBe(10);
    const batches = epochSamples(stream);
    expect(batches.map((b) => b.length)).toEqual(Array(10).fill(10));
    const all = batches.flat();
    expect(all.every((i) => i >= 0 && i < 103)).toBe(true);
    expect(new Set(all).size).toBeLessThan(100); // with replacement: 100 draws from 103 repeat some (all distinct has probability ~1e-20)
    const again = new BatchStream(toyDataset(103), options, new Rng(3));
    expect(epochSamples(again)).toEqual(batches);
    const tiny = new BatchStream(toyDataset(5), { ...options, batchSize: 8 }, new Rng(3));
    expect(tiny.batchesPerEpoch).toBe(1);
    expect(epochSamples(tiny)[0]).toHaveLength(8);
  });

  test('restoring the rng state from before startEpoch resumes the same epoch mid-way', () => {
    for (const sampling of ['epoch', 'random'] as const) {
      const options: BatchStreamOptions = { batchSize: 6, shuffle: true, dropLast: false, sampling };
      const rng = new Rng(21);
      const stream = new BatchStream(toyDataset(40), options, rng);
      epochSamples(stream); // a first epoch, so the state below is mid-run
      const state = rng.getState();
      const second = epochSamples(stream);

      const rng2 = new Rng(999);
      rng2.setState(state);
      const resumed = new BatchStream(toyDataset(40), options, rng2);
      resumed.startEpoch();
      const samples = (b: number) => {
        const batch = resumed.batch(b);
        return Array.from({ length: batch.size }, (_, r) => Math.round(denseX(batch).data[r * 4] * 255));
      };
      for (let b = 3; b < resumed.batchesPerEpoch; b++) expect(samples(b)).toEqual(second[b]);
    }
  });

  test('a sparse stream gives the same batches, as lists of nonzero pixels', () => {
    const dense = new BatchStream(toyDataset(103), epochOptions(10), new Rng(5));
    const sparse = new BatchStream(toyDataset(103), epochOptions(10), new Rng(5), inputSource(tsKernels, 'lists'));
    expect(epochSamples(sparse)).toEqual(epochSamples(dense));
    expect((sparse.batch(0).x as ReturnType<typeof listsInput>).form).toBe('lists');
  });

  test('batch() before startEpoch() is an error', () => {
    expect(() => new BatchStream(toyDataset(5), epochOptions(2), new Rng(1)).batch(0)).toThrow(/startEpoch/);
  });
});
