import type { NetworkTrace, StepTrace } from './network-trace';
import { columns, num, plain, relError, shape, type Cell, type Paint } from './text-format';

/** Each optimizer's update as the book writes it, and what its first step (no velocities or moments yet) comes to. */
const rules: Record<string, { label: string; rule: string; first?: string }> = {
  sgd: { label: 'SGD', rule: 'w ← w − lr·grad' },
  momentum: { label: 'Momentum', rule: 'v ← μ·v − lr·grad;  w ← w + v', first: 'v = 0 before it, so this step is plain SGD' },
  nesterov: { label: 'Nesterov', rule: 'v ← μ·v − lr·grad;  w ← w + μ·v − lr·grad', first: 'v = 0 before it, so w moves by (1 + μ)·lr·grad' },
  adagrad: { label: 'AdaGrad', rule: 'h ← h + grad²;  w ← w − lr·grad/(√h + ε)', first: 'h = grad², so each weight moves by lr·grad/(|grad| + ε) ≈ lr·sign(grad)' },
  rmsprop: {
    label: 'RMSprop',
    rule: 'h ← ρ·h + (1 − ρ)·grad²;  w ← w − lr·grad/(√h + ε)',
    first: 'h = (1 − ρ)·grad², so each weight moves by about lr·sign(grad)/√(1 − ρ)',
  },
  adam: {
    label: 'Adam',
    rule: 'm ← β1·m + (1 − β1)·grad;  v ← β2·v + (1 − β2)·grad²;  w ← w − lr·m̂/(√v̂ + ε)',
    first: 'm̂ = grad and v̂ = grad², so each weight moves by lr·grad/(|grad| + ε) ≈ lr·sign(grad)',
  },
};

/** A network trace as terminal text: forward statistics, gradient norms on the way back, one step of the optimizer. */
export function renderNetworkTrace(t: NetworkTrace, paint: Paint = plain): string {
  const e = (x: number) => x.toExponential(2);
  const { lossBefore, lossAfter, weightDecay } = t.step;
  const change = lossAfter - lossBefore;
  return [
    paint.title(`forward: a batch of ${t.inputShape[0]}, input ${shape(t.inputShape)}`),
    ...columns(
      ['layer', 'output', 'mean', 'std', 'min', 'max', 'active'],
      t.forward.map((f) => [
        f.layer,
        shape(f.shape),
        num(f.stats.mean),
        num(f.stats.std),
        num(f.stats.min),
        num(f.stats.max),
        f.activeFraction === undefined ? '' : `${(100 * f.activeFraction).toFixed(1)}%`,
      ]),
    ),
    weightDecay === 0
      ? `loss (softmax-with-loss): ${paint.forward(num(t.loss))}`
      : `loss: ${num(t.loss - t.decayLoss)} (softmax-with-loss) + ${num(t.decayLoss)} (weight decay 0.5·λ·ΣW², λ = ${weightDecay}) = ${paint.forward(num(t.loss))}`,
    '',
    paint.title('backward: the gradient at each layer, L2 norms'),
    ...columns(
      ['gradient', 'shape', 'norm'],
      [
        ['dL/d(scores) = (y − t)/N', shape(t.lossGradient.shape), [e(t.lossGradient.norm), paint.backward]],
        ...t.backward.flatMap((b): Cell[][] => [
          ...b.params.map((p): Cell[] => [`  dL/d ${p.name}`, shape(p.shape), [e(p.gradNorm), paint.backward]]),
          [`dL/d(input of ${b.layer})`, shape(b.gradShape), [e(b.gradNorm), paint.backward]],
        ]),
      ],
    ),
    '',
    ...describeStep(t.step, paint),
    ...columns(
      ['parameter', '‖w‖', '‖grad‖', '‖Δw‖', 'max|Δw|', '‖Δw‖/‖w‖'],
      t.step.params.map((p) => [p.name, e(p.valueNorm), e(p.gradNorm), e(p.updateNorm), e(p.maxUpdate), p.relativeUpdate === null ? '(w = 0)' : relError(p.relativeUpdate)]),
    ),
    `loss on the same batch: ${num(lossBefore)} → ${num(lossAfter)} (${change <= 0 ? paint.ok(e(change)) : paint.bad('+' + e(change))}); the weights were put back`,
  ].join('\n');
}

/** The step's title, its update rule, and what was done to the gradients before it. */
function describeStep(step: StepTrace, paint: Paint): string[] {
  const known = rules[step.optimizer];
  const which = step.optimizerStep === 1 ? (known?.first ? ' (its first)' : '') : ` (its step ${step.optimizerStep})`;
  const lines = [paint.title(`one ${known?.label ?? step.optimizer} step${which} with lr = ${step.learningRate}`)];
  if (known) lines.push(`  ${known.rule}`);
  if (known?.first && step.optimizerStep === 1) lines.push(paint.note(`  a first step: ${known.first}`));
  if (step.weightDecay !== 0) lines.push(`  the gradients include weight decay's λ·W (λ = ${step.weightDecay})`);
  if (step.clip) {
    const { maxNorm, norm, scale } = step.clip;
    lines.push(
      scale < 1
        ? `  clipped: the gradients' global norm ${num(norm)} exceeds clipNorm ${maxNorm}, so all were scaled by ${num(scale)} (‖grad‖ below is after it)`
        : `  not clipped: the gradients' global norm ${num(norm)} is within clipNorm ${maxNorm}`,
    );
  }
  return lines;
}
