import { matrix as m, vector as v, type Graph } from './graph-model';
import type { SigmoidGraphTrace } from './sigmoid-graph';
import { num } from './text-format';
import type { TrainStepTrace } from './train-step';

/** x → ×(−1) → exp → +1 → 1/x → y, each edge with its value and dy/d(value). */
export function sigmoidGraph(t: SigmoidGraphTrace): Graph {
  const nodes: Graph['nodes'] = [{ id: 'x', label: 'x', kind: 'value' }, ...t.nodes.map((n) => ({ id: n.op, label: n.op, kind: 'op' as const })), { id: 'y', label: 'y', kind: 'value' }];
  const ids = nodes.map((n) => n.id);
  const edges: Graph['edges'] = t.nodes.map((n, k) => ({ from: ids[k], to: ids[k + 1], forward: `${n.input.name} = ${num(n.input.value)}`, backward: num(n.passed) }));
  edges.push({ from: ids[ids.length - 2], to: 'y', forward: `y = ${num(t.y)}`, backward: '1' });
  return { title: `sigmoid as the book draws it, at x = ${num(t.x)}: dy/dx = ${num(t.nodes[0].passed)} = y(1 − y)`, nodes, edges };
}

/** The two-layer net of train-step: matrices forward (black) and their gradients (red). */
export function trainStepGraph(t: TrainStepTrace): Graph {
  const f = t.forward, b = t.backward;
  return {
    title: `train-step: a 4-3-2 net on 2 samples, loss ${num(t.loss)} → ${num(t.lossAfter)} after one step (lr ${t.learningRate})`,
    nodes: [
      { id: 'X', label: 'X', kind: 'value' },
      { id: 'W1', label: 'W1', kind: 'value' },
      { id: 'b1', label: 'b1', kind: 'value' },
      { id: 'affine1', label: 'Affine1', kind: 'op' },
      { id: 'relu', label: 'ReLU', kind: 'op' },
      { id: 'W2', label: 'W2', kind: 'value' },
      { id: 'b2', label: 'b2', kind: 'value' },
      { id: 'affine2', label: 'Affine2', kind: 'op' },
      { id: 'swl', label: 'SoftmaxWithLoss', kind: 'op' },
      { id: 't', label: `t = ${v(t.labels)}`, kind: 'value' },
      { id: 'L', label: 'L', kind: 'value' },
    ],
    edges: [
      { from: 'X', to: 'affine1', forward: m(f.X), backward: '' },
      { from: 'W1', to: 'affine1', forward: m(f.W1), backward: m(b.dW1) },
      { from: 'b1', to: 'affine1', forward: v(f.b1), backward: v(b.db1) },
      { from: 'affine1', to: 'relu', forward: m(f.A1), backward: m(b.dA1) },
      { from: 'relu', to: 'affine2', forward: m(f.Z1), backward: m(b.dZ1) },
      { from: 'W2', to: 'affine2', forward: m(f.W2), backward: m(b.dW2) },
      { from: 'b2', to: 'affine2', forward: v(f.b2), backward: v(b.db2) },
      { from: 'affine2', to: 'swl', forward: m(f.S), backward: m(b.dS) },
      { from: 't', to: 'swl', forward: v(t.labels), backward: '' },
      { from: 'swl', to: 'L', forward: num(t.loss), backward: '1' },
    ],
  };
}
