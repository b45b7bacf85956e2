import { renderDot } from '../explain/dot';
import { toGraph, type Graph } from '../explain/graph';
import { explain, type TopicName } from '../explain/topics';

/** The topics the page draws: the ones whose graphs have operator nodes to step through. */
export const PAGE_TOPICS: TopicName[] = ['shopping', 'loss', 'affine', 'softmax-loss', 'sigmoid-graph', 'train-step'];

export interface ExplainStep {
  /** What this step shows, in words. */
  note: string;
  /** Graphviz DOT of the graph as far as this step has computed it. */
  dot: string;
}

export interface ExplainSteps {
  topic: TopicName;
  title: string;
  steps: ExplainStep[];
}

/**
 * The topic's graph (the same trace and Graph that `nnt explain --dot` draws), revealed node
 * by node: first the inputs, then each operator's forward value in order, then the seed
 * gradient 1 at the output, then each operator's backward pass in reverse order. The last step
 * is the whole graph, exactly `nnt explain TOPIC --dot` plus the highlight.
 */
export function explainSteps(topic: TopicName): ExplainSteps {
  const graph = toGraph(explain(topic));
  const ops = graph.nodes.filter((n) => n.kind === 'op').map((n) => n.id);
  const opIndex = new Map(ops.map((id, i) => [id, i]));
  const n = ops.length;
  const steps: ExplainStep[] = [];
  // forwardDone: how many ops have run forward; backwardDone: how many have run backward (from the last).
  const at = (forwardDone: number, backwardDone: number, seeded: boolean, active: string | undefined, note: string) => {
    const shown: Graph = {
      ...graph,
      edges: graph.edges.map((e) => {
        const from = opIndex.get(e.from), to = opIndex.get(e.to);
        const forwardKnown = from === undefined || from < forwardDone;
        // An edge's gradient is known once the node it flows into has run backward (or, for the output, once seeded).
        const backwardKnown = to === undefined ? seeded : to >= n - backwardDone;
        return { ...e, forward: forwardKnown ? e.forward : '?', backward: backwardKnown ? e.backward : '' };
      }),
    };
    steps.push({ note, dot: highlight(renderDot(shown), active) });
  };
  at(0, 0, false, undefined, 'the inputs');
  ops.forEach((id, i) => at(i + 1, 0, false, id, `forward: ${label(graph, id)} computes its output`));
  at(n, 0, true, undefined, 'backward starts: dL/dL = 1 at the output');
  for (let k = 1; k <= n; k++) {
    const id = ops[n - k];
    at(n, k, true, id, `backward: ${label(graph, id)} multiplies the incoming gradient by its local derivatives`);
  }
  return { topic, title: graph.title, steps };
}

function label(graph: Graph, id: string): string {
  return `${graph.nodes.find((node) => node.id === id)!.label} (${id})`;
}

/** Re-declares the active node with a coloured outline; a later attribute list overrides the earlier one. */
function highlight(dot: string, active: string | undefined): string {
  if (active === undefined) return dot;
  const end = dot.lastIndexOf('}');
  return `${dot.slice(0, end)}  ${JSON.stringify(active)} [color="#1f6feb", penwidth=3];\n}\n`;
}
