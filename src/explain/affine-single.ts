import { Rng } from '../core/rng';
import { tensor } from '../core/tensor';
import { tsKernels } from '../core/ts-kernels';
import { Affine } from '../layers/affine';
import { centralDifference, compare, entryOf, type NumericalCheck } from './check';
import { toRows, type Rows } from './matrix';

/**
 * The notes' single-sample case: x of shape (2,), W (2×3), b (3,). out = x·W + b has shape
 * (3,); dx = dout·Wᵀ (2,); dW is the outer product of x and dout (2×3) — in numpy x.T of a
 * 1-D x is x itself, so the book's np.dot(x.T, dout) needs x as a (1, 2) row, which is how nnt
 * holds one sample: a batch of one; and db = dout, since there is no batch to sum over.
 */
export interface AffineSingleCase {
  x: number[];
  W: Rows;
  b: number[];
  out: number[];
  dout: number[];
  dx: number[];
  dW: Rows;
  db: number[];
  /** Every entry of dx, dW, db against the central difference of L = Σ dout ⊙ out. */
  checks: { gradient: 'dx' | 'dW' | 'db'; index: number[]; check: NumericalCheck }[];
}

const D = 2, M = 3;

export function explainAffineSingle(seed: number): AffineSingleCase {
  const rng = Rng.stream(seed, 'affine single');
  const oneDecimal = () => (rng.int(19) - 9) / 10;
  const layer = new Affine('affine', D, M, tsKernels);
  const nonZero = [-2, -1, 1, 2, 3]; // a 0 in x would make a whole row of dW 0
  const x = tensor([1, D], Array.from({ length: D }, () => nonZero[rng.int(nonZero.length)]));
  for (let i = 0; i < D * M; i++) layer.W.value[i] = oneDecimal();
  for (let j = 0; j < M; j++) layer.b.value[j] = oneDecimal();
  const dout = tensor([1, M], Array.from({ length: M }, oneDecimal));
  const loss = () => layer.forward(x).data.reduce((s, v, i) => s + v * dout.data[i], 0);

  const out = Array.from(layer.forward(x).data);
  const dx = Float64Array.from(layer.backward(dout).data);
  const dW = Float64Array.from(layer.W.grad), db = Float64Array.from(layer.b.grad);
  const checks: AffineSingleCase['checks'] = [];
  const numerical = (a: Float64Array, i: number) => centralDifference(loss, ...entryOf(a, i));
  for (let i = 0; i < D; i++) checks.push({ gradient: 'dx', index: [i], check: compare(dx[i], numerical(x.data, i)) });
  for (let i = 0; i < D * M; i++) checks.push({ gradient: 'dW', index: [Math.floor(i / M), i % M], check: compare(dW[i], numerical(layer.W.value, i)) });
  for (let j = 0; j < M; j++) checks.push({ gradient: 'db', index: [j], check: compare(db[j], numerical(layer.b.value, j)) });
  return {
    x: Array.from(x.data),
    W: toRows(layer.W.value, D, M),
    b: Array.from(layer.b.value),
    out,
    dout: Array.from(dout.data),
    dx: Array.from(dx),
    dW: toRows(dW, D, M),
    db: Array.from(db),
    checks,
  };
}
