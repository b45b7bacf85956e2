import { UserError } from '../errors';
import type { Kernels } from '../core/kernels';
import type { Rng } from '../core/rng';
import { tsKernels } from '../core/ts-kernels';
import { allocSparseMatrix, isSparse, type SparseMatrix } from '../core/sparse';
import type { Tensor } from '../core/tensor';
import { gatherBatch, type Dataset } from './dataset';

/**
 * How minibatches are drawn.
 * - sampling 'epoch': every sample once per epoch, in a fresh seeded random order if `shuffle`
 *   (in stored order otherwise); the last batch is short when batchSize does not divide the
 *   count, and is dropped if `dropLast`.
 * - sampling 'random': the book's way — each batch is batchSize samples drawn uniformly with
 *   replacement; an "epoch" is floor(count / batchSize) such batches. `shuffle` and `dropLast`
 *   do not apply.
 * - sparse: x is given as SparseMatrix, the nonzero pixels of each image only (for a network
 *   whose first layer is Affine: see Network.takesSparseInput), instead of a dense tensor.
 */
export interface BatchStreamOptions {
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  sampling: 'epoch' | 'random';
  sparse?: boolean;
}

/** One minibatch: x is size×sampleSize pixels in [0, 1]; labels[0..size) are its classes. */
export interface Batch {
  x: Tensor | SparseMatrix;
  labels: Uint8Array;
  size: number;
}

/**
 * Streams the minibatches of a dataset, converting only the current batch to float64, into
 * buffers allocated once (the training loop allocates nothing). A Batch returned by batch(i)
 * is overwritten by the next call: use it before asking for another.
 *
 * Sparse batches on a backend with worker threads come from two buffers in turn: while the
 * caller trains on batch i, batch i + 1 is gathered into the other one in the background
 * (Kernels.gatherSparseLater). The batches are the same either way.
 */
export class BatchStream {
  readonly batchesPerEpoch: number;
  private readonly order: Int32Array;
  private readonly full?: Batch;
  private readonly short?: Batch;
  /** A second full-size batch, for gathering the next batch in the background (see above). */
  private readonly spare?: Batch;
  /** The batch that is being gathered in the background, and its number in this epoch. */
  private next?: { index: number; batch: Batch };
  private started = false;

  constructor(
    private readonly ds: Dataset,
    private readonly options: BatchStreamOptions,
    private readonly rng: Rng,
    alloc: (n: number) => Float64Array = (n) => new Float64Array(n),
    /** Does the conversion of each batch (the backend `alloc` belongs to). */
    private readonly kernels: Kernels = tsKernels,
  ) {
    const { batchSize, sampling, dropLast } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`batch size must be a positive integer, got ${batchSize}`);
    if (sampling !== 'epoch' && sampling !== 'random') throw new UserError(`sampling must be 'epoch' or 'random', got '${sampling}'`);
    const count = ds.count;
    const fullBatches = Math.floor(count / batchSize);
    const remainder = count - fullBatches * batchSize;
    if (sampling === 'random') {
      this.batchesPerEpoch = Math.max(1, fullBatches);
      this.order = new Int32Array(this.batchesPerEpoch * batchSize);
      this.full = this.makeBatch(batchSize, alloc);
    } else {
      this.batchesPerEpoch = fullBatches + (remainder > 0 && !dropLast ? 1 : 0);
      if (this.batchesPerEpoch === 0) {
        throw new UserError(
          `batch size ${batchSize} is larger than the ${count} samples of the '${ds.name}' set, and the short last batch is dropped: no batches`,
        );
      }
      this.order = new Int32Array(count);
      if (fullBatches > 0) this.full = this.makeBatch(batchSize, alloc);
      if (remainder > 0 && !dropLast) this.short = this.makeBatch(remainder, alloc);
    }
    if (options.sparse && kernels.gatherSparseLater && this.full && this.batchesPerEpoch > 1) this.spare = this.makeBatch(batchSize, alloc);
  }

  /**
   * Draws this epoch's sample order from the rng: a shuffled (or, without shuffle, identity)
   * permutation for 'epoch'; batchesPerEpoch×batchSize indices drawn with replacement for
   * 'random'. This is the ONLY place the stream uses the rng, so a trainer can resume
   * mid-epoch by restoring the rng state from before startEpoch(), calling startEpoch() again
   * and continuing at batch i.
   */
  startEpoch(): void {
    this.forgetNext();
    const order = this.order;
    if (this.options.sampling === 'random') {
      for (let i = 0; i < order.length; i++) order[i] = this.rng.int(this.ds.count);
    } else {
      // Restart from the identity, so the order depends on the rng state alone, not on past epochs.
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (this.options.shuffle) this.rng.shuffle(order);
    }
    this.started = true;
  }

  /** Batch i (0-based) of the current epoch; reuses its buffers (the same Batch object/tensor for full-size batches). */
  batch(i: number): Batch {
    if (!this.started) throw new Error('BatchStream: call startEpoch() before batch()');
    if (!Number.isInteger(i) || i < 0 || i >= this.batchesPerEpoch) {
      throw new RangeError(`BatchStream: batch ${i} is not one of the ${this.batchesPerEpoch} batches of an epoch`);
    }
    let batch: Batch;
    if (this.next?.index === i) {
      this.kernels.finishBackground?.();
      batch = this.next.batch;
      this.next = undefined;
    } else {
      // Whatever was gathered ahead is not this batch (a resumed epoch starts anywhere).
      this.forgetNext();
      batch = this.gather(i, this.full, false);
    }
    // The next batch into the other full-size buffer, in the background.
    if (this.spare && i + 1 < this.batchesPerEpoch) {
      const other = batch === this.full ? this.spare : this.full!;
      if (this.sizeOf(i + 1) === this.options.batchSize) this.next = { index: i + 1, batch: this.gather(i + 1, other, true) };
    }
    return batch;
  }

  /** The sample indices of the current epoch, in visiting order (a view; do not modify). */
  epochOrder(): Int32Array {
    return this.order;
  }

  /** Samples in batch i. */
  private sizeOf(i: number): number {
    const start = i * this.options.batchSize;
    return Math.min(start + this.options.batchSize, this.order.length) - start;
  }

  /** Gathers batch i into `full` (or the short batch, if i is the short last one), in the background if `later`. */
  private gather(i: number, full: Batch | undefined, later: boolean): Batch {
    const start = i * this.options.batchSize, size = this.sizeOf(i);
    const batch = size === this.options.batchSize ? full! : this.short!;
    gatherBatch(this.ds, this.order, start, start + size, isSparse(batch.x) ? batch.x : batch.x.data, batch.labels, this.kernels, later);
    return batch;
  }

  /** Waits for a background gather to finish, and forgets its batch. */
  private forgetNext(): void {
    if (!this.next) return;
    this.kernels.finishBackground?.();
    this.next = undefined;
  }

  private makeBatch(size: number, alloc: (n: number) => Float64Array): Batch {
    const d = this.ds.sampleSize;
    const x = this.options.sparse ? allocSparseMatrix(this.kernels, size, d) : { data: alloc(size * d), shape: [size, d] };
    return { x, labels: new Uint8Array(size), size };
  }
}
