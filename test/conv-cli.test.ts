import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWeights } from '../src/io/weights';

// A small conv net through every command, as a user runs them (bin/nnt → dist/).
const bin = join(__dirname, '../bin/nnt');
const dir = mkdtempSync(join(tmpdir(), 'nnt-conv-'));
const nnt = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const smallConv = (filters: number) => `
layers:
  - { type: conv, filters: ${filters}, size: 5 }
  - { type: relu }
  - { type: pool, size: 2, stride: 2 }
  - { type: affine, units: 10 }
training: { optimizer: adam, learningRate: 0.002, seed: 5 }
`;
writeFileSync(join(dir, 'conv.yaml'), smallConv(6));
writeFileSync(join(dir, 'conv4.yaml'), smallConv(4));
writeFileSync(join(dir, 'bad-pool.yaml'), smallConv(6).replace('size: 5', 'size: 6'));

describe('a conv net in every command', () => {
  const weights = join(dir, 'run', 'w.json');

  test('train learns (a few thousand samples), --json per epoch; the weights file keeps W as FN×C×FH×FW and the image shape', () => {
    const r = nnt('train', '-c', 'conv.yaml', '--limit', '2000', '--epochs', '2', '--out', weights, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { epochs } = JSON.parse(r.stdout);
    expect(epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2]);
    expect(epochs[1].trainLoss).toBeLessThan(epochs[0].trainLoss);
    expect(epochs[1].testAccuracy ?? epochs[1].evalAccuracy).toBeGreaterThan(0.75);
    const doc = readWeights(weights);
    expect(doc.inputShape).toEqual([28, 28]);
    expect(doc.params.map((p) => `${p.name} ${p.shape.join('×')}`)).toEqual(['conv1.W 6×1×5×5', 'conv1.b 6', 'affine1.W 864×10', 'affine1.b 10']);
    expect(existsSync(join(dir, 'run', 'w.checkpoint.json'))).toBe(true);
  }, 600_000);

  test('eval gives the accuracy the run measured', () => {
    const r = nnt('eval', weights, '--limit', '2000', '--json');
    expect(r.code).toBe(0);
    const metrics = readFileSync(join(dir, 'run', 'w.metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const last = metrics.at(-1);
    expect(JSON.parse(r.stdout).accuracy).toBeCloseTo(last.testAccuracy ?? last.evalAccuracy, 12);
  }, 600_000);

  test('--resume from the checkpoint trains one more epoch', () => {
    const r = nnt('train', '--resume', join(dir, 'run', 'w.checkpoint.json'), '--epochs', '3', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The run's document lists its whole history: the two epochs trained before, then the third.
    const before = readFileSync(join(dir, 'run', 'w.metrics.jsonl'), 'utf8').trim().split('\n').slice(0, 2).map((l) => JSON.parse(l));
    const { epochs } = JSON.parse(r.stdout);
    expect(epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
    expect(epochs.slice(0, 2)).toEqual(before);
  }, 600_000);

  test('compare two conv configs', () => {
    const r = nnt('compare', 'conv.yaml', 'conv4.yaml', '--limit', '500', '--epochs', '1', '--out-dir', 'cmp', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(JSON.stringify(rows)).toMatch(/conv4/);
  }, 600_000);

  test('gradcheck samples the large parameters by default and passes', () => {
    const r = nnt('gradcheck', '-c', 'conv.yaml', '--samples', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/all parameters pass/);
    expect(r.stdout).toMatch(/conv1\.W/);
  }, 600_000);

  // export: a conv net through `nnt export` to ONNX (float64 and float32), PyTorch and
  // safetensors (its 4-D arrays listed), and back through `nnt import`, is the conv test of
  // test/export-cli.test.ts; the exported files run elsewhere in test/export-conv.test.ts.

  test('report draws the conv filters as tiles', () => {
    const html = join(dir, 'report', 'report.html');
    const r = nnt('report', join(dir, 'run'), '--out', html, '--limit', '200');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/conv1\.W/);
    expect(page).toMatch(/id="[^"]*weights"/);
  }, 600_000);

  test('a pool that does not tile the conv output is one line naming the file and the layer', () => {
    const r = nnt('train', '-c', 'bad-pool.yaml', '--limit', '100', '--epochs', '1', '--out', join(dir, 'bad', 'w.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('nnt: bad-pool.yaml: layers[2]: a 2×2 pool with stride 2 does not tile the 23×23 output of conv1\n');
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  }, 600_000);
});
