import type { Kernels } from './kernels';
import { allocSparseMatrix, toDense, type SparseMatrix } from './sparse';
import { asMatrix, type Tensor } from './tensor';

/**
 * The boundary between the data and the network's first layer. A batch of inputs is an
 * InputBatch: either a dense tensor, or (for MNIST-like bytes, mostly zeros) lists of the
 * nonzero inputs (SparseMatrix). The first layer reads it only through the methods below, so
 * neither the layers, the network, the batch stream nor the evaluator ever asks which it is.
 */
export interface InputBatch {
  /** Samples in the batch. */
  readonly rows: number;
  /** Inputs per sample. */
  readonly cols: number;
  /** out (rows×n) = X·W on `kernels`, with W (cols×n): the first affine layer's forward product. */
  matmul(kernels: Kernels, w: Float64Array, out: Float64Array, n: number): void;
  /** dW (cols×n) = Xᵀ·dY on `kernels`, with dY (rows×n): the first affine layer's weight gradient. */
  matmulTransA(kernels: Kernels, dy: Float64Array, dw: Float64Array, n: number): void;
  /** The batch as a dense tensor (lists are written out in full), for a first layer that needs every input. */
  tensor(): Tensor;
}

/**
 * How a first layer wants its batches: 'lists' when it reads them only through matmul and
 * matmulTransA (an affine layer, for which a list of the nonzero inputs is enough), 'dense'
 * when it needs every input.
 */
export type InputForm = 'dense' | 'lists';

/** A reusable batch buffer for up to `capacity` samples, which rows of a byte matrix are gathered into. */
export interface InputBuffer extends InputBatch {
  readonly capacity: number;
  readonly form: InputForm;
  /**
   * This batch := rows indices[start .. start + rows) of src (cols bytes a row), each byte b
   * becoming table[b] (table[0] must be 0 for lists). The caller checks the indices are rows of src.
   */
  gather(src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, table: Float64Array): void;
  /**
   * Whether gatherLater really works in the background (the backend has worker threads and
   * the form supports it): then a stream gains by keeping a second buffer.
   */
  readonly background: boolean;
  /** gather, possibly in the background: leave the buffer alone until ready() has returned. */
  gatherLater(src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, table: Float64Array): void;
  /** Waits for a gatherLater into this buffer, if any. */
  ready(): void;
}

/** Makes input buffers for `capacity` samples of `cols` inputs: how a backend hands out its batches. */
export type InputSource = (capacity: number, cols: number) => InputBuffer;

/** Input buffers of the given form whose memory the backend's kernels work on in place. */
export function inputSource(kernels: Kernels, form: InputForm = 'dense'): InputSource {
  return form === 'lists'
    ? (capacity, cols) => new ListInput(kernels, allocSparseMatrix(kernels, capacity, cols))
    : (capacity, cols) => new DenseInput(kernels, capacity, cols);
}

/** A SparseMatrix (in the backend's memory) as an input buffer, e.g. to gather MNIST batches into lists by hand. */
export function listsInput(kernels: Kernels, lists: SparseMatrix): InputBuffer {
  return new ListInput(kernels, lists);
}

/** A batch given as a tensor or as an InputBatch, as an InputBatch (a tensor is wrapped, not copied). */
export function asInput(x: Tensor | InputBatch): InputBatch {
  return 'data' in x ? new TensorInput(x) : x;
}

class TensorInput implements InputBatch {
  rows: number;
  readonly cols: number;

  constructor(protected readonly x: Tensor) {
    [this.rows, this.cols] = asMatrix(x.shape);
  }

  matmul(kernels: Kernels, w: Float64Array, out: Float64Array, n: number): void {
    kernels.matmul(this.x.data, w, out, this.rows, this.cols, n);
  }

  matmulTransA(kernels: Kernels, dy: Float64Array, dw: Float64Array, n: number): void {
    kernels.matmulTransA(this.x.data, dy, dw, this.rows, this.cols, n);
  }

  tensor(): Tensor {
    return this.x;
  }
}

/** Dense rows in the backend's memory (gatherRows). */
class DenseInput extends TensorInput implements InputBuffer {
  readonly form = 'dense';
  readonly background = false;

  constructor(
    private readonly kernels: Kernels,
    readonly capacity: number,
    cols: number,
  ) {
    const storage = kernels.alloc(capacity * cols);
    super({ data: storage.subarray(0, 0), shape: [0, cols], storage });
  }

  gather(src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, table: Float64Array): void {
    checkCapacity(this, rows);
    if (rows !== this.rows) {
      this.rows = rows;
      this.x.data = this.x.storage!.subarray(0, rows * this.cols);
      this.x.shape = [rows, this.cols];
    }
    this.kernels.gatherRows(src, indices, start, rows, this.cols, table, this.x.data);
  }

  gatherLater(src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, table: Float64Array): void {
    this.gather(src, indices, start, rows, table);
  }

  ready(): void {}
}

/**
 * The nonzero inputs only, listed by sample and by input (SparseMatrix): X·W and Xᵀ·dY skip
 * the zeros and add the same terms in the same order as the dense products.
 */
class ListInput implements InputBuffer {
  readonly form = 'lists';
  readonly background: boolean;
  readonly capacity: number;
  readonly cols: number;
  private dense?: Float64Array;

  constructor(
    private readonly kernels: Kernels,
    readonly lists: SparseMatrix,
  ) {
    this.capacity = Math.min(lists.byRow.start.length - 1, Math.floor(lists.byRow.entry.length / Math.max(1, lists.cols)));
    this.cols = lists.cols;
    this.background = kernels.gatherSparseLater !== undefined;
  }

  get rows(): number {
    return this.lists.rows;
  }

  gather(src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, table: Float64Array): void {
    checkCapacity(this, rows);
    this.kernels.gatherSparse(src, indices, start, rows, this.cols, table, this.lists);
  }

  gatherLater(src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, table: Float64Array): void {
    checkCapacity(this, rows);
    if (this.kernels.gatherSparseLater) this.kernels.gatherSparseLater(src, indices, start, rows, this.cols, table, this.lists);
    else this.kernels.gatherSparse(src, indices, start, rows, this.cols, table, this.lists);
  }

  ready(): void {
    this.kernels.finishBackground?.();
  }

  matmul(kernels: Kernels, w: Float64Array, out: Float64Array, n: number): void {
    kernels.sparseMatmul(this.lists, w, out, n);
  }

  matmulTransA(kernels: Kernels, dy: Float64Array, dw: Float64Array, n: number): void {
    kernels.sparseMatmulTransA(this.lists, dy, dw, n);
  }

  tensor(): Tensor {
    this.dense ??= this.kernels.alloc(this.capacity * this.cols);
    return toDense(this.lists, this.dense);
  }
}

function checkCapacity(buffer: InputBuffer, rows: number): void {
  if (!(Number.isInteger(rows) && rows >= 0 && rows <= buffer.capacity)) {
    throw new RangeError(`input batch: room for ${buffer.capacity} samples, asked to gather ${rows}`);
  }
}
