import type { ConvTrace, PoolTrace, WindowEntry } from './conv';
import { checkCells, numericalNote } from './render-checks';
import { columns, factor, matrix, num, sideBySide, type Cell, type Paint } from './text-format';

/** The text of `nnt explain conv` and `nnt explain pool`. Every number shown is one the trace holds. */
export function renderConv(t: ConvTrace, paint: Paint): string {
  const sum = (e: WindowEntry) => e.terms.map((term) => term.symbols.join('·')).join(' + ');
  const values = (e: WindowEntry) => e.terms.map((term) => term.values.map(factor).join('·')).join(' + ');
  const section = (g: WindowEntry['gradient'], title: string) => [
    '',
    paint.title(title),
    ...columns(
      ['entry', 'as a sum', 'with the numbers', 'backward', 'numerical', 'rel error', ''],
      t.entries
        .filter((e) => e.gradient === g)
        .map((e) => [`${g}${e.index.length ? `[${e.index.join('][')}]` : ''}`, `= ${sum(e)}`, `= ${values(e)}`, [`= ${num(e.check.backprop)}`, paint.backward], ...checkCells(e.check, paint)]),
    ),
  ];
  const w = t.W.flat();
  const colRows: Cell[][] = t.col.map((row, r) => [
    String(r), `(${Math.floor(r / 3)}, ${r % 3})`, t.colSymbols[r].join(' '), ...row.map(num),
    `${row.map(factor).map((v, k) => `${v}·${factor(w[k])}`).join(' + ')} + ${factor(t.b)}`, [num(t.out[Math.floor(r / 3)][r % 3]), paint.forward],
  ]);
  return [
    paint.title('conv: one 1×4×4 image, one 2×2 filter, stride 1, no padding → a 3×3 output'),
    '',
    ...sideBySide([matrix('x (4×4)', t.x), matrix('W (one 1×2×2 filter)', t.W), matrix('b', [[t.b]])]),
    '',
    paint.title('forward: im2col puts each 2×2 window in a row (9 windows × 4 pixels); then out = col · w + b, w the filter as a column'),
    ...columns(['row', 'window at', 'holds', 'k=0', 'k=1', 'k=2', 'k=3', 'col row · w + b', 'out'], colRows),
    ...sideBySide([matrix('out (3×3): row r of col is output (r div 3, r mod 3)', t.out)]),
    '',
    `the loss: ${t.loss.formula}; here L = ${num(t.loss.value)}`,
    ...sideBySide([matrix('dout (3×3), given', t.dout), matrix('dW (2×2)', t.dW), matrix('db', [[t.db]]), matrix('dx (4×4)', t.dx)]),
    ...section('dW', 'dW = colᵀ · dout: each filter place k sums its column of col times dout, over the 9 windows'),
    ...section('db', 'db = Σ dout: b was added to every output'),
    ...section('dx', 'dx = col2im(dout · wᵀ): each pixel gets dout · w from every window that saw it (corners 1, the middle 4)'),
    paint.note(numericalNote(t.h, 'L through the Convolution layer, nudging one entry of x, W or b')),
  ].join('\n');
}

export function renderPool(t: PoolTrace, paint: Paint): string {
  const rows: Cell[][] = t.argmax.map(([i, j], o) => {
    const oy = Math.floor(o / 2), ox = o % 2;
    const window = [0, 1].flatMap((ky) => [0, 1].map((kx) => num(t.x[2 * oy + ky][2 * ox + kx]))).join(' ');
    return [`(${oy}, ${ox})`, window, [num(t.out[oy][ox]), paint.forward], `x[${i}][${j}]`, num(t.dout[oy][ox]), [`dx[${i}][${j}] = ${num(t.dout[oy][ox])}`, paint.backward]];
  });
  const checks: Cell[][] = t.checks.map(({ index: [i, j], check }) => [`dx[${i}][${j}]`, [num(check.backprop), paint.backward], ...checkCells(check, paint)]);
  return [
    paint.title('pool: max pooling of a 4×4 image in 2×2 windows, stride 2 → 2×2'),
    '',
    ...sideBySide([matrix('x (4×4)', t.x), matrix('out = window maxima (2×2)', t.out), matrix('dout (2×2), given', t.dout), matrix('dx (4×4)', t.dx)]),
    '',
    paint.title('forward remembers which input was each window\'s maximum; backward sends dout there, and 0 to the other three'),
    ...columns(['output', 'window', 'max', 'argmax', 'dout', 'its gradient goes to'], rows),
    'ties (two inputs equal to the maximum) go to the first in the window, row by row, as np.argmax does in the book;',
    'near a tie the maximum can change hands within ±h, a kink: the gradient check counts such nudges apart, like ReLU\'s.',
    '',
    paint.title('every input, backprop beside the numerical derivative'),
    ...columns(['entry', 'backward', 'numerical', 'rel error', ''], checks),
    paint.note(numericalNote(t.h, 'L = Σ dout ⊙ out, nudging one input')),
  ].join('\n');
}
