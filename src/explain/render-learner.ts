import type { AffineSingleCase } from './affine-single';
import type { NumericalCheck } from './check';
import type { LossTrace } from './loss';
import { checkCells, checkHeader, numericalNote, renderScalarGraph } from './render-checks';
import type { SigmoidGraphTrace } from './sigmoid-graph';
import type { SoftmaxLossTrace } from './softmax-loss';
import { columns, factor, matrix, num, relError, sideBySide, type Paint } from './text-format';
import type { TrainStepTrace } from './train-step';

/** The shopping graph ending in a loss: where backward starts, and what a gradient means. */
export function renderLoss(t: LossTrace, paint: Paint): string {
  const o = t.options;
  const v = (name: string) => t.variables.find((x) => x.name === name)!;
  const diff = v('diff'), price = v('price'), apple = v('apple');
  const title = `loss: the shopping graph (${num(o.apples)} apples at ${num(o.applePrice)}, ${num(o.oranges)} oranges at ${num(o.orangePrice)}, tax ${num(o.tax)}) ending in L = (price − budget)², budget ${num(o.budget)}`;
  return [
    ...renderScalarGraph(t, paint, title, 'gradients of the inputs: how much the loss L moves per unit of each input'),
    '',
    paint.title('what the gradients mean'),
    `  backward starts from dL/dL = 1: the loss moves one for one with itself. Every other gradient is then "how much the loss moves per unit of this input":`,
    `  one more yen on an apple's price moves L by about ${num(apple.gradient)}; the exact change is ${num(apple.gradient)} + ${num(o.apples * o.tax)}² = ${num(apple.gradient + (o.apples * o.tax) ** 2)}, since L curves (a gradient is the slope at this point).`,
    `  the square is diff × diff, one × node with diff as both inputs: each copy receives dL/dL × diff = ${num(diff.value)}, and the two shares add up to 2·diff = ${num(diff.gradient)} = dL/d diff.`,
    `  the chain: dL/d apple = dL/d price × d price/d apple = ${num(price.gradient)} × ${num(apple.gradient / price.gradient)} = ${num(apple.gradient)} (${num(apple.gradient / price.gradient)} is what 'nnt explain shopping' shows).`,
    `  a positive gradient says: raise this input and the loss grows; training moves each input against its gradient (here: pay less).`,
  ].join('\n');
}

/** The book's figure of the sigmoid as four nodes, right to left, with numbers. */
export function renderSigmoidGraph(t: SigmoidGraphTrace, paint: Paint): string {
  const chain = t.nodes.map((n) => `${n.input.name} = ${num(n.input.value)} ─[${n.op}]→`).join(' ') + ` y = ${num(t.y)}`;
  const backwardRows = [...t.nodes].reverse().map((n) => [
    n.op,
    `dy/d${n.output.name} = ${num(n.incoming)}`,
    `${n.localFormula} = ${num(n.local)}`,
    [`dy/d${n.input.name} = ${num(n.passed)}`, paint.backward] as [string, (s: string) => string],
    ...checkCells(n.check, paint),
  ]);
  const locals = t.nodes.map((n) => factor(n.local));
  const e = t.nodes[1].output.value;
  return [
    paint.title(`sigmoid as the book draws it, at x = ${num(t.x)}: y = 1 / (1 + exp(−x)) as four nodes`),
    '',
    paint.title('forward'),
    `  ${chain}`,
    '',
    paint.title('backward: from dy/dy = 1, right to left; each node multiplies by its local derivative'),
    ...columns(['node', 'incoming', 'local derivative', 'passes on', ...checkHeader], backwardRows),
    '',
    paint.title('the product of the four local derivatives is y(1 − y)'),
    `  dy/dx = (−1/c²) · 1 · exp(−x) · (−1) = exp(−x) / (1 + exp(−x))²`,
    `        = 1/(1 + exp(−x)) · exp(−x)/(1 + exp(−x)) = y · (1 − y)        since 1 − y = exp(−x)/(1 + exp(−x))`,
    `  with the numbers: ${[...locals].reverse().join(' · ')} = ${num(t.product.localProduct)};  ${num(e)} / ${factor(1 + e)}² = ${num(t.product.expForm)};  ${factor(t.y)}·${factor(1 - t.y)} = ${num(t.product.yTimesOneMinusY)}`,
    `  nnt's Sigmoid layer is the one node that replaces the four: its backward(1) gives ${num(t.layerLocal)}, from its cached y alone.`,
    paint.note(numericalNote(t.h, 'y, nudging the value that enters each node')),
  ].join('\n');
}

/** One sample, x of shape (2,): the notes' case, before the batch. */
export function affineSingleSection(c: AffineSingleCase, paint: Paint): string[] {
  const bad = c.checks.filter((k) => !k.check.passed);
  const worst = Math.max(...c.checks.map((k) => k.check.relError));
  return [
    paint.title('affine on one sample: x of shape (2,), W (2×3), b (3,), as in the notes'),
    ...sideBySide([matrix('x (2,)', [c.x]), matrix('W (2×3)', c.W), matrix('b (3,)', [c.b]), matrix('out = x·W + b (3,)', [c.out])]),
    ...sideBySide([matrix('dout (3,), given', [c.dout]), matrix('dx = dout·Wᵀ (2,)', [c.dx]), matrix('dW = outer(x, dout) (2×3)', c.dW), matrix('db = dout (3,)', [c.db])]),
    `  dW[i][j] = x[i]·dout[j], e.g. dW[0][0] = ${factor(c.x[0])}·${factor(c.dout[0])} = ${num(c.dW[0][0])}: with one sample there is nothing to sum, and db is dout itself.`,
    "  in numpy x.T of a (2,) array is x itself, so np.dot(x.T, dout) is no outer product: the book's Affine needs x as a (1, 2) row;",
    '  nnt holds one sample as a batch of one (shape 1×2), so the batch formulas below give these numbers.',
    `  all ${c.checks.length} entries of dx, dW, db: ${bad.length ? paint.bad(`${bad.length} FAIL`) : paint.ok('ok')} against the central difference (max rel error ${relError(worst)})`,
  ];
}

/** (y − t)/N derived, beside sample 0's numbers. */
export function softmaxDerivation(t: SoftmaxLossTrace, paint: Paint): string[] {
  const c = t.batch;
  const label = c.labels[0];
  return [
    paint.title('why (y − t)/N: the derivation, for sample i, class j, scores a'),
    '  L = −(1/N)·Σ_i log y_i,t_i                  the mean cross-entropy (t_i: sample i\'s label)',
    '  y_ij = e^(a_ij) / S_i,  S_i = Σ_k e^(a_ik)   softmax',
    '  log y_i,t_i = a_i,t_i − log S_i',
    '  ∂(log S_i)/∂a_ij = e^(a_ij) / S_i = y_ij',
    '  ∂(log y_i,t_i)/∂a_ij = t_ij − y_ij           (t_ij = 1 when j is the label, else 0: the one-hot t)',
    '  ∂L/∂a_ij = −(1/N)·(t_ij − y_ij) = (y_ij − t_ij) / N   only sample i\'s own term depends on a_ij',
    `with sample 0 of the batch (label ${label}, N = ${c.n}):`,
    ...columns(
      ['j', 'a_0j', 'y_0j = ∂(log S)/∂a_0j', ...checkHeader, 't_0j', `(y − t)/${c.n}`],
      t.logSumExpGradient.map((k: NumericalCheck, j) => [
        String(j),
        num(c.scores[0][j]),
        num(k.backprop),
        ...checkCells(k, paint),
        String(c.oneHot[0][j]),
        [`(${num(c.probabilities[0][j])} − ${c.oneHot[0][j]})/${c.n} = ${num(c.gradient[0][j])}`, paint.backward],
      ]),
    ),
  ];
}

/** TwoLayerNet's step, every entry. */
export function renderTrainStep(t: TrainStepTrace, paint: Paint): string {
  const f = t.forward, b = t.backward, u = t.update;
  const n = f.X.length;
  const bad = t.checks.filter((k) => !k.check.passed);
  const worst = Math.max(...t.checks.map((k) => k.check.relError));
  const lossTerms = t.labels.map((label, i) => `log ${num(f.Y[i][label])}`).join(' + ');
  return [
    paint.title(`train-step: one step of a two-layer net, 4 inputs → 3 hidden (ReLU) → 2 classes, on ${n} samples (seed ${t.seed})`),
    '',
    paint.title('forward'),
    ...sideBySide([matrix('X (2×4)', f.X), matrix('W1 (4×3)', f.W1), matrix('b1 (3)', [f.b1]), matrix('A1 = X·W1 + b1 (2×3)', f.A1), matrix('Z1 = ReLU(A1)', f.Z1)]),
    '',
    ...sideBySide([matrix('W2 (3×2)', f.W2), matrix('b2 (2)', [f.b2]), matrix('S = Z1·W2 + b2 (2×2)', f.S), matrix('Y = softmax(S)', f.Y), matrix('T (one-hot labels)', f.T)]),
    `loss = −(${lossTerms}) / ${n} = ${paint.forward(num(t.loss))}`,
    '',
    paint.title('backward: from dL/dL = 1, layer by layer'),
    ...sideBySide([matrix(`dS = (Y − T)/${n}`, b.dS), matrix('dW2 = Z1ᵀ·dS', b.dW2), matrix('db2 = Σ dS', [b.db2]), matrix('dZ1 = dS·W2ᵀ', b.dZ1)]),
    '',
    ...sideBySide([matrix('dA1 = dZ1 where A1 > 0', b.dA1), matrix('dW1 = Xᵀ·dA1', b.dW1), matrix('db1 = Σ dA1', [b.db1])]),
    `  all ${t.checks.length} entries of dS, dW2, db2, dW1, db1: ${bad.length ? paint.bad(`${bad.length} FAIL (${bad.map((k) => `${k.gradient}[${k.index.join('][')}]`).join(', ')})`) : paint.ok('ok')} against the central difference (max rel error ${relError(worst)})`,
    '',
    paint.title(`update: SGD, each parameter −= lr·gradient, lr = ${t.learningRate}`),
    ...sideBySide([matrix('W1 − lr·dW1', u.W1), matrix('b1 − lr·db1', [u.b1]), matrix('W2 − lr·dW2', u.W2), matrix('b2 − lr·db2', [u.b2])]),
    `  e.g. W2[0][0]: ${num(f.W2[0][0])} − ${num(t.learningRate)}·${factor(b.dW2[0][0])} = ${num(u.W2[0][0])}`,
    `loss on the same 2 samples: ${num(t.loss)} before, ${paint.forward(num(t.lossAfter))} after the step`,
    paint.note(numericalNote(t.h, 'the loss, nudging one score or parameter')),
  ].join('\n');
}
