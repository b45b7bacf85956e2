import type { AffineTrace } from './affine';
import { renderConv, renderPool } from './render-conv';
import type { ReluTrace } from './relu';
import type { ShoppingTrace } from './shopping';
import type { SigmoidTrace } from './sigmoid';
import type { SoftmaxLossCase, SoftmaxLossTrace } from './softmax-loss';
import type { ExplainTrace } from './topics';
import { checkCells, checkHeader, numericalNote, renderScalarGraph } from './render-checks';
import { affineSingleSection, renderLoss, renderSigmoidGraph, renderTrainStep, softmaxDerivation } from './render-learner';
import { columns, factor, matrix, num, plain, relError, shape, sideBySide, type Cell, type Paint } from './text-format';

/** The terminal text for an explain trace. Every number shown is one the trace holds. */
export function renderText(trace: ExplainTrace, paint: Paint = plain): string {
  switch (trace.topic) {
    case 'shopping':
      return renderShopping(trace, paint);
    case 'affine':
      return renderAffine(trace, paint);
    case 'softmax-loss':
      return renderSoftmaxLoss(trace, paint);
    case 'relu':
      return renderRelu(trace, paint);
    case 'sigmoid':
      return renderSigmoid(trace, paint);
    case 'loss':
      return renderLoss(trace, paint);
    case 'sigmoid-graph':
      return renderSigmoidGraph(trace, paint);
    case 'train-step':
      return renderTrainStep(trace, paint);
    case 'conv':
      return renderConv(trace, paint);
    case 'pool':
      return renderPool(trace, paint);
  }
}

function renderShopping(t: ShoppingTrace, paint: Paint): string {
  const o = t.options;
  const title = `shopping: ${num(o.apples)} apples at ${num(o.applePrice)}, ${num(o.oranges)} oranges at ${num(o.orangePrice)}, tax ${num(o.tax)}`;
  return renderScalarGraph(t, paint, title, `gradients of the inputs: how much ${t.output} moves per unit of each`).join('\n');
}

function renderAffine(t: AffineTrace, paint: Paint): string {
  const sum = (e: AffineTrace['entries'][number]) => e.terms.map((term) => term.symbols.join('·')).join(' + ');
  const values = (e: AffineTrace['entries'][number]) => e.terms.map((term) => term.values.map(factor).join('·')).join(' + ');
  const section = (g: 'dX' | 'dW' | 'db') => {
    const rule = t.shapes.find((s) => s.gradient === g)!;
    return [
      '',
      paint.title(`${g} = ${rule.formula}, from Affine.backward`),
      ...columns(
        ['entry', 'as a sum', 'with the numbers', 'backward', ...checkHeader],
        t.entries
          .filter((e) => e.gradient === g)
          .map((e) => [`${g}[${e.index.join('][')}]`, `= ${sum(e)}`, `= ${values(e)}`, [`= ${num(e.check.backprop)}`, paint.backward], ...checkCells(e.check, paint)]),
      ),
    ];
  };
  const lines = [
    ...affineSingleSection(t.single, paint),
    '',
    paint.title(`affine: out = X·W + b with N = ${t.n} samples, D = ${t.d} inputs, M = ${t.m} outputs (seed ${t.seed})`),
    '',
    ...sideBySide([
      matrix(`X (${t.n}×${t.d})`, t.x),
      matrix(`W (${t.d}×${t.m})`, t.W),
      matrix(`b (${t.m})`, [t.b]),
      matrix(`out = X·W + b (${t.n}×${t.m})`, t.out),
    ]),
    '',
    `the loss: ${t.loss.formula}; here L = ${num(t.loss.value)}`,
    ...sideBySide([matrix(`dY (${t.n}×${t.m}), given`, t.dY), matrix(`dX (${t.n}×${t.d})`, t.dX), matrix(`dW (${t.d}×${t.m})`, t.dW), matrix(`db (${t.m})`, [t.db])]),
    '',
    paint.title('shapes: each gradient has the shape of what it is the gradient of'),
    ...t.shapes.map((s) => `  ${s.gradient} = ${s.formula}: ${s.factors.map((f) => `${f.name} ${shape(f.shape)}`).join(' · ')} → ${shape(s.shape)}, like ${s.like}`),
    ...section('dX'),
    ...section('dW'),
    ...section('db'),
    paint.note(numericalNote(t.h, 'L through the Affine layer, nudging one entry of X, W or b')),
  ];
  return lines.join('\n');
}

function renderSoftmaxCase(c: SoftmaxLossCase, paint: Paint): string[] {
  const single = c.n === 1;
  const rows: Cell[][] = [];
  for (let i = 0; i < c.n; i++)
    for (let j = 0; j < c.c; j++) {
      const check = c.checks.find((k) => k.index[0] === i && k.index[1] === j)!.check;
      rows.push([
        j === 0 ? String(i) : '',
        String(j),
        num(c.scores[i][j]),
        num(c.probabilities[i][j]),
        String(c.oneHot[i][j]),
        ...(single ? [] : [num(c.aloneGradients[i][j])]),
        [num(c.gradient[i][j]), paint.backward],
        ...checkCells(check, paint),
      ]);
    }
  const gradientHeader = single ? 'y − t' : `(y − t)/${c.n}`;
  const lossTerms = c.labels.map((t, i) => `${i === 0 ? '−' : ' − '}log ${num(c.probabilities[i][t])}`).join('');
  return [
    ...columns(['sample', 'class', 'score', 'y = softmax', 't', ...(single ? [] : ['alone: y − t']), gradientHeader, ...checkHeader], rows),
    `labels: ${c.labels.join(', ')}; loss = ${single ? lossTerms : `(${lossTerms}) / ${c.n}`} = ${paint.forward(num(c.loss))}`,
  ];
}

function renderSoftmaxLoss(t: SoftmaxLossTrace, paint: Paint): string {
  const n = t.batch.n;
  return [
    paint.title('softmax-loss: scores → softmax → cross-entropy, and why its gradient is (y − t)/N'),
    '',
    paint.title('one sample (N = 1): the gradient in the scores is y − t'),
    ...renderSoftmaxCase(t.single, paint),
    '',
    paint.title(`a batch of N = ${n} (seed ${t.seed}): the loss is the mean, so each gradient is divided by N`),
    ...renderSoftmaxCase(t.batch, paint),
    paint.note(`alone: the gradient when that sample is a batch of its own; the batch's gradient is it divided by ${n}`),
    '',
    paint.title('where the backward pass starts'),
    `  backward begins with dL/dL = ${t.startGradient}, the dout of SoftmaxWithLoss.backward(${t.startGradient});`,
    '  it returns dL/d(scores) = (y − t)/N (N×C), which is the dout the last Affine layer\'s backward receives;',
    '  from there each layer multiplies by its local derivative, back to the first.',
    '  softmax and cross-entropy are one node because their local derivatives multiply out to this simple y − t.',
    '',
    ...softmaxDerivation(t, paint),
    paint.note(numericalNote(t.h, 'the mean loss, nudging one score')),
  ].join('\n');
}

function renderRelu(t: ReluTrace, paint: Paint): string {
  const anyNearKink = t.points.some((p) => p.nearKink);
  return [
    paint.title('relu: y = max(0, x); forward caches the mask x > 0, backward lets dout through only where it is 1'),
    ...columns(
      ['x', 'y', 'mask', 'local dy/dx', ...checkHeader],
      t.points.map((p) => [
        num(p.x),
        [num(p.y), paint.forward],
        String(p.mask),
        [num(p.local), paint.backward],
        num(p.check.numerical),
        relError(p.check.relError),
        p.nearKink ? ['no derivative', paint.note] : p.check.passed ? ['ok', paint.ok] : ['FAIL', paint.bad],
      ]),
    ),
    `at x = 0 ReLU has no derivative: the slope is 0 on the left and 1 on the right, and (relu(h) − relu(−h)) / 2h = 0.5 is neither;`,
    anyNearKink
      ? `an input within h = ${t.h} of 0 straddles that kink, so its numerical value is no derivative (backprop just uses the mask).`
      : `so the inputs stay more than h = ${t.h} from 0 (backprop takes the mask's 0 at exactly 0).`,
    paint.note(numericalNote(t.h, 'L = Σ y, nudging one x')),
  ].join('\n');
}

function renderSigmoid(t: SigmoidTrace, paint: Paint): string {
  return [
    paint.title('sigmoid: y = 1 / (1 + e^−x); its derivative is y(1 − y), so forward caches y and backward needs no x'),
    ...columns(
      ['x', 'y', 'y(1 − y)', 'local (backward)', ...checkHeader],
      t.points.map((p) => [num(p.x), [num(p.y), paint.forward], `${factor(p.y)}·${factor(1 - p.y)} = ${num(p.yTimesOneMinusY)}`, [num(p.local), paint.backward], ...checkCells(p.check, paint)]),
    ),
    paint.note(numericalNote(t.h, 'L = Σ y, nudging one x')),
  ].join('\n');
}
