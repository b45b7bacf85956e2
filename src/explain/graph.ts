import type { AffineTrace } from './affine';
import type { ScalarGraphTrace } from './scalar-graph';
import type { SoftmaxLossTrace } from './softmax-loss';
import { num } from './text-format';
import { sigmoidGraph, trainStepGraph } from './graph-learner';
import type { ExplainTrace } from './topics';

import { matrix, vector, type Graph } from './graph-model';

export type { Graph } from './graph-model';

export function toGraph(trace: ExplainTrace): Graph {
  switch (trace.topic) {
    case 'conv':
    case 'pool':
      return windowGraph(trace.topic);
    case 'shopping':
      return scalarGraph(trace, `shopping: ${trace.output} = ${num(trace.outputValue)}`);
    case 'loss':
      return scalarGraph(trace, `loss: L = (price − budget)² = ${num(trace.outputValue)}`);
    case 'sigmoid-graph':
      return sigmoidGraph(trace);
    case 'train-step':
      return trainStepGraph(trace);
    case 'affine':
      return affineGraph(trace);
    case 'softmax-loss':
      return softmaxLossGraph(trace);
    case 'relu':
    case 'sigmoid': {
      const name = trace.topic === 'relu' ? 'ReLU' : 'Sigmoid';
      const xs = vector(trace.points.map((p) => p.x)), ys = vector(trace.points.map((p) => p.y));
      return {
        title: `${trace.topic}: local derivatives, with L = Σ y`,
        nodes: [
          { id: 'x', label: 'x', kind: 'value' },
          { id: 'layer', label: name, kind: 'op' },
          { id: 'sum', label: 'Σ', kind: 'op' },
          { id: 'L', label: 'L', kind: 'value' },
        ],
        edges: [
          { from: 'x', to: 'layer', forward: xs, backward: vector(trace.points.map((p) => p.local)) },
          { from: 'layer', to: 'sum', forward: ys, backward: vector(trace.points.map(() => 1)) },
          { from: 'sum', to: 'L', forward: num(trace.points.reduce((s, p) => s + p.y, 0)), backward: '1' },
        ],
      };
    }
  }
}

export const opSymbol = { mul: '×', add: '+', sub: '−' } as const;

/** x → Convolution (or Pooling) → out → Σ dout ⊙ out → L; the numbers are in the text and JSON. */
function windowGraph(topic: 'conv' | 'pool'): Graph {
  const name = topic === 'conv' ? 'Convolution (im2col · w + b)' : 'Pooling (max)';
  return {
    title: `${topic}: L = Σ dout ⊙ out`,
    nodes: [
      { id: 'x', label: 'x (4×4)', kind: 'value' },
      { id: 'layer', label: name, kind: 'op' },
      { id: 'sum', label: 'Σ dout ⊙ out', kind: 'op' },
      { id: 'L', label: 'L', kind: 'value' },
    ],
    edges: [
      { from: 'x', to: 'layer', forward: 'x', backward: topic === 'conv' ? 'dx = col2im(dout·wᵀ)' : 'dx: dout at each argmax' },
      { from: 'layer', to: 'sum', forward: 'out', backward: 'dout' },
      { from: 'sum', to: 'L', forward: 'L', backward: '1' },
    ],
  };
}

/** Leaves as plain values, each node as an operator, the output at the end. */
function scalarGraph(t: ScalarGraphTrace, title: string): Graph {
  const producer = new Map(t.forward.map((s) => [s.output.name, s.node]));
  const gradient = new Map(t.variables.map((v) => [v.name, v.gradient]));
  const nodes: Graph['nodes'] = [
    ...t.variables.filter((v) => v.leaf).map((v) => ({ id: v.name, label: v.name, kind: 'value' as const })),
    ...t.forward.map((s) => ({ id: s.node, label: opSymbol[s.op], kind: 'op' as const })),
    { id: t.output, label: t.output, kind: 'value' },
  ];
  const edges: Graph['edges'] = t.forward.flatMap((s) =>
    s.inputs.map((input) => ({ from: producer.get(input.name) ?? input.name, to: s.node, forward: num(input.value), backward: num(gradient.get(input.name)!) })),
  );
  edges.push({ from: producer.get(t.output)!, to: t.output, forward: num(t.outputValue), backward: '1' });
  return { title, nodes, edges };
}

function affineGraph(t: AffineTrace): Graph {
  return {
    title: `affine: L = Σ dY ⊙ (X·W + b) = ${num(t.loss.value)}`,
    nodes: [
      { id: 'X', label: 'X', kind: 'value' },
      { id: 'W', label: 'W', kind: 'value' },
      { id: 'b', label: 'b', kind: 'value' },
      { id: 'affine', label: 'Affine', kind: 'op' },
      { id: 'loss', label: 'Σ dY ⊙ out', kind: 'op' },
      { id: 'L', label: 'L', kind: 'value' },
    ],
    edges: [
      { from: 'X', to: 'affine', forward: matrix(t.x), backward: matrix(t.dX) },
      { from: 'W', to: 'affine', forward: matrix(t.W), backward: matrix(t.dW) },
      { from: 'b', to: 'affine', forward: vector(t.b), backward: vector(t.db) },
      { from: 'affine', to: 'loss', forward: matrix(t.out), backward: matrix(t.dY) },
      { from: 'loss', to: 'L', forward: num(t.loss.value), backward: '1' },
    ],
  };
}

function softmaxLossGraph(t: SoftmaxLossTrace): Graph {
  const c = t.batch;
  return {
    title: `softmax-loss: a batch of ${c.n}, labels ${c.labels.join(', ')}`,
    nodes: [
      { id: 'scores', label: 'scores', kind: 'value' },
      { id: 't', label: `t = ${vector(c.labels)}`, kind: 'value' },
      { id: 'swl', label: 'SoftmaxWithLoss', kind: 'op' },
      { id: 'L', label: 'L', kind: 'value' },
    ],
    edges: [
      { from: 'scores', to: 'swl', forward: matrix(c.scores), backward: matrix(c.gradient) },
      { from: 't', to: 'swl', forward: vector(c.labels), backward: '' },
      { from: 'swl', to: 'L', forward: num(c.loss), backward: String(t.startGradient) },
    ],
  };
}

