import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { readOnnx, toOnnx } from '../src/export/onnx';
import { readModelSafetensors, writeModelSafetensors } from '../src/export/safetensors';
import { readWeights } from '../src/io/weights';
import { writePytorchFolder } from '../src/export/pytorch';
import { loadConfig, parseConfig } from '../src/io/config';
import { argmaxes, editedOnnx, expectUserError, maxAbsDiff, nntOutputs, readF64, root, runOnnx, runOnnxAll, savedModel } from './export-helpers';

// Conv nets exported and run elsewhere: ONNX Runtime (float32: its CPU build has no float64
// Conv or AveragePool) and torch in float64 (scripts/onnx_torch_run.py runs the ONNX graph
// node by node; model.py is the PyTorch export), against nnt's own forward pass.

const dir = mkdtempSync(join(tmpdir(), 'nnt-export-conv-'));

/**
 * Several conv and pool layers: stride 2, pad 1, a padded max pool straight after a conv (its
 * windows see negative values, so zero padding and ONNX's −∞ padding would differ), average
 * pools with and without padding, batch norm on images (nnt normalizes each C·H·W feature),
 * dropout.
 */
const deep = parseConfig(
  JSON.stringify({
    name: 'conv-layers',
    layers: [
      { type: 'conv', filters: 4, size: 3, stride: 1, pad: 1 }, // 4×28×28
      { type: 'pool', size: 3, stride: 1, pad: 1 }, // 4×28×28, max, zero padding; no ReLU before or after to hide it
      { type: 'conv', filters: 6, size: 4, stride: 2, pad: 1 }, // 6×14×14
      { type: 'relu' },
      { type: 'batchnorm' },
      { type: 'pool', size: 2, mode: 'avg' }, // 6×7×7
      { type: 'pool', size: 3, stride: 2, pad: 1, mode: 'avg' }, // 6×4×4
      { type: 'dropout', ratio: 0.2 },
      { type: 'affine', units: 16 },
      { type: 'sigmoid' },
      { type: 'affine', units: 10 },
    ],
    training: { seed: 5 },
  }),
  'conv-layers.json',
);
const simple = loadConfig(join(root, 'configs/simple-convnet.yaml'));

const nets = [
  { label: 'SimpleConvNet (configs/simple-convnet.yaml)', config: simple },
  { label: 'several conv/pool layers, stride 2, pad 1, avg pools, batch norm', config: deep },
];
const n = 100;

/**
 * Both nets' float64 ONNX files, run by torch in one python process when the first test asks
 * (importing torch is ~2.5 CPU-seconds of each run).
 */
const torchModels: { modelFile: string; x: Float64Array }[] = [];
let torchOutputs: ReturnType<typeof runOnnxAll> | undefined;
function torchRun(modelFile: string) {
  torchOutputs ??= runOnnxAll('torch', torchModels, n, dir);
  return torchOutputs[torchModels.findIndex((m) => m.modelFile === modelFile)];
}

describe.each(nets)('$label: ONNX and PyTorch', ({ config }) => {
  const { model } = savedModel(config, join(dir, `${config.name}.json`), 11);
  const ours = nntOutputs(model, n);
  const file64 = join(dir, `${config.name}-64.onnx`);
  writeFileSync(file64, toOnnx(model, 'float64'));
  torchModels.push({ modelFile: file64, x: ours.x });

  test('float32 in ONNX Runtime: same classes, probabilities within 1e-5', () => {
    const file = join(dir, `${config.name}-32.onnx`);
    writeFileSync(file, toOnnx(model, 'float32'));
    const ort = runOnnx('ort', file, ours.x, n, dir);
    expect(argmaxes(ort.probabilities, 10)).toEqual(argmaxes(ours.probabilities, 10));
    const d = maxAbsDiff(ort.probabilities, ours.probabilities);
    console.log(`${config.name}: ORT float32 max |Δp| ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-5);
  }, 600_000);

  test('float64 run by torch from the ONNX graph (onnx.checker passes): within 1e-12', () => {
    const torch = torchRun(file64);
    expect(torch.printed.outputs.logits).toEqual({ type: 'float64', dims: [n, 10] });
    expect(argmaxes(torch.probabilities, 10)).toEqual(argmaxes(ours.probabilities, 10));
    const dp = maxAbsDiff(torch.probabilities, ours.probabilities), dl = maxAbsDiff(torch.logits, ours.logits);
    console.log(`${config.name}: torch float64 from ONNX max |Δp| ${dp.toExponential(2)}, |Δlogits| ${dl.toExponential(2)}`);
    expect(dp).toBeLessThanOrEqual(1e-12);
    expect(dl).toBeLessThanOrEqual(1e-12);
  }, 600_000);

  test('PyTorch folder: model.py (torch.nn Conv2d, pools, float64) within 1e-12', () => {
    const folder = join(dir, `${config.name}-torch`);
    writePytorchFolder(model, folder);
    const exported = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
    expect(exported.inputShape).toEqual([1, 28, 28]);
    const r = spawnSync('/usr/bin/python3', ['model.py', '--probabilities', 'p.f64', '--limit', String(n)], { cwd: folder, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    expect(r.stderr.split('\n').filter((l) => l && !/^WARNING|OMP_NUM_THREADS|^\*+$/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).samples).toBe(n);
    const probabilities = readF64(join(folder, 'p.f64'));
    expect(argmaxes(probabilities, 10)).toEqual(argmaxes(ours.probabilities, 10));
    const d = maxAbsDiff(probabilities, ours.probabilities);
    console.log(`${config.name}: model.py float64 max |Δp| ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-12);
  }, 600_000);
});

describe.each(nets)('$label: round trips', ({ config }) => {
  const { file, model } = savedModel(config, join(dir, `${config.name}-rt.json`), 12);
  const original = readWeights(file);

  test('nnt → ONNX → nnt and nnt → safetensors → nnt: bit-identical arrays, same config and image shape', () => {
    const onnxFile = join(dir, `${config.name}-rt.onnx`);
    writeFileSync(onnxFile, toOnnx(model));
    const stFile = join(dir, `${config.name}-rt.safetensors`);
    writeModelSafetensors(model, stFile);
    for (const back of [readOnnx(onnxFile), readModelSafetensors(stFile)]) {
      expect(back.params).toEqual(original.params); // each array's SHA-256 of its float64 bytes
      expect(back.state).toEqual(original.state);
      expect(back.config).toEqual(original.config);
      expect(back.inputShape).toEqual([1, 28, 28]);
    }
  });
});

describe('ONNX import of conv nets: what nnt cannot express is refused, naming the node', () => {
  const { model } = savedModel(deep, join(dir, 'edit.json'), 13);
  const edited = (edit: (g: onnx.GraphProto) => void) => editedOnnx(model, dir, edit);
  const node = (g: onnx.GraphProto, name: string) => g.node.find((x) => x.name === name)!;

  test('a padded MaxPool without nnt\'s zero border, a dilated conv, an AveragePool that leaves out the padding', () => {
    const noBorder = edited((g) => {
      const max = g.node.findIndex((x) => x.name === 'pool1');
      g.node[max + 1].input![0] = 'pool1.pooled'; // conv2 reads the pool's −∞-padded output
      g.node.splice(max, 1);
    });
    expectUserError(() => readOnnx(noBorder), /^edited\.onnx: MaxPool pool1\.pool pads with −∞ and nnt's max pool with 0/);
    const dilated = edited((g) => node(g, 'conv2').attribute!.push({ name: 'dilations', type: onnx.AttributeProto.AttributeType.INTS, ints: [2, 2] }));
    expectUserError(() => readOnnx(dilated), /^edited\.onnx: Conv conv2: nnt needs one stride and one pad for both axes, no dilation/);
    const excluded = edited((g) => (node(g, 'pool3').attribute!.find((a) => a.name === 'count_include_pad')!.i = 0));
    expectUserError(() => readOnnx(excluded), /^edited\.onnx: AveragePool pool3 leaves the padding out of the mean/);
  });
});
