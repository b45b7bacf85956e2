import { renderDot } from '../src/explain/dot';
import { toGraph } from '../src/explain/graph';
import { explain } from '../src/explain/topics';
import { loadConfig } from '../src/io/config';
import { explainSteps, PAGE_TOPICS } from '../src/serve/explain-steps';
import { PageModel } from '../src/serve/model';
import { join } from 'node:path';

describe('explain steps (the Explain panel)', () => {
  test.each(PAGE_TOPICS)('%s: inputs, each node forward, the seed, each node backward; the last step is the whole graph', (topic) => {
    const graph = toGraph(explain(topic));
    const ops = graph.nodes.filter((n) => n.kind === 'op');
    const { steps } = explainSteps(topic);
    expect(steps).toHaveLength(2 * ops.length + 2);
    // The last step is `nnt explain TOPIC --dot` with the first operator outlined.
    const full = renderDot(graph);
    expect(steps.at(-1)!.dot.replace(/  "[^"]+" \[color="#1f6feb", penwidth=3\];\n/, '')).toBe(full);
    // Gradients (red) appear only in the backward half, and more of them at each step.
    const reds = steps.map((s) => (s.dot.match(/color="red"/g) ?? []).length);
    expect(reds.slice(0, ops.length + 1).every((n) => n === 0)).toBe(true);
    for (let i = ops.length + 1; i < steps.length; i++) expect(reds[i]).toBeGreaterThanOrEqual(reds[i - 1]);
    expect(reds.at(-1)).toBe((full.match(/color="red"/g) ?? []).length);
  });

  test('shopping: the forward step of the tax node shows 715, the last backward step 2.2', () => {
    const { steps } = explainSteps('shopping');
    const taxForward = steps.findIndex((s) => s.note.includes('mul_tax_layer') && s.note.startsWith('forward'));
    expect(steps[taxForward - 1].dot).not.toMatch(/\[label=<715/);
    expect(steps[taxForward].dot).toMatch(/\[label=<715/);
    expect(steps[steps.length - 2].dot).not.toContain('>2.2<');
    expect(steps.at(-1)!.dot).toContain('>2.2<');
  });
});

describe('the page model (the Draw panel)', () => {
  const config = loadConfig(join(__dirname, '../configs/two-layer.json'));
  const model = new PageModel(config, 784, 10);

  test('a prediction: probabilities that sum to 1, the top class, and the hidden layer', () => {
    const x = new Float64Array(784);
    for (let i = 300; i < 500; i += 3) x[i] = 1;
    const p = model.predict(x);
    expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p.top).toBe(p.probabilities.indexOf(Math.max(...p.probabilities)));
    expect(p.hidden).toHaveLength(50);
    expect(Math.min(...p.hidden)).toBeGreaterThanOrEqual(0); // after the ReLU
    // The same as the network's own forward pass.
    const scores = model.network.predict({ shape: [1, 784], data: x });
    expect(p.top).toBe(Array.from(scores.data).indexOf(Math.max(...scores.data)));
  });

  test('values from the training worker replace the weights, in params() order', () => {
    const values = [...model.network.params().map((p) => p.value.map(() => 0.5)), ...model.network.stateArrays().map((s) => s.value.slice())];
    model.setValues(values, 'training');
    expect(model.firstLayer()!.values.every((v) => v === 0.5)).toBe(true);
    expect(model.firstLayer()!.shape).toEqual([784, 50]);
    expect(() => model.setValues(values.slice(1), 'training')).toThrow(/arrays/);
  });
});
