import { tensor } from '../core/tensor';
import { tsKernels } from '../core/ts-kernels';
import { Sigmoid } from '../layers/sigmoid';
import { centralDifference, compare, DEFAULT_H, type NumericalCheck } from './check';

/** One node of the sigmoid's graph as the book draws it: ×(−1), exp, +1, 1/x. */
export interface SigmoidGraphNode {
  op: '×(−1)' | 'exp' | '+1' | '1/x';
  input: { name: string; value: number };
  output: { name: string; value: number };
  /** d(output)/d(input), in symbols and at this input. */
  localFormula: string;
  local: number;
  /** dy/d(output), arriving from the right. */
  incoming: number;
  /** incoming × local = dy/d(input), passed to the left. */
  passed: number;
  /** passed against the central difference of y in the input. */
  check: NumericalCheck;
}

export interface SigmoidGraphTrace {
  topic: 'sigmoid-graph';
  x: number;
  y: number;
  h: number;
  /** Forward order: ×(−1), exp, +1, 1/x. */
  nodes: SigmoidGraphNode[];
  /** The four local derivatives multiplied: (−1/c²)·1·e^(−x)·(−1) = e^(−x)/(1 + e^(−x))², and y(1 − y), the same number. */
  product: { localProduct: number; expForm: number; yTimesOneMinusY: number };
  /** nnt's Sigmoid layer's backward(1) at x: the one node that replaces the four. */
  layerLocal: number;
}

const ops: { op: SigmoidGraphNode['op']; out: string; f: (v: number) => number; d: (v: number) => number; formula: (name: string) => string }[] = [
  { op: '×(−1)', out: 'a', f: (v) => -v, d: () => -1, formula: () => '−1' },
  { op: 'exp', out: 'b', f: Math.exp, d: Math.exp, formula: (n) => `exp(${n})` },
  { op: '+1', out: 'c', f: (v) => v + 1, d: () => 1, formula: () => '1' },
  { op: '1/x', out: 'y', f: (v) => 1 / v, d: (v) => -1 / (v * v), formula: (n) => `−1/${n}² = −y²` },
];

/** The book's graph of y = 1/(1 + exp(−x)), node by node, at one x (default 1). */
export function explainSigmoidGraph(x = 1, h = DEFAULT_H): SigmoidGraphTrace {
  const values = [x];
  for (const o of ops) values.push(o.f(values[values.length - 1]));
  const names = ['x', ...ops.map((o) => o.out)];
  // y as a function of the value entering node k: the rest of the chain from there on.
  const rest = (k: number) => (v: number) => ops.slice(k).reduce((acc, o) => o.f(acc), v);
  const nodes: SigmoidGraphNode[] = [];
  let incoming = 1;
  for (let k = ops.length - 1; k >= 0; k--) {
    const input = values[k];
    const local = ops[k].d(input);
    const passed = incoming * local;
    let nudged = input;
    const numerical = centralDifference(() => rest(k)(nudged), () => nudged, (v) => (nudged = v), h);
    nodes.unshift({
      op: ops[k].op,
      input: { name: names[k], value: input },
      output: { name: names[k + 1], value: values[k + 1] },
      localFormula: ops[k].formula(names[k]),
      local,
      incoming,
      passed,
      check: compare(passed, numerical),
    });
    incoming = passed;
  }
  const y = values[values.length - 1];
  const e = Math.exp(-x);
  const layer = new Sigmoid('sigmoid', tsKernels);
  layer.forward(tensor([1, 1], [x]));
  const layerLocal = layer.backward(tensor([1, 1], [1])).data[0];
  return {
    topic: 'sigmoid-graph',
    x,
    y,
    h,
    nodes,
    product: { localProduct: nodes.reduce((p, n) => p * n.local, 1), expForm: e / ((1 + e) * (1 + e)), yTimesOneMinusY: y * (1 - y) },
    layerLocal,
  };
}
