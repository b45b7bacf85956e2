import { UserError } from '../errors';
import { inputSource, type InputBatch, type InputBuffer, type InputSource } from '../core/input';
import type { Rng } from '../core/rng';
import { tsKernels } from '../core/ts-kernels';
import { gatherInput, type Dataset } from './dataset';

/**
 * How minibatches are drawn.
 * - sampling 'epoch': every sample once per epoch, in a fresh seeded random order if `shuffle`
 *   (in stored order otherwise); the last batch is short when batchSize does not divide the
 *   count, and is dropped if `dropLast`.
 * - sampling 'random': the book's way — each batch is batchSize samples drawn uniformly with
 *   replacement; an "epoch" is floor(count / batchSize) such batches. `shuffle` and `dropLast`
 *   do not apply.
 */
export interface BatchStreamOptions {
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  sampling: 'epoch' | 'random';
}

/** One minibatch: x is size×sampleSize pixels in [0, 1] (x.tensor() for the numbers); labels[0..size) are its classes. */
export interface Batch {
  x: InputBatch;
  labels: Uint8Array;
  size: number;
}

/**
 * Streams the minibatches of a dataset, converting only the current batch to float64, into
 * buffers allocated once (the training loop allocates nothing). A Batch returned by batch(i)
 * is overwritten by the next call: use it before asking for another.
 *
 * The buffers come from `inputs` (see src/core/input.ts: dense, or lists of the nonzero
 * pixels, in the memory of the backend that made them). Where they can be filled in the
 * background (InputBuffer.background), batches come from two buffers in turn: while the
 * caller trains on batch i, batch i + 1 is gathered into the other one. The batches are the
 * same either way.
 */
export class BatchStream {
  readonly batchesPerEpoch: number;
  private readonly order: Int32Array;
  private readonly full?: BufferedBatch;
  private readonly short?: BufferedBatch;
  /** A second full-size batch, for gathering the next batch in the background (see above). */
  private readonly spare?: BufferedBatch;
  /** The batch that is being gathered in the background, and its number in this epoch. */
  private next?: { index: number; batch: BufferedBatch };
  private started = false;

  constructor(
    private readonly ds: Dataset,
    private readonly options: BatchStreamOptions,
    private readonly rng: Rng,
    /** Makes the batch buffers, and so decides their form and backend (default: dense, TypeScript). */
    private readonly inputs: InputSource = inputSource(tsKernels),
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
      this.full = this.makeBatch(batchSize);
    } else {
      this.batchesPerEpoch = fullBatches + (remainder > 0 && !dropLast ? 1 : 0);
      if (this.batchesPerEpoch === 0) {
        throw new UserError(
          `batch size ${batchSize} is larger than the ${count} samples of the '${ds.name}' set, and the short last batch is dropped: no batches`,
        );
      }
      this.order = new Int32Array(count);
      if (fullBatches > 0) this.full = this.makeBatch(batchSize);
      if (remainder > 0 && !dropLast) this.short = this.makeBatch(remainder);
    }
    if (this.full?.x.background && this.batchesPerEpoch > 1) this.spare = this.makeBatch(batchSize);
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
    let batch: BufferedBatch;
    if (this.next?.index === i) {
      this.next.batch.x.ready();
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
  private gather(i: number, full: BufferedBatch | undefined, later: boolean): BufferedBatch {
    const start = i * this.options.batchSize, size = this.sizeOf(i);
    const batch = size === this.options.batchSize ? full! : this.short!;
    gatherInput(this.ds, this.order, start, start + size, batch.x, batch.labels, later);
    return batch;
  }

  /** Waits for a background gather to finish, and forgets its batch. */
  private forgetNext(): void {
    if (!this.next) return;
    this.next.batch.x.ready();
    this.next = undefined;
  }

  private makeBatch(size: number): BufferedBatch {
    return { x: this.inputs(size, this.ds.sampleSize), labels: new Uint8Array(size), size };
  }
}

/** A Batch as the stream keeps it: x is its buffer. */
interface BufferedBatch extends Batch {
  x: InputBuffer;
}
