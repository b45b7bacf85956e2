import type { Kernels } from './kernels';
import { checkSparseIndices, checkSparseRoom, type SparseColumns } from './sparse';

/**
 * The reference backend: plain loops over Float64Arrays, written to be read. Loop orders
 * are chosen so the innermost loop walks memory contiguously (i-p-j for A·B).
 *
 * Zero entries of A are skipped in the products: MNIST pixels are mostly zeros, and
 * 0·b adds nothing (for finite b), so results are unchanged.
 */
export const tsKernels: Kernels = {
  name: 'ts',

  alloc(length) {
    return new Float64Array(length);
  },

  allocIndices(length) {
    return new Int32Array(length);
  },

  matmul(a, b, c, m, k, n) {
    c.fill(0, 0, m * n);
    for (let i = 0; i < m; i++) {
      const cRow = i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[i * k + p];
        if (aip === 0) continue;
        const bRow = p * n;
        for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j];
      }
    }
  },

  matmulTransA(a, b, c, m, k, n) {
    // C[p][j] = sum_i A[i][p] * B[i][j]: walk i outermost so rows of A and B are read in order.
    c.fill(0, 0, k * n);
    for (let i = 0; i < m; i++) {
      const bRow = i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[i * k + p];
        if (aip === 0) continue;
        const cRow = p * n;
        for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j];
      }
    }
  },

  sparseMatmul(a, b, c, n) {
    // matmul with the zeros of A never visited. Input q is added to every row it appears in
    // before input q + 1 is, so each C[i][j] is the same sum, in the same order.
    checkRows(a);
    const { rows, cols, colStart, row, value } = a;
    c.fill(0, 0, rows * n);
    for (let q = 0; q < cols; q++) {
      const bRow = q * n;
      for (let t = colStart[q]; t < colStart[q + 1]; t++) {
        const aiq = value[t], cRow = row[t] * n;
        for (let j = 0; j < n; j++) c[cRow + j] += aiq * b[bRow + j];
      }
    }
  },

  sparseMatmulTransA(a, b, c, n) {
    // Row q of C sums value · (row i of B) over input q's samples i, in increasing order.
    checkRows(a);
    const { cols, colStart, row, value } = a;
    c.fill(0, 0, cols * n);
    for (let q = 0; q < cols; q++) {
      const cRow = q * n;
      for (let t = colStart[q]; t < colStart[q + 1]; t++) {
        const aiq = value[t], bRow = row[t] * n;
        for (let j = 0; j < n; j++) c[cRow + j] += aiq * b[bRow + j];
      }
    }
  },

  matmulTransB(a, b, c, m, n, k) {
    // C[i][p] = sum_j A[i][j] * B[p][j]: a dot product of two contiguous rows.
    for (let i = 0; i < m; i++) {
      const aRow = i * n;
      for (let p = 0; p < k; p++) {
        const bRow = p * n;
        let sum = 0;
        for (let j = 0; j < n; j++) sum += a[aRow + j] * b[bRow + j];
        c[i * k + p] = sum;
      }
    }
  },

  addRowVector(x, bias, rows, cols) {
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      for (let j = 0; j < cols; j++) x[row + j] += bias[j];
    }
  },

  columnSums(x, out, rows, cols) {
    out.fill(0, 0, cols);
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      for (let j = 0; j < cols; j++) out[j] += x[row + j];
    }
  },

  softmaxRows(x, out, rows, cols, logSumExp) {
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      let max = -Infinity;
      for (let j = 0; j < cols; j++) if (x[row + j] > max) max = x[row + j];
      let sum = 0;
      for (let j = 0; j < cols; j++) {
        const e = Math.exp(x[row + j] - max);
        out[row + j] = e;
        sum += e;
      }
      for (let j = 0; j < cols; j++) out[row + j] /= sum;
      // log Σ exp(x_j) = max + log Σ exp(x_j − max), never overflowing.
      if (logSumExp) logSumExp[i] = max + Math.log(sum);
    }
  },

  addScaled(y, x, alpha, n) {
    for (let i = 0; i < n; i++) y[i] += alpha * x[i];
  },

  reluForward(x, y, n) {
    for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
  },

  reluBackward(y, dy, dx, n) {
    for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  },

  gatherRows(src, indices, start, rows, cols, table, out) {
    for (let r = 0; r < rows; r++) {
      const from = indices[start + r] * cols, to = r * cols;
      for (let j = 0; j < cols; j++) out[to + j] = table[src[from + j]];
    }
  },

  gatherSparseColumns(src, indices, start, rows, cols, table, out) {
    checkSparseRoom(out, rows, cols, table);
    const { colStart, row, value } = out;
    // A counting sort: count each column's nonzero bytes, turn the counts into starts
    // (colStart[q + 1] = where column q starts), then deal the entries, sample by sample.
    colStart.fill(0, 0, cols + 1);
    for (let r = 0; r < rows; r++) {
      const from = indices[start + r] * cols;
      for (let q = 0; q < cols; q++) if (src[from + q] !== 0) colStart[q + 1]++;
    }
    let sum = 0;
    for (let q = 0; q < cols; q++) {
      const count = colStart[q + 1];
      colStart[q + 1] = sum;
      sum += count;
    }
    for (let r = 0; r < rows; r++) {
      const from = indices[start + r] * cols;
      for (let q = 0; q < cols; q++) {
        const byte = src[from + q];
        if (byte === 0) continue;
        const slot = colStart[q + 1]++;
        row[slot] = r;
        value[slot] = table[byte];
      }
    }
    // Dealing moved colStart[q + 1] to the end of column q, which is where it belongs.
    out.rows = rows;
    out.cols = cols;
  },
};

/** checkSparseIndices, and every column start within the entries and row number below a.rows. */
function checkRows(a: SparseColumns): void {
  const entries = checkSparseIndices(a);
  for (let q = 0; q <= a.cols; q++) {
    if (!(a.colStart[q] >= 0 && a.colStart[q] <= entries)) throw new RangeError('sparse matrix: a column start lies outside its entries');
  }
  for (let t = 0; t < entries; t++) {
    if (!(a.row[t] >= 0 && a.row[t] < a.rows)) throw new RangeError(`sparse matrix: a row number is not below its ${a.rows} rows`);
  }
}
