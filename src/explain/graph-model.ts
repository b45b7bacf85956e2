/** A computational graph to draw: what flows forward and backward along each edge, as text. */
export interface Graph {
  title: string;
  nodes: { id: string; label: string; kind: 'op' | 'value' }[];
  edges: { from: string; to: string; forward: string; backward: string }[];
}
