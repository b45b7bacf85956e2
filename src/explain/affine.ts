import { Rng } from '../core/rng';
import { tensor } from '../core/tensor';
import { tsKernels } from '../core/ts-kernels';
import { Affine } from '../layers/affine';
import { centralDifference, compare, DEFAULT_H, entryOf, type NumericalCheck } from './check';
import { toRows, type Rows } from './matrix';
import { explainAffineSingle, type AffineSingleCase } from './affine-single';

export interface AffineOptions {
  seed: number;
}

/** One factor of a product: `x[1][0]` and its value. */
export interface Term {
  symbols: string[];
  values: number[];
}

/** One entry of dX, dW or db written out as the sum it is, beside the layer's value and the numerical one. */
export interface EntrySum {
  gradient: 'dX' | 'dW' | 'db';
  index: number[];
  terms: Term[];
  /** The written-out sum, evaluated (it must agree with the layer's value, `check.backprop`). */
  sumOfTerms: number;
  check: NumericalCheck;
}

/** `dX = dY·Wᵀ`: (N×M)·(M×D) = N×D, the shape of X. */
export interface ShapeRule {
  gradient: string;
  formula: string;
  factors: { name: string; shape: number[] }[];
  shape: number[];
  like: string;
}

export interface AffineTrace {
  topic: 'affine';
  seed: number;
  h: number;
  n: number;
  d: number;
  m: number;
  loss: { formula: string; value: number };
  x: Rows;
  W: Rows;
  b: number[];
  out: Rows;
  dY: Rows;
  dX: Rows;
  dW: Rows;
  db: number[];
  shapes: ShapeRule[];
  entries: EntrySum[];
  /** The same layer on one sample, x of shape (2,), shown first. */
  single: AffineSingleCase;
}

const N = 2, D = 3, M = 2;

/**
 * A tiny affine layer worked by hand: out = X·W + b with N = 2, D = 3, M = 2, small seeded
 * numbers a learner can multiply in their head. dY is given, which is the same as taking the
 * scalar loss L = Σ dY ⊙ out (then dL/d(out) = dY exactly); the layer's backward gives dX,
 * dW and db, and each is checked by nudging X, W and b and recomputing L through the layer.
 */
export function explainAffine(options: Partial<AffineOptions> = {}): AffineTrace {
  const seed = options.seed ?? 1;
  const rng = new Rng(seed);
  const integer = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const oneDecimal = () => integer(-9, 9) / 10;

  const layer = new Affine('affine', D, M, tsKernels);
  const x = tensor([N, D], Array.from({ length: N * D }, () => integer(-2, 3)));
  for (let i = 0; i < D * M; i++) layer.W.value[i] = oneDecimal();
  for (let j = 0; j < M; j++) layer.b.value[j] = oneDecimal();
  const dY = tensor([N, M], Array.from({ length: N * M }, oneDecimal));

  const loss = () => {
    const out = layer.forward(x).data;
    let s = 0;
    for (let i = 0; i < out.length; i++) s += dY.data[i] * out[i];
    return s;
  };

  const lossValue = loss();
  const out = toRows(layer.forward(x).data, N, M);
  const dX = Float64Array.from(layer.backward(dY).data);
  const dW = Float64Array.from(layer.W.grad);
  const db = Float64Array.from(layer.b.grad);

  const numerical = (a: Float64Array, i: number) => centralDifference(loss, ...entryOf(a, i));
  const X = toRows(x.data, N, D), W = toRows(layer.W.value, D, M), dYRows = toRows(dY.data, N, M);
  const entries: EntrySum[] = [];
  const entry = (gradient: EntrySum['gradient'], index: number[], terms: Term[], backprop: number, numeric: number) =>
    entries.push({ gradient, index, terms, sumOfTerms: terms.reduce((s, t) => s + t.values.reduce((p, v) => p * v, 1), 0), check: compare(backprop, numeric) });

  for (let i = 0; i < N; i++)
    for (let j = 0; j < D; j++)
      entry('dX', [i, j], range(M).map((k) => ({ symbols: [`dy[${i}][${k}]`, `w[${j}][${k}]`], values: [dYRows[i][k], W[j][k]] })), dX[i * D + j], numerical(x.data, i * D + j));
  for (let i = 0; i < D; i++)
    for (let j = 0; j < M; j++)
      entry('dW', [i, j], range(N).map((r) => ({ symbols: [`x[${r}][${i}]`, `dy[${r}][${j}]`], values: [X[r][i], dYRows[r][j]] })), dW[i * M + j], numerical(layer.W.value, i * M + j));
  for (let j = 0; j < M; j++)
    entry('db', [j], range(N).map((r) => ({ symbols: [`dy[${r}][${j}]`], values: [dYRows[r][j]] })), db[j], numerical(layer.b.value, j));

  return {
    topic: 'affine',
    seed,
    h: DEFAULT_H,
    n: N,
    d: D,
    m: M,
    loss: { formula: 'L = Σ dY ⊙ out (so dL/d(out) = dY)', value: lossValue },
    x: X,
    W,
    b: Array.from(layer.b.value),
    out,
    dY: dYRows,
    dX: toRows(dX, N, D),
    dW: toRows(dW, D, M),
    db: Array.from(db),
    shapes: [
      { gradient: 'dX', formula: 'dY·Wᵀ', factors: [{ name: 'dY', shape: [N, M] }, { name: 'Wᵀ', shape: [M, D] }], shape: [N, D], like: 'X' },
      { gradient: 'dW', formula: 'Xᵀ·dY', factors: [{ name: 'Xᵀ', shape: [D, N] }, { name: 'dY', shape: [N, M] }], shape: [D, M], like: 'W' },
      { gradient: 'db', formula: 'column sums of dY', factors: [{ name: 'dY', shape: [N, M] }], shape: [M], like: 'b' },
    ],
    entries,
    single: explainAffineSingle(seed),
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
