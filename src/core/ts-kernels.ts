import type { Kernels } from './kernels';
import { checkSparseRoom } from './sparse';

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
    // matmul with the zeros of A never visited: the same sums, in the same order.
    const { rows, rowStart, column, value } = a;
    c.fill(0, 0, rows * n);
    for (let i = 0; i < rows; i++) {
      const cRow = i * n;
      for (let t = rowStart[i]; t < rowStart[i + 1]; t++) {
        const aip = value[t], bRow = column[t] * n;
        for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j];
      }
    }
  },

  sparseMatmulTransA(a, b, c, n) {
    const { rows, cols, rowStart, column, value } = a;
    c.fill(0, 0, cols * n);
    for (let i = 0; i < rows; i++) {
      const bRow = i * n;
      for (let t = rowStart[i]; t < rowStart[i + 1]; t++) {
        const aip = value[t], cRow = column[t] * n;
        for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j];
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

  gatherSparseRows(src, indices, start, rows, cols, table, out) {
    checkSparseRoom(out, rows, cols, table);
    const { rowStart, column, value } = out;
    let count = 0;
    rowStart[0] = 0;
    for (let r = 0; r < rows; r++) {
      const from = indices[start + r] * cols;
      for (let j = 0; j < cols; j++) {
        const byte = src[from + j];
        if (byte === 0) continue;
        column[count] = j;
        value[count] = table[byte];
        count++;
      }
      rowStart[r + 1] = count;
    }
    out.rows = rows;
    out.cols = cols;
  },
};
