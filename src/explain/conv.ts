import { Rng } from '../core/rng';
import { tensor } from '../core/tensor';
import { tsKernels } from '../core/ts-kernels';
import { Convolution } from '../layers/convolution';
import { Pooling } from '../layers/pooling';
import { centralDifference, compare, DEFAULT_H, entryOf, type NumericalCheck } from './check';
import { toRows, type Rows } from './matrix';

/** One entry of a gradient written out as the sum it is: Σ of products of the named values. */
export interface WindowEntry {
  gradient: 'dW' | 'db' | 'dx';
  index: number[];
  terms: { symbols: string[]; values: number[] }[];
  sumOfTerms: number;
  check: NumericalCheck;
}

export interface ConvTrace {
  topic: 'conv';
  seed: number;
  h: number;
  /** The 1×4×4 input (one image, one channel), the 2×2 filter and its bias. */
  x: Rows;
  W: Rows;
  b: number;
  /** im2col: row r is the window of output position r (row-major over the 3×3 outputs); columns are the filter's places. */
  col: Rows;
  /** For each row of col, the names of the four pixels it holds. */
  colSymbols: string[][];
  out: Rows;
  loss: { formula: string; value: number };
  dout: Rows;
  dW: Rows;
  db: number;
  dx: Rows;
  entries: WindowEntry[];
}

const H = 4, F = 2, O = H - F + 1;

/**
 * The Convolution layer worked by hand: one 4×4 image, one 2×2 filter, stride 1, so the
 * output is 3×3. Forward is im2col (9 windows × 4 pixels) times the filter as a column,
 * plus b; backward, with L = Σ dout ⊙ out, is dW = colᵀ·dout, db = Σ dout and dx by col2im
 * (each pixel gets dout·w from every window that saw it). Every entry is checked by nudging.
 */
export function explainConv(options: { seed?: number } = {}): ConvTrace {
  const seed = options.seed ?? 1;
  const rng = new Rng(seed);
  const integer = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const oneDecimal = () => integer(-9, 9) / 10;

  const layer = new Convolution('conv', [1, H, H], 1, [F, F], 1, 0, tsKernels);
  const x = tensor([1, 1, H, H], Array.from({ length: H * H }, () => integer(-2, 3)));
  for (let i = 0; i < F * F; i++) layer.W.value[i] = oneDecimal();
  layer.b.value[0] = oneDecimal();
  const dout = tensor([1, 1, O, O], Array.from({ length: O * O }, oneDecimal));
  const loss = () => {
    const out = layer.forward(x).data;
    return out.reduce((s, v, i) => s + dout.data[i] * v, 0);
  };
  const lossValue = loss();
  const out = toRows(layer.forward(x).data, O, O);
  const col = new Float64Array(O * O * F * F);
  tsKernels.im2col(x.data, col, { n: 1, c: 1, h: H, w: H, fh: F, fw: F, stride: 1, pad: 0 });
  const dx = Float64Array.from(layer.backward(dout).data);
  const dW = Float64Array.from(layer.W.grad), db = layer.b.grad[0];

  const X = toRows(x.data, H, H), W = toRows(layer.W.value, F, F), D = toRows(dout.data, O, O);
  const entries: WindowEntry[] = [];
  const numerical = (a: Float64Array, i: number) => centralDifference(loss, ...entryOf(a, i));
  const add = (gradient: WindowEntry['gradient'], index: number[], terms: WindowEntry['terms'], backprop: number, numeric: number) =>
    entries.push({ gradient, index, terms, sumOfTerms: terms.reduce((s, t) => s + t.values.reduce((p, v) => p * v, 1), 0), check: compare(backprop, numeric) });

  // dW[ky][kx] = Σ over the 9 windows r of col[r][k] · dout[r]: column k of col against dout.
  for (let ky = 0; ky < F; ky++)
    for (let kx = 0; kx < F; kx++) {
      const terms = positions().map(([oy, ox]) => ({ symbols: [`x[${oy + ky}][${ox + kx}]`, `dout[${oy}][${ox}]`], values: [X[oy + ky][ox + kx], D[oy][ox]] }));
      add('dW', [ky, kx], terms, dW[ky * F + kx], numerical(layer.W.value, ky * F + kx));
    }
  add('db', [], positions().map(([oy, ox]) => ({ symbols: [`dout[${oy}][${ox}]`], values: [D[oy][ox]] })), db, numerical(layer.b.value, 0));
  // dx[i][j] = Σ over the windows (oy, ox) that hold pixel (i, j), at filter place (i − oy, j − ox), of dout · w.
  for (let i = 0; i < H; i++)
    for (let j = 0; j < H; j++) {
      const terms = positions()
        .filter(([oy, ox]) => i - oy >= 0 && i - oy < F && j - ox >= 0 && j - ox < F)
        .map(([oy, ox]) => ({ symbols: [`dout[${oy}][${ox}]`, `w[${i - oy}][${j - ox}]`], values: [D[oy][ox], W[i - oy][j - ox]] }));
      add('dx', [i, j], terms, dx[i * H + j], numerical(x.data, i * H + j));
    }

  return {
    topic: 'conv',
    seed,
    h: DEFAULT_H,
    x: X,
    W,
    b: layer.b.value[0],
    col: toRows(col, O * O, F * F),
    colSymbols: positions().map(([oy, ox]) => [0, 1].flatMap((ky) => [0, 1].map((kx) => `x[${oy + ky}][${ox + kx}]`))),
    out,
    loss: { formula: 'L = Σ dout ⊙ out (so dL/d(out) = dout)', value: lossValue },
    dout: D,
    dW: toRows(dW, F, F),
    db,
    dx: toRows(dx, H, H),
    entries,
  };
}

export interface PoolTrace {
  topic: 'pool';
  seed: number;
  h: number;
  x: Rows;
  out: Rows;
  /** For each output (row-major), the [row, column] of the input that was its window's maximum. */
  argmax: [number, number][];
  dout: Rows;
  dx: Rows;
  /** For each input pixel: backprop's dx beside the numerical one. */
  checks: { index: [number, number]; check: NumericalCheck }[];
}

/**
 * Max pooling worked by hand: a 4×4 image, 2×2 windows, stride 2 (the SimpleConvNet's pool).
 * Each output is its window's maximum; backward sends each output's gradient to that one
 * input, and 0 to the three others. The inputs are distinct, so no window has a tie.
 */
export function explainPool(options: { seed?: number } = {}): PoolTrace {
  const seed = options.seed ?? 1;
  const rng = new Rng(seed);
  const values = Array.from({ length: H * H }, (_, i) => i - 7);
  for (let i = values.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  const layer = new Pooling('pool', [1, H, H], [2, 2], 2, 0, 'max', tsKernels);
  const x = tensor([1, 1, H, H], values);
  const dout = tensor([1, 1, 2, 2], Array.from({ length: 4 }, () => (1 + rng.int(9)) / 10));
  const loss = () => layer.forward(x).data.reduce((s, v, i) => s + dout.data[i] * v, 0);
  const out = toRows(layer.forward(x).data, 2, 2);
  const dx = Float64Array.from(layer.backward(dout).data);
  const X = toRows(x.data, H, H);
  const argmax: [number, number][] = [0, 1].flatMap((oy) => [0, 1].map((ox) => {
    let best: [number, number] = [2 * oy, 2 * ox];
    for (const [ky, kx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) if (X[2 * oy + ky][2 * ox + kx] > X[best[0]][best[1]]) best = [2 * oy + ky, 2 * ox + kx];
    return best;
  }));
  const checks = Array.from({ length: H * H }, (_, i) => ({
    index: [Math.floor(i / H), i % H] as [number, number],
    check: compare(dx[i], centralDifference(loss, ...entryOf(x.data, i))),
  }));
  return { topic: 'pool', seed, h: DEFAULT_H, x: X, out, argmax, dout: toRows(dout.data, 2, 2), dx: toRows(dx, H, H), checks };
}

/** The 3×3 output positions, row by row: the rows of col. */
function positions(): [number, number][] {
  return Array.from({ length: O * O }, (_, r) => [Math.floor(r / O), r % O]);
}
