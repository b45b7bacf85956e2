import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { explainAffine } from '../src/explain/affine';
import { toKorean } from '../src/explain/korean';
import { explainLoss } from '../src/explain/loss';
import { traceNetwork } from '../src/explain/network-trace';
import { renderText } from '../src/explain/render-text';
import { explainSigmoidGraph } from '../src/explain/sigmoid-graph';
import { explainSoftmaxLoss } from '../src/explain/softmax-loss';
import { topics, explain } from '../src/explain/topics';
import { explainTrainStep } from '../src/explain/train-step';
import { buildNetwork } from '../src/net/build';
import { randomLabels, randomTensor } from './helpers';

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-12 * Math.max(1, Math.abs(b)));
const matmul = (a: number[][], b: number[][]) => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const transpose = (a: number[][]) => a[0].map((_, j) => a.map((r) => r[j]));
const closeRows = (a: number[][], b: number[][]) => a.forEach((r, i) => r.forEach((v, j) => close(v, b[i][j])));

describe('explain loss: the shopping graph ending in (price − budget)²', () => {
  const t = explainLoss();
  const v = (name: string) => t.variables.find((x) => x.name === name)!;
  test('forward: price 715, diff 15, L 225', () => {
    close(v('price').value, 715);
    close(v('diff').value, 15);
    close(t.outputValue, 225);
  });
  test('backward starts from dL/dL = 1; dL/d price = 2·diff; each input\'s gradient is dL/d price times the shopping one', () => {
    expect(t.backward[0]).toMatchObject({ node: 'square_layer', incoming: { name: 'L', value: 1 } });
    close(v('diff').gradient, 30);
    close(v('price').gradient, 30);
    close(v('budget').gradient, -30);
    close(v('apple').gradient, 30 * 2.2);
    close(v('tax').gradient, 30 * 650);
    for (const x of t.variables) expect(x.check.passed).toBe(true);
  });
  test('the budget changes the numbers: budget 715 makes every gradient 0', () => {
    const zero = explainLoss({ budget: 715 });
    for (const x of zero.variables.filter((v) => v.name !== 'L')) expect(Math.abs(x.gradient)).toBeLessThan(1e-9);
  });
});

describe('explain sigmoid-graph: ×(−1), exp, +1, 1/x', () => {
  test.each([1, -2, 0.5])('at x = %p the product of the local derivatives is y(1 − y), checked node by node', (x) => {
    const t = explainSigmoidGraph(x);
    const y = 1 / (1 + Math.exp(-x));
    close(t.y, y);
    expect(t.nodes.map((n) => n.op)).toEqual(['×(−1)', 'exp', '+1', '1/x']);
    expect(t.nodes.map((n) => n.local)).toEqual([-1, Math.exp(-x), 1, -1 / (1 + Math.exp(-x)) ** 2]);
    close(t.nodes[0].passed, y * (1 - y));
    close(t.product.localProduct, y * (1 - y));
    close(t.product.expForm, y * (1 - y));
    close(t.layerLocal, y * (1 - y));
    for (const n of t.nodes) expect(n.check.passed).toBe(true);
  });
});

describe('explain train-step: one step of a 4-3-2 net on 2 samples', () => {
  const t = explainTrainStep();
  const f = t.forward, b = t.backward;
  test('forward, recomputed here', () => {
    closeRows(f.A1, matmul(f.X, f.W1).map((r) => r.map((v, j) => v + f.b1[j])));
    closeRows(f.Z1, f.A1.map((r) => r.map((v) => Math.max(0, v))));
    closeRows(f.S, matmul(f.Z1, f.W2).map((r) => r.map((v, j) => v + f.b2[j])));
    const Y = f.S.map((r) => r.map((v) => Math.exp(v) / r.reduce((s, u) => s + Math.exp(u), 0)));
    closeRows(f.Y, Y);
    close(t.loss, -(Math.log(Y[0][t.labels[0]]) + Math.log(Y[1][t.labels[1]])) / 2);
  });
  test('backward, recomputed here, and every entry checked numerically', () => {
    closeRows(b.dS, f.Y.map((r, i) => r.map((y, j) => (y - f.T[i][j]) / 2)));
    closeRows(b.dW2, matmul(transpose(f.Z1), b.dS));
    closeRows([b.db2], [b.dS[0].map((v, j) => v + b.dS[1][j])]);
    closeRows(b.dZ1, matmul(b.dS, transpose(f.W2)));
    closeRows(b.dA1, b.dZ1.map((r, i) => r.map((v, j) => (f.A1[i][j] > 0 ? v : 0))));
    closeRows(b.dW1, matmul(transpose(f.X), b.dA1));
    expect(t.checks).toHaveLength(4 + 6 + 2 + 12 + 3);
    for (const c of t.checks) expect(c.check.passed).toBe(true);
  });
  test('the update is W − lr·dW, and it lowers the loss on the two samples', () => {
    closeRows(t.update.W1, f.W1.map((r, i) => r.map((w, j) => w - t.learningRate * b.dW1[i][j])));
    closeRows(t.update.W2, f.W2.map((r, i) => r.map((w, j) => w - t.learningRate * b.dW2[i][j])));
    closeRows([t.update.b2], [f.b2.map((w, j) => w - t.learningRate * b.db2[j])]);
    expect(t.lossAfter).toBeLessThan(t.loss);
  });
  test('the default seed has a live and a dead hidden unit in each sample, none near the kink', () => {
    for (const row of f.A1) {
      expect(row.some((v) => v > 0) && row.some((v) => v < 0)).toBe(true);
      for (const v of row) expect(Math.abs(v)).toBeGreaterThan(0.05);
    }
  });
});

describe('explain affine: the single-sample case x of shape (2,)', () => {
  const s = explainAffine().single;
  test('out = x·W + b, dx = dout·Wᵀ, dW = outer(x, dout), db = dout', () => {
    closeRows([s.out], matmul([s.x], s.W).map((r) => r.map((v, j) => v + s.b[j])));
    closeRows([s.dx], matmul([s.dout], transpose(s.W)));
    closeRows(s.dW, s.x.map((xi) => s.dout.map((d) => xi * d)));
    expect(s.db).toEqual(s.dout);
    expect(s.x.every((v) => v !== 0)).toBe(true);
    for (const c of s.checks) expect(c.check.passed).toBe(true);
  });
});

describe('explain softmax-loss: the derivation\'s middle step in numbers', () => {
  test('∂(log S)/∂a_0j is the softmax output y_0j, numerically', () => {
    const t = explainSoftmaxLoss();
    t.logSumExpGradient.forEach((c, j) => {
      close(c.backprop, t.batch.probabilities[0][j]);
      expect(c.passed).toBe(true);
    });
    expect(renderText(t)).toContain('∂L/∂a_ij = −(1/N)·(t_ij − y_ij) = (y_ij − t_ij) / N');
  });
});

describe('--lang ko', () => {
  const decimals = (s: string) => s.match(/-?\d+\.\d+(e[-+]?\d+)?/g) ?? [];
  test.each(topics.map((t) => t.name))('%s: Korean prose, the same numbers and table lines', (name) => {
    const en = renderText(explain(name));
    const ko = toKorean(en);
    const enLines = en.split('\n'), koLines = ko.split('\n');
    expect(koLines).toHaveLength(enLines.length);
    expect(decimals(ko)).toEqual(decimals(en));
    expect(koLines[0]).toMatch(/[가-힣]/); // the title
    const changed = koLines.filter((l, i) => l !== enLines[i]);
    expect(changed.length).toBeGreaterThanOrEqual(2);
    for (const l of changed) expect(l).toMatch(/[가-힣]/);
    // Table rows (numbers in columns) are never touched.
    enLines.forEach((l, i) => {
      if (/ {2}ok$|FAIL$/.test(l)) expect(koLines[i]).toBe(l);
    });
  });
});

describe('batch norm in the network trace', () => {
  const net = buildNetwork({ inputSize: 6, layers: [{ type: 'affine', units: 4 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'affine', units: 3 }] }, tsKernels, new Rng(1));
  const rng = new Rng(2);
  const x8 = randomTensor([8, 6], rng), labels8 = randomLabels(8, 3, rng);
  const x1 = { data: x8.data.slice(0, 6), shape: [1, 6] }, labels1 = labels8.slice(0, 1);
  const affine1W = (t: ReturnType<typeof traceNetwork>) => t.backward.flatMap((l) => l.params).find((p) => p.name === 'affine1.W')!.gradNorm;
  test('training mode on one sample: batch norm outputs β and the gradients below it are 0 (why explain uses 8)', () => {
    const t = traceNetwork(net, x1, labels1, 0.1);
    expect(t.mode).toBe('training');
    expect(affine1W(t)).toBe(0);
  });
  test('a batch of 8 in training mode, or one sample in evaluation mode, gives real gradients', () => {
    expect(affine1W(traceNetwork(net, x8, labels8, 0.1))).toBeGreaterThan(0);
    const evaluation = traceNetwork(net, x1, labels1, 0.1, { training: false });
    expect(evaluation.mode).toBe('evaluation');
    expect(affine1W(evaluation)).toBeGreaterThan(0);
  });
});

describe('the CLI', () => {
  const bin = join(__dirname, '../bin/nnt');
  const root = join(__dirname, '..');
  const dir = mkdtempSync(join(tmpdir(), 'nnt-explain-'));
  const nnt = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, NO_COLOR: '1', LANG: 'C' } });

  test('explain --config on a batch-norm net: 8 samples in training mode, or --eval on one, and says which', () => {
    const train = nnt('explain', '-c', 'configs/dropout-batchnorm.yaml', '--json');
    expect(train.stderr).toBe('');
    const t = JSON.parse(train.stdout);
    expect(t).toMatchObject({ mode: 'training', samples: 8, inputShape: [8, 784] });
    expect(t.labels).toHaveLength(8);
    expect(nnt('explain', '-c', 'configs/dropout-batchnorm.yaml').stdout).toMatch(/^training mode: batch norm normalizes each feature over these 8 samples; dropout drops units$/m);
    const evaluation = nnt('explain', '-c', 'configs/dropout-batchnorm.yaml', '--eval');
    expect(evaluation.stdout).toMatch(/^evaluation mode: batch norm uses its running mean and variance; dropout passes every unit/m);
    expect(evaluation.stdout).toMatch(/^forward: a batch of 1,/m);
    const one = nnt('explain', '-c', 'configs/dropout-batchnorm.yaml', '--batch', '1');
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/^nnt: --batch 1 in training mode: batch norm would normalize each feature over one sample.*\n$/);
  }, 600_000);

  test('--svg draws the graph with Graphviz compiled to WebAssembly', () => {
    const file = join(dir, 'loss.svg');
    const r = nnt('explain', 'loss', '--svg', file);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`wrote ${file}\n`);
    const svg = readFileSync(file, 'utf8');
    expect(svg).toMatch(/<svg[\s\S]*<\/svg>\s*$/);
    expect(svg).toContain('budget');
    expect(svg).toContain('>225<'); // L's forward value on its edge
  }, 600_000);

  test('--lang ko, and LANG=ko_KR picks Korean too', () => {
    const ko = nnt('explain', 'train-step', '--lang', 'ko').stdout;
    expect(ko.split('\n')[0]).toMatch(/^train-step: 2층 신경망의 학습 한 단계/);
    const env = spawnSync(process.execPath, [bin, 'explain', 'relu'], { encoding: 'utf8', env: { ...process.env, LANG: 'ko_KR.UTF-8', LC_ALL: '' } });
    expect(env.stdout.split('\n')[0]).toMatch(/[가-힣]/);
    const list = nnt('explain', '--lang', 'ko').stdout.trim().split('\n');
    expect(list).toHaveLength(1 + topics.length);
    for (const line of list) expect(line).toMatch(/[가-힣]/);
    expect(nnt('explain', 'relu', '--lang', 'fr').stderr).toBe("nnt: --lang: expected en or ko, got 'fr'\n");
  }, 600_000);
});
