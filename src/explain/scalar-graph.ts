import { AddLayer } from '../layers/add';
import { MulLayer } from '../layers/mul';
import { centralDifference, compare, DEFAULT_H, type NumericalCheck } from './check';

/** One node of a graph on scalars: `output = a × b`, `a + b` (the chapter's layers) or `a − b`. */
export type ScalarOp = 'mul' | 'add' | 'sub';

export interface ScalarNode {
  name: string;
  op: ScalarOp;
  inputs: [string, string];
  output: string;
}

export interface NamedValue {
  name: string;
  value: number;
}

export interface ForwardStep {
  node: string;
  op: ScalarOp;
  inputs: NamedValue[];
  output: NamedValue;
}

/**
 * What a node does on the way back: it receives dL/d(output), multiplies it by its local
 * derivative d(output)/d(input) for each input (the chain rule), and passes the products on.
 */
export interface BackwardStep {
  node: string;
  op: ScalarOp;
  incoming: NamedValue;
  inputs: { name: string; local: number; passed: number; check: NumericalCheck }[];
}

export interface VariableTrace {
  name: string;
  description: string;
  /** An input of the graph (a leaf) rather than a node's output. */
  leaf: boolean;
  value: number;
  /** dL/d(variable), L being the graph's output. */
  gradient: number;
  check: NumericalCheck;
}

export interface ScalarGraphTrace {
  output: string;
  outputValue: number;
  h: number;
  forward: ForwardStep[];
  backward: BackwardStep[];
  variables: VariableTrace[];
}

/**
 * Runs a graph of MulLayer/AddLayer nodes (listed in an order where every input is computed
 * before it is used) forward and backward, and checks the gradient of the output in every
 * variable, leaves and intermediate values alike, by the central difference of the whole graph.
 */
export function traceScalarGraph(
  nodes: ScalarNode[],
  leaves: Record<string, number>,
  descriptions: Record<string, string>,
  h = DEFAULT_H,
): ScalarGraphTrace {
  const layers = nodes.map((node) => (node.op === 'mul' ? new MulLayer() : node.op === 'add' ? new AddLayer() : new SubLayer()));
  const output = nodes[nodes.length - 1].output;

  // `pinned` replaces a variable's value wherever it appears, computed or not: nudging an
  // intermediate value and running the rest of the graph gives the derivative in that value.
  const evaluate = (pinned?: NamedValue): Map<string, number> => {
    const values = new Map(Object.entries(leaves));
    if (pinned) values.set(pinned.name, pinned.value);
    nodes.forEach((node, i) => {
      const [a, b] = node.inputs.map((name) => valueOf(values, name));
      const z = layers[i].forward(a, b);
      values.set(node.output, pinned?.name === node.output ? pinned.value : z);
    });
    return values;
  };

  const values = evaluate();
  const forward = nodes.map((node) => ({
    node: node.name,
    op: node.op,
    inputs: node.inputs.map((name) => ({ name, value: values.get(name)! })),
    output: { name: node.output, value: values.get(node.output)! },
  }));

  const numerical = new Map<string, number>();
  for (const name of values.keys()) {
    let pinnedValue = values.get(name)!;
    const f = () => evaluate({ name, value: pinnedValue }).get(output)!;
    numerical.set(name, centralDifference(f, () => pinnedValue, (v) => (pinnedValue = v), h));
  }
  evaluate(); // the layers' caches back to the unnudged pass, for backward

  const gradients = new Map<string, number>([[output, 1]]);
  const backward: BackwardStep[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const dout = gradients.get(node.output) ?? 0;
    // backward(1) is the local derivative itself: the layer's own answer, not a formula of ours.
    const local = layers[i].backward(1);
    const passed = layers[i].backward(dout);
    node.inputs.forEach((name, k) => gradients.set(name, (gradients.get(name) ?? 0) + passed[k]));
    backward.push({
      node: node.name,
      op: node.op,
      incoming: { name: node.output, value: dout },
      // An input that enters a node twice (diff × diff) gets both shares: their sum is checked.
      inputs: node.inputs.map((name, k) => {
        const total = passed.reduce((s, p, j) => (node.inputs[j] === name ? s + p : s), 0);
        return { name, local: local[k], passed: passed[k], check: compare(total, numerical.get(name)!) };
      }),
    });
  }

  const variables = [...values.keys()].map((name) => ({
    name,
    description: descriptions[name] ?? '',
    leaf: name in leaves,
    value: values.get(name)!,
    gradient: gradients.get(name)!,
    check: compare(gradients.get(name)!, numerical.get(name)!),
  }));
  return { output, outputValue: values.get(output)!, h, forward, backward, variables };
}

/** z = x − y, so dz/dx = 1 and dz/dy = −1. */
class SubLayer {
  forward(x: number, y: number): number {
    return x - y;
  }

  backward(dout: number): [dx: number, dy: number] {
    return [dout, -dout];
  }
}

function valueOf(values: Map<string, number>, name: string): number {
  const v = values.get(name);
  if (v === undefined) throw new Error(`scalar graph: ${name} is used before it is computed`);
  return v;
}
