import type { NumericalCheck } from './check';
import { opSymbol } from './graph';
import type { ScalarGraphTrace } from './scalar-graph';
import { columns, num, relError, type Cell, type Paint } from './text-format';

// The pieces every explain renderer shares: the numerical check beside each number, and the
// scalar graphs (shopping, loss, sigmoid) node by node.

/** numerical, rel error, verdict: the three cells every check adds to a row. */
export function checkCells(check: NumericalCheck, paint: Paint): Cell[] {
  return [num(check.numerical), relError(check.relError), check.passed ? ['ok', paint.ok] : ['FAIL', paint.bad]];
}

export const checkHeader = ['numerical', 'rel error', ''];

export function numericalNote(h: number, what: string): string {
  return `numerical: central difference (L(v + h) − L(v − h)) / 2h of ${what}, h = ${h}; ok when rel error < 1e-6`;
}

/** Forward, backward node by node, and the inputs' gradients of a graph of scalar nodes. */
export function renderScalarGraph(t: ScalarGraphTrace, paint: Paint, title: string, gradientsTitle: string): string[] {
  const L = t.output;
  const lines = [
    paint.title(title),
    '',
    paint.title('forward: each node computes its output from its inputs'),
    ...columns(
      ['node', 'op', 'inputs', 'output'],
      t.forward.map((s) => [
        s.node,
        opSymbol[s.op],
        s.inputs.map((i) => `${i.name} = ${num(i.value)}`).join(', '),
        [`${s.output.name} = ${num(s.output.value)}`, paint.forward],
      ]),
    ),
    '',
    paint.title(`backward: from d${L}/d${L} = 1; each node passes on incoming × local derivative (the chain rule)`),
    ...columns(
      ['node', 'incoming', 'to input', 'local', 'passes on', ...checkHeader],
      t.backward.flatMap((s) =>
        s.inputs.map((input, k): Cell[] => {
          const other = s.inputs[1 - k];
          const local = s.op === 'mul' ? `${num(input.local)} (= ${other.name})` : `${num(input.local)} (${opSymbol[s.op]} node)`;
          return [
            k === 0 ? s.node : '',
            k === 0 ? `d${L}/d${s.incoming.name} = ${num(s.incoming.value)}` : '',
            input.name,
            local,
            [num(input.passed), paint.backward],
            ...checkCells(input.check, paint),
          ];
        }),
      ),
    ),
    paint.note(
      t.forward.some((s) => s.op === 'sub')
        ? "a × node's local derivative for one input is the other input; a + node's is 1; a − node's is 1 and −1"
        : "a × node's local derivative for one input is the other input; a + node's is 1, so it passes the gradient on unchanged",
    ),
    '',
    paint.title(gradientsTitle),
    ...columns(
      ['input', 'meaning', 'value', `d${L}/d(input)`, ...checkHeader],
      t.variables.filter((v) => v.leaf).map((v) => [v.name, v.description, num(v.value), [num(v.gradient), paint.backward], ...checkCells(v.check, paint)]),
    ),
    paint.note(numericalNote(t.h, `the whole graph's output ${L}`)),
  ];
  return lines;
}
