import type { Window } from './im2col';
import type { SparseMatrix } from './sparse';

/**
 * The numeric kernels every layer is built on. All matrices are flat, row-major
 * Float64Arrays; the sizes are passed explicitly, as in llm.c, so a kernel never allocates.
 *
 * There is one interface and more than one implementation (a backend): the readable
 * TypeScript reference in `ts-kernels.ts`, and faster ones that must agree with it.
 */
export interface Kernels {
  readonly name: string;

  /**
   * Threads the kernels split work over (absent: 1). Results may differ by rounding from one
   * count to another, so a run records it (metrics, checkpoint) and a resumed run reuses it.
   */
  readonly threadCount?: number;

  /**
   * A buffer of `length` zeros that this backend's kernels can work on without copying
   * (for a WebAssembly backend: a view of its memory). Layers allocate through this.
   */
  alloc(length: number): Float64Array;

  /** `length` zero 32-bit integers, in the same memory as `alloc`'s (for the indices of SparseMatrix). */
  allocIndices(length: number): Int32Array;

  /** C (m×n) = A (m×k) · B (k×n). Affine forward: X·W. */
  matmul(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void;

  /** C (k×n) = Aᵀ · B with A (m×k), B (m×n), without forming Aᵀ. Affine backward: dW = Xᵀ·dY. */
  matmulTransA(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void;

  /** C (a.rows×n) = A · B with A sparse (a.rows×a.cols) and B (a.cols×n). Affine forward on a sparse batch. */
  sparseMatmul(a: SparseMatrix, b: Float64Array, c: Float64Array, n: number): void;

  /** C (a.cols×n) = Aᵀ · B with A sparse (a.rows×a.cols) and B (a.rows×n). dW = Xᵀ·dY for a sparse batch X. */
  sparseMatmulTransA(a: SparseMatrix, b: Float64Array, c: Float64Array, n: number): void;

  /** C (m×k) = A · Bᵀ with A (m×n), B (k×n), without forming Bᵀ. Affine backward: dX = dY·Wᵀ. */
  matmulTransB(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): void;

  /** x (rows×cols) += bias (cols) on every row, in place. */
  addRowVector(x: Float64Array, bias: Float64Array, rows: number, cols: number): void;

  /** out (cols) = the sum of each column of x (rows×cols). Affine backward: db. */
  columnSums(x: Float64Array, out: Float64Array, rows: number, cols: number): void;

  /**
   * out (rows×cols) = softmax of each row of x, computed stably (the row maximum is subtracted),
   * with exp.ts's e^x (V8's Math.exp, bit for bit). With `logSumExp` (rows), also
   * log Σ_j exp(x_ij) of each row, from the same sums: the cross-entropy loss of row i is then
   * logSumExp[i] − x[i][t_i].
   */
  softmaxRows(x: Float64Array, out: Float64Array, rows: number, cols: number, logSumExp?: Float64Array): void;

  /** y (n) += alpha · x (n), in place. SGD's update w −= lr·g is addScaled(w, g, −lr, n). */
  addScaled(y: Float64Array, x: Float64Array, alpha: number, n: number): void;

  /**
   * One optimizer step on n weights in place: w from its gradient g and the rule's state
   * arrays s and t (see UpdateRule: which rule, what s and t hold). The optimizers of
   * src/optim other than SGD (which is addScaled) update through this.
   */
  updateWeights(rule: UpdateRule, w: Float64Array, g: Float64Array, s: Float64Array, t: Float64Array, n: number): void;

  /** y (n) = max(0, x): x where x > 0, else 0. ReLU forward. */
  reluForward(x: Float64Array, y: Float64Array, n: number): void;

  /** dx (n) = dy where y > 0, else 0, with y the forward output (y > 0 exactly where x > 0). ReLU backward. */
  reluBackward(y: Float64Array, dy: Float64Array, dx: Float64Array, n: number): void;

  // --- The other element-wise layers: sigmoid, dropout, batch norm (src/layers) ---

  /** y (n) = 1 / (1 + e^−x), e^x by exp.ts in every backend (for the same bits). Sigmoid forward. */
  sigmoidForward(x: Float64Array, y: Float64Array, n: number): void;

  /** dx (n) = dy·(1 − y)·y, with y the forward output. Sigmoid backward. */
  sigmoidBackward(y: Float64Array, dy: Float64Array, dx: Float64Array, n: number): void;

  /** y (n) = x·mask. Dropout forward (x the input) and backward (x the gradient). */
  applyMask(x: Float64Array, mask: Float64Array, y: Float64Array, n: number): void;

  /**
   * The batch statistics of x (rows×cols), by column: mean = Σ x / rows, then
   * variance = Σ (x − mean)² / rows, each sum over the rows in order. Batch norm in training.
   */
  batchNormStats(x: Float64Array, mean: Float64Array, variance: Float64Array, rows: number, cols: number): void;

  /**
   * Batch norm forward from the statistics, for each (i, j) of x (rows×cols):
   * xc = x − mean_j;  xn = xc / std_j;  out = gamma_j·xn + beta_j.
   */
  batchNormNormalize(
    x: Float64Array, mean: Float64Array, std: Float64Array, gamma: Float64Array, beta: Float64Array,
    xc: Float64Array, xn: Float64Array, out: Float64Array, rows: number, cols: number,
  ): void;

  /**
   * Batch norm backward (the book's chain through σ and μ), by column j, sums over the rows i in order:
   *   dbeta = Σ dy;  dgamma = Σ xn·dy;  dsum = Σ (gamma·dy)·xc;
   *   dx = (gamma·dy)/std − xc·dsum / (rows·std·std·std);  then dx −= (Σ dx) / rows.
   * Without `trained` (after an evaluation forward, μ and σ constants) dx = (gamma·dy)/std.
   * sums: 2·cols of scratch, left holding dsum and (when trained) mean(dx) before its subtraction.
   */
  batchNormBackward(
    dy: Float64Array, xc: Float64Array, xn: Float64Array, gamma: Float64Array, std: Float64Array,
    dgamma: Float64Array, dbeta: Float64Array, sums: Float64Array, dx: Float64Array, rows: number, cols: number, trained: boolean,
  ): void;

  // --- end of the element-wise layers ---

  /**
   * out (rows×cols): row r is row indices[start + r] of the byte matrix src (cols bytes a row),
   * each byte b becoming table[b] (256 entries). The batch gather: pixels stored as bytes become
   * doubles, table[b] = b/255. The indices must be rows of src (the caller checks).
   */
  gatherRows(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: Float64Array,
  ): void;

  /**
   * gatherRows into a SparseMatrix (out, with room for rows×cols entries): only the nonzero
   * bytes are listed, each byte as its entry's code, and out.table becomes a copy of table
   * (table[0] must be 0). The batch gather for a first Affine layer.
   */
  gatherSparse(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseMatrix,
  ): void;

  /**
   * Optional: gatherSparse for a batch that is needed later (the next one), done in the
   * background by a worker thread while the caller goes on. out must be left alone until
   * finishBackground() has returned; src and indices are read before this returns. A
   * backend without worker threads may simply gather at once.
   */
  gatherSparseLater?(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseMatrix,
  ): void;

  /** Waits until the gather started by gatherSparseLater, if any, is done. */
  finishBackground?(): void;

  /**
   * Optional: what the backend did that its name does not say, for `--verbose` and the benches:
   * calls that ran the TypeScript reference because an array was not in the backend's memory
   * (slow paths, by kernel), and how many windows of calls ran split over the threads or alone.
   */
  stats?(): KernelStats;

  /**
   * col ((N·OH·OW) × (C·FH·FW)) = the book's im2col of the N×C×H×W images x: row (n, oy, ox)
   * is the window that output position sees (see im2col.ts for the reference).
   */
  im2col(x: Float64Array, col: Float64Array, g: Window): void;

  /** colT = im2col's matrix transposed image by image: N blocks of (C·FH·FW) × (OH·OW). Convolution forward: W · colT. */
  im2colTransposed(x: Float64Array, colT: Float64Array, g: Window): void;

  /** x (N×C×H×W) = col2im(col): each entry of col added back to the pixel it came from. Convolution backward: dx. */
  col2im(col: Float64Array, x: Float64Array, g: Window): void;

  /** out (N×C×OH×OW) = the maximum of each window of x; argmax its index in x (−1: padding). Ties go to the first. */
  maxPoolForward(x: Float64Array, out: Float64Array, argmax: Int32Array, g: Window): void;

  /** dx (N×C×H×W) = 0, plus dout at each output's argmax (which must be maxPoolForward's for this window). */
  maxPoolBackward(dout: Float64Array, argmax: Int32Array, dx: Float64Array, g: Window): void;

  /** out (N×C×OH×OW) = the mean of each FH×FW window of x (padding counted as zeros). */
  avgPoolForward(x: Float64Array, out: Float64Array, g: Window): void;

  /** dx (N×C×H×W) = 0, plus dout / (FH·FW) on every input of each output's window, in output order. */
  avgPoolBackward(dout: Float64Array, dx: Float64Array, g: Window): void;

  /** dst = src with each of `batches` rows×cols blocks transposed (cols×rows). */
  transposeBatch(src: Float64Array, dst: Float64Array, batches: number, rows: number, cols: number): void;

  /** Releases what the backend holds beyond memory (worker threads), for backends that have any. */
  dispose?(): void;
}

export interface KernelStats {
  /** Calls that fell back to the TypeScript reference, by kernel name (empty when none did). */
  slowPaths: Record<string, number>;
  /** Windows of calls that ran split over the threads, and alone (see SplitChooser), where there are threads. */
  windows?: { split: number; alone: number };
  /** Whether the threads poll while they wait (off when other processes keep the cores busy). */
  polling?: boolean;
}

/** One line about a backend's stats, e.g. for --verbose: says so when a kernel fell back to TypeScript. */
export function describeStats(stats: KernelStats): string {
  const slow = Object.entries(stats.slowPaths).map(([kernel, calls]) => `${kernel} ×${calls}`);
  const parts = [slow.length ? `slow paths (TypeScript fallbacks, arrays outside the backend's memory): ${slow.join(', ')}` : 'no slow paths'];
  if (stats.windows) parts.push(`call windows split over threads ${stats.windows.split}, alone ${stats.windows.alone}`);
  if (stats.polling !== undefined) parts.push(`threads ${stats.polling ? 'poll' : 'sleep'} while waiting`);
  return parts.join('; ');
}

/**
 * An optimizer's update of one weight w from its gradient g, with its state s (and t):
 *
 *   momentum   s ← mu·s − lr·g;                 w ← w + s
 *   nesterov   s ← mu·s − lr·g;                 w ← w + (mu·s − lr·g)
 *   adagrad    s ← s + g·g;                     w ← w − lr·g / (√s + eps)
 *   rmsprop    s ← rho·s + (1 − rho)·g·g;       w ← w − lr·g / (√s + eps)
 *   adam       s ← b1·s + (1 − b1)·g;  t ← b2·t + (1 − b2)·g·g;
 *              w ← w − lr·(s / c1) / (√(t / c2) + eps)   (c1, c2: the bias corrections 1 − β^step)
 *              computed as w ← w − step·s / (√t·scale + eps) with step = lr/c1, scale = 1/√c2
 *              (adamScales): the same update with ε where the paper and PyTorch put it, but one
 *              division and one square root per weight instead of three divisions and a root.
 *
 * t is used by adam only. Each rule's operations are done in this order, left to right, by
 * every backend (no fused multiply-add), so they all give the same bits.
 */
export type UpdateRule =
  | { kind: 'momentum' | 'nesterov'; mu: number; lr: number }
  | { kind: 'adagrad'; lr: number; eps: number }
  | { kind: 'rmsprop'; rho: number; lr: number; eps: number }
  | { kind: 'adam'; b1: number; b2: number; c1: number; c2: number; lr: number; eps: number };

/** Adam's per-step constants, computed once per step by every backend: step = lr/c1, scale = 1/√c2. */
export function adamScales(rule: { c1: number; c2: number; lr: number }): { step: number; scale: number } {
  return { step: rule.lr / rule.c1, scale: 1 / Math.sqrt(rule.c2) };
}
