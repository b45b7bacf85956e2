import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWeights } from '../src/io/weights';

// nnt export / nnt import through the built command (bin/nnt → dist/), as a user runs them.
const bin = join(__dirname, '../bin/nnt');
const dir = mkdtempSync(join(tmpdir(), 'nnt-export-cli-'));

function nnt(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: ReturnType<typeof nnt>, pattern: RegExp, code = 1) {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(/^nnt: /);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

const config = {
  layers: [{ type: 'affine', units: 16 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dropout', ratio: 0.1 }, { type: 'affine', units: 10 }],
  training: { epochs: 1, seed: 2 },
};

describe('nnt export and nnt import, end to end', () => {
  beforeAll(() => {
    writeFileSync(join(dir, 'net.json'), JSON.stringify(config));
    const r = nnt('train', '-c', 'net.json', '--limit', '500', '--out', 'w.json', '-q');
    expect(r.code).toBe(0);
  }, 600_000);

  test('ONNX and safetensors round trips: import gives the same arrays, and eval the same accuracy', () => {
    expect(nnt('export', 'w.json', '--format', 'onnx', '--out', 'm.onnx').stdout).toMatch(/m\.onnx: ONNX opset 13, float64; input "input" N×784 .*outputs "probabilities" and "logits" N×10/);
    expect(nnt('export', 'w.json', '--format', 'safetensors', '--dtype', 'float32', '--out', 'm.safetensors').code).toBe(0);
    expect(nnt('import', 'm.onnx', '--out', 'from-onnx.json').code).toBe(0);
    expect(nnt('import', 'm.safetensors', '--config', 'net.json', '--out', 'from-st.json').code).toBe(0);
    const original = readWeights(join(dir, 'w.json'));
    expect(readWeights(join(dir, 'from-onnx.json')).params).toEqual(original.params);
    const evalOf = (file: string) => JSON.parse(nnt('eval', file, '--limit', '300', '--json').stdout);
    const base = evalOf('w.json');
    expect(evalOf('from-onnx.json')).toEqual({ ...base, weights: 'from-onnx.json' });
    // float32 rounding of the weights may move a loss digit, rarely a prediction
    expect(Math.abs(evalOf('from-st.json').accuracy - base.accuracy)).toBeLessThanOrEqual(2 / 300);
  }, 600_000);

  test('pytorch writes a folder with the weights, the config and the two scripts', () => {
    const r = nnt('export', 'w.json', '--format', 'pytorch', '--out', 'torch');
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'torch')).sort()).toEqual(['config.json', 'model.py', 'train.py', 'weights.safetensors']);
    const exported = JSON.parse(readFileSync(join(dir, 'torch/config.json'), 'utf8'));
    expect(exported.batchnormEps).toBe(1e-6);
    expect(existsSync(exported.data.trainImages)).toBe(true);
    expect(r.stdout).toContain('torchrun --nproc_per_node 2 train.py');
  }, 600_000);

  test('bad input: one line naming the file', () => {
    writeFileSync(join(dir, 'short.safetensors'), Buffer.from([1, 2, 3]));
    expectOneLineError(nnt('import', 'short.safetensors', '--config', 'net.json', '--out', 'x.json'), /^nnt: short\.safetensors: 3 bytes is too short/);
    const onnx = readFileSync(join(dir, 'm.onnx'));
    writeFileSync(join(dir, 'cut.onnx'), onnx.subarray(0, onnx.length / 2));
    expectOneLineError(nnt('import', 'cut.onnx', '--out', 'x.json'), /^nnt: cut\.onnx: not a valid ONNX model/);
    writeFileSync(join(dir, 'small.json'), JSON.stringify({ ...config, layers: [{ type: 'affine', units: 10 }] }));
    expectOneLineError(nnt('import', 'm.safetensors', '--config', 'small.json', '--out', 'x.json'), /^nnt: m\.safetensors: affine1\.W has shape 784×16, the network's affine1\.W needs 784×10/);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
    expectOneLineError(nnt('export', 'w.json', '--format', 'onnx'), /^nnt: export: give the output with --out PATH/, 2);
    expectOneLineError(nnt('import', 'm.onnx', '--config', 'net.json', '--out', 'x.json'), /^nnt: m\.onnx: --config is for safetensors files/, 2);
    expectOneLineError(nnt('export', 'missing.json', '--format', 'onnx', '--out', 'y.onnx'), /^nnt: missing\.json: cannot read the weights/);
  }, 600_000);
});

describe('a conv net through nnt export and nnt import', () => {
  const conv = {
    layers: [
      { type: 'conv', filters: 3, size: 3, pad: 1 }, { type: 'pool', size: 3, stride: 1, pad: 1 }, { type: 'relu' },
      { type: 'pool', size: 2, stride: 2, mode: 'avg' }, { type: 'affine', units: 10 },
    ],
    training: { epochs: 1, seed: 4 },
  };

  test('every format; ONNX float64 warns about ONNX Runtime; the import evaluates as the original', () => {
    writeFileSync(join(dir, 'conv.json'), JSON.stringify(conv));
    expect(nnt('train', '-c', 'conv.json', '--limit', '300', '--out', 'cw.json', '-q').code).toBe(0);
    const r64 = nnt('export', 'cw.json', '--format', 'onnx', '--out', 'c.onnx');
    expect(r64.code).toBe(0);
    expect(r64.stderr).toMatch(/^nnt: warning: c\.onnx: ONNX Runtime's CPU build has no float64 Conv or AveragePool .* --dtype float32\n$/);
    const r32 = nnt('export', 'cw.json', '--format', 'onnx', '--dtype', 'float32', '--out', 'c32.onnx');
    expect([r32.code, r32.stderr]).toEqual([0, '']);
    expect(nnt('export', 'cw.json', '--format', 'safetensors', '--out', 'c.safetensors').stdout).toContain('conv1.W, conv1.b, affine1.W, affine1.b');
    expect(nnt('export', 'cw.json', '--format', 'pytorch', '--out', 'ctorch').code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'ctorch/config.json'), 'utf8')).inputShape).toEqual([1, 28, 28]);
    expect(nnt('import', 'c.onnx', '--out', 'c-from-onnx.json').code).toBe(0);
    expect(nnt('import', 'c.safetensors', '--out', 'c-from-st.json').code).toBe(0);
    const evalOf = (file: string) => JSON.parse(nnt('eval', file, '--limit', '200', '--json').stdout);
    const base = evalOf('cw.json');
    expect(evalOf('c-from-onnx.json')).toEqual({ ...base, weights: 'c-from-onnx.json' });
    expect(evalOf('c-from-st.json')).toEqual({ ...base, weights: 'c-from-st.json' });
  }, 600_000);
});

