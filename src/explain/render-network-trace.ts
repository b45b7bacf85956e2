import type { NetworkTrace } from './network-trace';
import { columns, num, plain, relError, shape, type Cell, type Paint } from './text-format';

/** A network trace as terminal text: forward statistics, gradient norms on the way back, one SGD step. */
export function renderNetworkTrace(t: NetworkTrace, paint: Paint = plain): string {
  const e = (x: number) => x.toExponential(2);
  const { lossBefore, lossAfter, learningRate } = t.step;
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
    `loss (softmax-with-loss): ${paint.forward(num(t.loss))}`,
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
    paint.title(`one SGD step, w ← w − lr·grad with lr = ${learningRate}`),
    ...columns(
      ['parameter', '‖w‖', '‖grad‖', '‖lr·grad‖', '‖lr·grad‖/‖w‖'],
      t.step.params.map((p) => [p.name, e(p.valueNorm), e(p.gradNorm), e(p.updateNorm), p.relativeUpdate === null ? '(w = 0)' : relError(p.relativeUpdate)]),
    ),
    `loss on the same batch: ${num(lossBefore)} → ${num(lossAfter)} (${change <= 0 ? paint.ok(e(change)) : paint.bad('+' + e(change))}); the weights were put back`,
  ].join('\n');
}
