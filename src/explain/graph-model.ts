import { num } from './text-format';

/** A computational graph to draw: what flows forward and backward along each edge, as text. */
export interface Graph {
  title: string;
  nodes: { id: string; label: string; kind: 'op' | 'value' }[];
  edges: { from: string; to: string; forward: string; backward: string }[];
}

/** A vector as an edge label: [1, -0.5, 2]. */
export function vector(v: number[]): string {
  return `[${v.map(num).join(', ')}]`;
}

/** Rows on separate lines, so a matrix reads as one on the edge. */
export function matrix(rows: number[][]): string {
  return rows.map(vector).join('\n');
}
