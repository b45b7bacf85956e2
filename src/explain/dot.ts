import type { Graph } from './graph';

/**
 * Graphviz DOT for a graph: left to right as the forward pass runs; on each edge the forward
 * value above (black) and the backward gradient below (red). Render with `dot -Tsvg`.
 */
export function renderDot(graph: Graph): string {
  const lines = [
    'digraph nnt {',
    '  rankdir=LR;',
    `  label=${quote(graph.title)}; labelloc=t; fontname="Helvetica";`,
    '  node [fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=11];',
  ];
  for (const node of graph.nodes) {
    const style = node.kind === 'op' ? 'shape=circle, style=filled, fillcolor="#eeeeee"' : 'shape=plaintext';
    lines.push(`  ${quote(node.id)} [label=${quote(node.label)}, ${style}];`);
  }
  for (const edge of graph.edges) {
    const backward = edge.backward ? `<br/><font color="red">${html(edge.backward)}</font>` : '';
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)} [label=<${html(edge.forward)}${backward}>];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br/>');
}
