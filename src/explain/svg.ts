/**
 * DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz), so a learner sees the
 * book's picture without installing Graphviz. Loaded only when --svg is given.
 */
export async function renderSvg(dot: string): Promise<string> {
  const viz = await (require('@viz-js/viz') as typeof import('@viz-js/viz')).instance();
  const result = viz.render(dot, { format: 'svg' });
  if (result.status !== 'success' || result.output === undefined) {
    throw new Error(`graphviz could not draw the graph: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return result.output;
}
