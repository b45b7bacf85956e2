import { UserError } from '../src/errors';
import { renderDot } from '../src/explain/dot';
import { toGraph } from '../src/explain/graph';
import { renderText } from '../src/explain/render-text';
import { explainShopping } from '../src/explain/shopping';
import { plain } from '../src/explain/text-format';
import { explain, topics, type ExplainTrace } from '../src/explain/topics';
import type { NumericalCheck } from '../src/explain/check';

/** Every numerical check a trace holds, with where it is, for the failure message. */
function checksOf(trace: ExplainTrace): [string, NumericalCheck][] {
  switch (trace.topic) {
    case 'shopping':
    case 'loss':
      return [
        ...trace.variables.map((v): [string, NumericalCheck] => [`d/d ${v.name}`, v.check]),
        ...trace.backward.flatMap((s) => s.inputs.map((i): [string, NumericalCheck] => [`${s.node} → ${i.name}`, i.check])),
      ];
    case 'affine':
      return [...trace.entries.map((e): [string, NumericalCheck] => [`${e.gradient}[${e.index}]`, e.check]), ...trace.single.checks.map((e): [string, NumericalCheck] => [`single ${e.gradient}[${e.index}]`, e.check])];
    case 'sigmoid-graph':
      return trace.nodes.map((n) => [`node ${n.op}`, n.check]);
    case 'train-step':
      return trace.checks.map((e) => [`${e.gradient}[${e.index}]`, e.check]);
    case 'softmax-loss':
      return [
        ...[trace.single, trace.batch].flatMap((c, k) => c.checks.map((e): [string, NumericalCheck] => [`case ${k} [${e.index}]`, e.check])),
        ...trace.logSumExpGradient.map((c, j): [string, NumericalCheck] => [`d log S / d a_0${j}`, c]),
      ];
    case 'relu':
    case 'sigmoid':
      return trace.points.map((p) => [`x = ${p.x}`, p.check]);
    case 'conv':
      return trace.entries.map((e) => [`${e.gradient}[${e.index}]`, e.check]);
    case 'pool':
      return trace.checks.map((e) => [`dx[${e.index}]`, e.check]);
  }
}

describe('nnt explain shopping', () => {
  const t = explainShopping();
  const value = (name: string) => t.variables.find((v) => v.name === name)!;

  test('forward: 2·100 + 3·150 = 650 before tax, 715 with it', () => {
    expect(t.forward.map((s) => s.output.name)).toEqual(['apple_price', 'orange_price', 'all_price', 'price']);
    expect(value('apple_price').value).toBeCloseTo(200, 12);
    expect(value('orange_price').value).toBeCloseTo(450, 12);
    expect(value('all_price').value).toBeCloseTo(650, 12);
    expect(t.outputValue).toBeCloseTo(715, 10);
  });

  test('backward: the book\'s gradients 2.2, 110, 3.3, 165, 650', () => {
    const leaves = t.variables.filter((v) => v.leaf);
    expect(leaves.map((v) => v.name)).toEqual(['apple', 'apple_num', 'orange', 'orange_num', 'tax']);
    const expected = [2.2, 110, 3.3, 165, 650];
    leaves.forEach((v, i) => expect(v.gradient).toBeCloseTo(expected[i], 10));
  });

  test('each backward step passes on incoming × local derivative, node by node from the output', () => {
    expect(t.backward.map((s) => s.node)).toEqual(['mul_tax_layer', 'add_apple_orange_layer', 'mul_orange_layer', 'mul_apple_layer']);
    const tax = t.backward[0];
    expect(tax.incoming).toEqual({ name: 'price', value: 1 });
    expect(tax.inputs.map((i) => i.local)).toEqual([1.1, 650]); // a × node's local derivative is the other input
    const add = t.backward[1];
    expect(add.incoming.value).toBeCloseTo(1.1, 12);
    expect(add.inputs.map((i) => i.local)).toEqual([1, 1]);
    for (const s of t.backward) for (const i of s.inputs) expect(i.passed).toBeCloseTo(s.incoming.value * i.local, 10);
  });

  test('changing the inputs changes the numbers: 4 apples → 4·100·1.1 + 3·150·1.1 = 935', () => {
    const four = explainShopping({ apples: 4 });
    expect(four.outputValue).toBeCloseTo(935, 10);
    expect(four.variables.find((v) => v.name === 'apple')!.gradient).toBeCloseTo(4.4, 10);
    const taxed = explainShopping({ tax: 1.2, orangePrice: 100 });
    expect(taxed.outputValue).toBeCloseTo((2 * 100 + 3 * 100) * 1.2, 10);
    expect(taxed.variables.find((v) => v.name === 'tax')!.gradient).toBeCloseTo(500, 10);
  });
});

describe('every gradient an explain topic prints agrees with its numerical check', () => {
  test.each(topics.map((t) => t.name))('%s', (name) => {
    const checks = checksOf(explain(name));
    expect(checks.length).toBeGreaterThan(0);
    const failed = checks.filter(([, c]) => !c.passed || !(c.relError < 1e-6)).map(([where, c]) => `${where}: ${c.backprop} vs ${c.numerical}`);
    expect(failed).toEqual([]);
  });

  test('other seeds too (affine, softmax-loss)', () => {
    for (const seed of [2, 3, 42]) {
      for (const name of ['affine', 'softmax-loss']) expect(checksOf(explain(name, { seed })).every(([, c]) => c.passed)).toBe(true);
    }
  });
});

describe('nnt explain affine', () => {
  const t = explain('affine');
  if (t.topic !== 'affine') throw new Error('wrong topic');

  test('the written-out sums are the values Affine.backward returned', () => {
    expect(t.entries).toHaveLength(2 * 3 + 3 * 2 + 2);
    for (const e of t.entries) expect(e.sumOfTerms).toBeCloseTo(e.check.backprop, 12);
    const dW01 = t.entries.find((e) => e.gradient === 'dW' && e.index.join() === '0,1')!;
    expect(dW01.terms.map((term) => term.symbols.join('·'))).toEqual(['x[0][0]·dy[0][1]', 'x[1][0]·dy[1][1]']);
    expect(dW01.check.backprop).toBe(t.dW[0][1]);
  });

  test('shapes: dX is N×D like X, dW is D×M like W, db has M entries', () => {
    expect([t.dX.length, t.dX[0].length]).toEqual([2, 3]);
    expect([t.dW.length, t.dW[0].length]).toEqual([3, 2]);
    expect(t.db).toHaveLength(2);
    expect(t.shapes.find((s) => s.gradient === 'dX')).toMatchObject({ factors: [{ shape: [2, 2] }, { shape: [2, 3] }], shape: [2, 3], like: 'X' });
  });

  test('the example numbers are small integers and one-decimal values', () => {
    for (const v of t.x.flat()) expect(Number.isInteger(v)).toBe(true);
    for (const v of [...t.W.flat(), ...t.b, ...t.dY.flat()]) expect(Math.round(v * 10) / 10).toBe(v);
  });
});

describe('nnt explain softmax-loss', () => {
  const t = explain('softmax-loss');
  if (t.topic !== 'softmax-loss') throw new Error('wrong topic');

  test('the loss is the mean of −log y[t] and each batch gradient is that sample\'s y − t over N', () => {
    for (const c of [t.single, t.batch]) {
      expect(c.loss).toBeCloseTo(c.sampleLosses.reduce((s, l) => s + l, 0) / c.n, 12);
      for (let i = 0; i < c.n; i++)
        for (let j = 0; j < c.c; j++) {
          expect(c.aloneGradients[i][j]).toBeCloseTo(c.probabilities[i][j] - c.oneHot[i][j], 12);
          expect(c.gradient[i][j]).toBeCloseTo(c.aloneGradients[i][j] / c.n, 12);
        }
    }
    expect(t.batch.n).toBeGreaterThan(1);
    expect(t.startGradient).toBe(1);
  });
});

describe('nnt explain relu and sigmoid', () => {
  test('ReLU\'s local derivative is its mask; inputs near 0 are flagged as the kink, not passed', () => {
    const t = explain('relu', { at: [-1, 0, 5e-5, 2] });
    if (t.topic !== 'relu') throw new Error('wrong topic');
    expect(t.points.map((p) => p.local)).toEqual(t.points.map((p) => p.mask));
    expect(t.points.map((p) => p.nearKink)).toEqual([false, true, true, false]);
    expect(t.points[1].check.numerical).toBeCloseTo(0.5, 8); // the central difference straddles the kink
    expect(t.points.filter((p) => !p.nearKink).every((p) => p.check.passed)).toBe(true);
    expect(renderText(t)).toContain('no derivative');
  });

  test('the default ReLU inputs stay clear of the kink', () => {
    const t = explain('relu');
    if (t.topic !== 'relu') throw new Error('wrong topic');
    expect(t.points.every((p) => Math.abs(p.x) > 10 * t.h)).toBe(true);
  });

  test('Sigmoid\'s backward gives y(1 − y)', () => {
    const t = explain('sigmoid', { at: [-3, 0.5, 7] });
    if (t.topic !== 'sigmoid') throw new Error('wrong topic');
    for (const p of t.points) expect(p.local).toBeCloseTo(p.yTimesOneMinusY, 14);
    expect(t.points.every((p) => p.check.passed)).toBe(true);
  });
});

describe('topics and options', () => {
  test('an unknown topic is a one-line UserError naming the known ones', () => {
    expect(() => explain('backprop')).toThrow(UserError);
    expect(() => explain('backprop')).toThrow(/unknown explain topic 'backprop' \(known: shopping, affine, softmax-loss, relu, sigmoid, loss, sigmoid-graph, train-step, conv, pool\)$/);
  });

  test('an option the topic does not take is a UserError', () => {
    expect(() => explain('affine', { shopping: { apples: 3 } })).toThrow(/explain affine does not take --apples/);
    expect(() => explain('shopping', { seed: 3 })).toThrow(UserError);
  });
});

describe('Graphviz output', () => {
  test('shopping: every edge carries its forward value and its gradient', () => {
    const dot = renderDot(toGraph(explainShopping()));
    expect(dot.startsWith('digraph nnt {')).toBe(true);
    expect(dot).toContain('"apple" -> "mul_apple_layer" [label=<100<br/><font color="red">2.2</font>>];');
    expect(dot).toContain('"tax" -> "mul_tax_layer" [label=<1.1<br/><font color="red">650</font>>];');
    expect(dot).toContain('"mul_tax_layer" -> "price" [label=<715<br/><font color="red">1</font>>];');
    expect(dot.match(/->/g)).toHaveLength(9);
    expect(dot).not.toMatch(/\u001b\[/);
  });

  test.each(topics.map((t) => t.name))('%s has a graph whose edges name existing nodes', (name) => {
    const graph = toGraph(explain(name));
    const ids = new Set(graph.nodes.map((n) => n.id));
    for (const e of graph.edges) {
      expect(ids.has(e.from)).toBe(true);
      expect(ids.has(e.to)).toBe(true);
    }
  });
});

describe('text output is stable (colour off)', () => {
  test.each(topics.map((t) => t.name))('%s', (name) => {
    const text = renderText(explain(name), plain);
    expect(text).not.toMatch(/\u001b\[/);
    expect(text).toMatchSnapshot();
  });
});
