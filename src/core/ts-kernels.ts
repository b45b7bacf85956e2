import { avgPoolBackward, avgPoolForward, col2im, im2col, im2colTransposed, maxPoolBackward, maxPoolForward, transposeBatch } from './im2col';
import { exp } from './exp';
import { adamScales, type Kernels } from './kernels';
import { CODE_BITS, checkSparseRoom, checkSparseShape, packEntry, type SparseLists, type SparseMatrix } from './sparse';

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
    // matmul over row i's nonzero entries only: the same sums, in the same order.
    checkIndices(a);
    listProducts(a.byRow, a.rows, a.table, b, c, n);
  },

  sparseMatmulTransA(a, b, c, n) {
    // Row p of C sums value · (row i of B) over column p's entries, in increasing i.
    checkIndices(a);
    listProducts(a.byColumn, a.cols, a.table, b, c, n);
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
        const e = exp(x[row + j] - max);
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

  updateWeights(rule, w, g, s, t, n) {
    switch (rule.kind) {
      case 'momentum': {
        const { mu, lr } = rule;
        for (let i = 0; i < n; i++) {
          s[i] = mu * s[i] - lr * g[i];
          w[i] += s[i];
        }
        break;
      }
      case 'nesterov': {
        const { mu, lr } = rule;
        for (let i = 0; i < n; i++) {
          s[i] = mu * s[i] - lr * g[i];
          w[i] += mu * s[i] - lr * g[i];
        }
        break;
      }
      case 'adagrad': {
        const { lr, eps } = rule;
        for (let i = 0; i < n; i++) {
          s[i] += g[i] * g[i];
          w[i] -= (lr * g[i]) / (Math.sqrt(s[i]) + eps);
        }
        break;
      }
      case 'rmsprop': {
        const { rho, lr, eps } = rule;
        for (let i = 0; i < n; i++) {
          s[i] = rho * s[i] + (1 - rho) * g[i] * g[i];
          w[i] -= (lr * g[i]) / (Math.sqrt(s[i]) + eps);
        }
        break;
      }
      case 'adam': {
        const { b1, b2, eps } = rule;
        const { step, scale } = adamScales(rule);
        for (let i = 0; i < n; i++) {
          s[i] = b1 * s[i] + (1 - b1) * g[i];
          t[i] = b2 * t[i] + (1 - b2) * g[i] * g[i];
          w[i] -= (step * s[i]) / (Math.sqrt(t[i]) * scale + eps);
        }
        break;
      }
    }
  },

  reluForward(x, y, n) {
    for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
  },

  reluBackward(y, dy, dx, n) {
    for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  },

  // --- The other element-wise layers: sigmoid, dropout, batch norm ---

  sigmoidForward(x, y, n) {
    // exp.ts, not Math.exp: the WebAssembly kernel (no exp instruction) does the same operations.
    for (let i = 0; i < n; i++) y[i] = 1 / (1 + exp(-x[i]));
  },

  sigmoidBackward(y, dy, dx, n) {
    for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i]) * y[i];
  },

  applyMask(x, mask, y, n) {
    for (let i = 0; i < n; i++) y[i] = x[i] * mask[i];
  },

  batchNormStats(x, mean, variance, rows, cols) {
    for (let j = 0; j < cols; j++) {
      let m = 0;
      for (let i = 0; i < rows; i++) m += x[i * cols + j];
      m /= rows;
      let v = 0;
      for (let i = 0; i < rows; i++) {
        const c = x[i * cols + j] - m;
        v += c * c;
      }
      mean[j] = m;
      variance[j] = v / rows;
    }
  },

  batchNormNormalize(x, mean, std, gamma, beta, xc, xn, out, rows, cols) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const k = i * cols + j;
        xc[k] = x[k] - mean[j];
        xn[k] = xc[k] / std[j];
        out[k] = gamma[j] * xn[k] + beta[j];
      }
    }
  },

  batchNormBackward(dy, xc, xn, gamma, std, dgamma, dbeta, sums, dx, rows, cols, trained) {
    const n = rows, d = cols, dsum = sums, dxcSum = sums.subarray(cols);
    for (let j = 0; j < d; j++) {
      let sb = 0, sg = 0, sdxnXc = 0;
      for (let i = 0; i < n; i++) {
        const k = i * d + j;
        sb += dy[k];
        sg += xn[k] * dy[k];
        sdxnXc += gamma[j] * dy[k] * xc[k];
      }
      dbeta[j] = sb;
      dgamma[j] = sg;
      // The book's dstd = −Σ(dxn·xc)/σ², dvar = 0.5·dstd/σ, and dxc += (2/N)·xc·dvar.
      dsum[j] = sdxnXc;
      dxcSum[j] = 0;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const k = i * d + j;
        const s = std[j];
        let dxc = (gamma[j] * dy[k]) / s;
        if (trained) dxc -= (xc[k] * dsum[j]) / (n * s * s * s);
        dx[k] = dxc;
        dxcSum[j] += dxc;
      }
    }
    if (trained) {
      for (let j = 0; j < d; j++) dxcSum[j] /= n;
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) dx[i * d + j] -= dxcSum[j];
    }
  },

  // --- end of the element-wise layers ---

  gatherRows(src, indices, start, rows, cols, table, out) {
    for (let r = 0; r < rows; r++) {
      const from = indices[start + r] * cols, to = r * cols;
      for (let j = 0; j < cols; j++) out[to + j] = table[src[from + j]];
    }
  },

  gatherSparse(src, indices, start, rows, cols, table, out) {
    checkSparseRoom(out, rows, cols, table);
    const { byRow, byColumn } = out;
    out.table.set(table.subarray(0, 256));
    // By rows: each image's nonzero pixels in turn, the byte itself as the code.
    let count = 0;
    for (let r = 0; r < rows; r++) {
      byRow.start[r] = count;
      const from = indices[start + r] * cols;
      for (let q = 0; q < cols; q++) {
        const byte = src[from + q];
        if (byte !== 0) byRow.entry[count++] = packEntry(q, byte);
      }
    }
    byRow.start[rows] = count;
    // By columns, a counting sort of the same entries: count each column's, turn the counts
    // into starts (next[q] = where column q's next entry goes), then deal them row by row.
    const next = byColumn.start;
    next.fill(0, 0, cols + 1);
    for (let t = 0; t < count; t++) next[(byRow.entry[t] >>> CODE_BITS) + 1]++;
    for (let q = 0; q < cols; q++) next[q + 1] += next[q];
    for (let r = 0; r < rows; r++) {
      for (let t = byRow.start[r]; t < byRow.start[r + 1]; t++) {
        const e = byRow.entry[t];
        byColumn.entry[next[e >>> CODE_BITS]++] = packEntry(r, e & 255);
      }
    }
    // Dealing moved next[q] on to where column q + 1 starts: shift back to make it the starts.
    for (let q = cols; q > 0; q--) next[q] = next[q - 1];
    next[0] = 0;
    out.rows = rows;
    out.cols = cols;
  },

  // The window operations: the readable loops of im2col.ts.
  im2col,
  im2colTransposed,
  col2im,
  maxPoolForward,
  maxPoolBackward,
  avgPoolForward,
  avgPoolBackward,
  transposeBatch,
};

/** Row k of C (count×n) = Σ value · (row `index` of B) over the entries of list k, for k < count. */
function listProducts(lists: SparseLists, count: number, table: Float64Array, b: Float64Array, c: Float64Array, n: number): void {
  const { start, entry } = lists;
  c.fill(0, 0, count * n);
  for (let k = 0; k < count; k++) {
    const cRow = k * n;
    for (let t = start[k]; t < start[k + 1]; t++) {
      const v = table[entry[t] & 255], bRow = (entry[t] >>> CODE_BITS) * n;
      for (let j = 0; j < n; j++) c[cRow + j] += v * b[bRow + j];
    }
  }
}

/** checkSparseShape, and every start within the entries and every index within the matrix. */
function checkIndices(a: SparseMatrix): void {
  const entries = checkSparseShape(a);
  const within = (lists: SparseLists, count: number, size: number) => {
    for (let k = 0; k <= count; k++) if (!(lists.start[k] >= 0 && lists.start[k] <= entries)) return false;
    for (let t = 0; t < entries; t++) if (!(lists.entry[t] >>> CODE_BITS < size)) return false;
    return true;
  };
  if (!within(a.byRow, a.rows, a.cols) || !within(a.byColumn, a.cols, a.rows)) {
    throw new RangeError('sparse matrix: a list starts outside its entries, or an entry lies outside the matrix');
  }
}
