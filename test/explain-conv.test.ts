import { explainConv, explainPool } from '../src/explain/conv';

describe('nnt explain conv', () => {
  test.each([1, 2, 7])('seed %i: the im2col rows are the windows, out = col·w + b, and every written-out sum is the backward value', (seed) => {
    const t = explainConv({ seed });
    expect(t.col).toHaveLength(9);
    t.col.forEach((row, r) => {
      const oy = Math.floor(r / 3), ox = r % 3;
      expect(row).toEqual([t.x[oy][ox], t.x[oy][ox + 1], t.x[oy + 1][ox], t.x[oy + 1][ox + 1]]);
      const w = t.W.flat();
      expect(t.out[oy][ox]).toBeCloseTo(row.reduce((s, v, k) => s + v * w[k], t.b), 12);
    });
    expect(t.entries.filter((e) => e.gradient === 'dW')).toHaveLength(4);
    expect(t.entries.filter((e) => e.gradient === 'dx')).toHaveLength(16);
    for (const e of t.entries) {
      expect(e.sumOfTerms).toBeCloseTo(e.check.backprop, 12);
      expect(e.check.passed).toBe(true);
    }
    // A corner pixel is in one window, a middle one in four.
    const terms = (i: number, j: number) => t.entries.find((e) => e.gradient === 'dx' && e.index[0] === i && e.index[1] === j)!.terms.length;
    expect([terms(0, 0), terms(0, 1), terms(1, 1), terms(3, 3)]).toEqual([1, 2, 4, 1]);
  });
});

describe('nnt explain pool', () => {
  test.each([1, 2, 7])('seed %i: each output is its window\'s maximum, and only that input gets its gradient', (seed) => {
    const t = explainPool({ seed });
    t.argmax.forEach(([i, j], o) => {
      const oy = Math.floor(o / 2), ox = o % 2;
      expect(t.out[oy][ox]).toBe(t.x[i][j]);
      expect(t.dx[i][j]).toBe(t.dout[oy][ox]);
    });
    expect(t.dx.flat().filter((v) => v !== 0)).toHaveLength(4);
    expect(t.checks.every((c) => c.check.passed)).toBe(true);
  });
});

describe('nnt explain --config on a conv net', () => {
  test('traces a sample through the SimpleConvNet: feature-map shapes and statistics per layer', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const { join } = require('node:path') as typeof import('node:path');
    const r = spawnSync(process.execPath, [join(__dirname, '../bin/nnt'), 'explain', '--config', join(__dirname, '../configs/simple-convnet.yaml'), '--json'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const trace = JSON.parse(r.stdout);
    const forward = trace.forward as { layer: string; shape: number[]; activeFraction?: number }[];
    expect(forward.map((f) => `${f.layer} ${f.shape.join('×')}`)).toEqual([
      'conv1 1×30×24×24', 'relu1 1×30×24×24', 'pool1 1×30×12×12', 'affine1 1×100', 'relu2 1×100', 'affine2 1×10',
    ]);
    expect(forward.find((f) => f.layer === 'pool1')!.activeFraction).toBeUndefined();
    expect(forward.find((f) => f.layer === 'relu1')!.activeFraction).toBeGreaterThan(0);
  }, 600_000);
});
