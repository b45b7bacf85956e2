import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { gatherBatch } from '../src/data/dataset';
import { loadTestSet } from '../src/data/source';
import { UserError } from '../src/errors';
import { onnx } from 'onnx-proto';
import { loadModel, modelImageShape, type LoadedModel } from '../src/export/model';
import { toOnnx } from '../src/export/onnx';
import type { Config } from '../src/io/config-schema';
import { saveWeights, weightsDocument } from '../src/io/weights';
import { networkFromConfig } from '../src/net/from-config';

// Shared by the export tests: a saved model with non-trivial arrays, nnt's own outputs, and
// an exported ONNX file run elsewhere (ONNX Runtime, or torch through scripts/onnx_torch_run.py).

export const root = join(__dirname, '..');

/** The config's network with seeded weights, biases and batch-norm statistics made non-trivial, saved to `file` and loaded back. */
export function savedModel(config: Config, file: string, seed = 3): { file: string; model: LoadedModel } {
  const net = networkFromConfig(config, 784, 10, tsKernels, 'test');
  const rng = new Rng(seed);
  for (const a of [...net.params(), ...net.stateArrays()]) {
    if (a.name.startsWith('batchnorm')) for (let i = 0; i < a.value.length; i++) a.value[i] = a.name.endsWith('var') ? 0.2 + rng.uniform() : rng.gaussian() * 0.3;
    if (a.name.endsWith('.b')) for (let i = 0; i < a.value.length; i++) a.value[i] = 0.1 * rng.gaussian();
  }
  saveWeights(file, weightsDocument(net, config, 784, 10, { accuracy: 0.5 }, modelImageShape(net)));
  return { file, model: loadModel(file) };
}

/** nnt's own probabilities and logits for the first `n` test images, and those images as float64. */
export function nntOutputs(model: LoadedModel, n: number) {
  const test = loadTestSet(undefined);
  const x = new Float64Array(n * test.sampleSize);
  gatherBatch(test, Int32Array.from({ length: n }, (_, i) => i), 0, n, x, new Uint8Array(n), tsKernels);
  const logits = Float64Array.from(model.net.predict({ data: x, shape: [n, test.sampleSize] }).data);
  const probabilities = new Float64Array(logits.length);
  tsKernels.softmaxRows(logits, probabilities, n, 10);
  return { x, logits, probabilities };
}

export function argmaxes(values: Float64Array, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < values.length / cols; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function readF64(file: string): Float64Array {
  const b = readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

export function expectUserError(fn: () => unknown, pattern: RegExp) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain('\n');
    return;
  }
  throw new Error('expected a UserError');
}

/**
 * Runs an ONNX file on `x` (n × 784) in a child process: ONNX Runtime (scripts/ort-run.js) or
 * torch in float64 (scripts/onnx_torch_run.py, with /usr/bin/python3); returns its outputs.
 */
export function runOnnx(runner: 'ort' | 'torch', modelFile: string, x: Float64Array, n: number, dir: string) {
  return runOnnxAll(runner, [{ modelFile, x }], n, dir)[0];
}

/** runOnnx for several models in one child process (torch: importing it is most of a run's CPU time). */
export function runOnnxAll(runner: 'ort' | 'torch', models: { modelFile: string; x: Float64Array }[], n: number, dir: string) {
  const args = models.flatMap(({ modelFile, x }, i) => {
    const input = join(dir, `${runner}-x${i}.f64`);
    writeFileSync(input, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    return [modelFile, input, String(n), '784', join(dir, `${runner}-out${i}`)];
  });
  if (runner === 'ort') expect(models).toHaveLength(1); // scripts/ort-run.js takes one model
  const r = runner === 'ort'
    ? spawnSync(process.execPath, [join(root, 'scripts/ort-run.js'), ...args], { encoding: 'utf8' })
    : spawnSync('/usr/bin/python3', [join(root, 'scripts/onnx_torch_run.py'), ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  expect(r.stderr.split('\n').filter((l) => l && !/^WARNING|OMP_NUM_THREADS|^\*+$/.test(l))).toEqual([]);
  expect(r.status).toBe(0);
  const printed = r.stdout.trim().split('\n').map((line) => JSON.parse(line));
  expect(printed).toHaveLength(models.length);
  return models.map((_, i) => {
    const prefix = join(dir, `${runner}-out${i}`);
    return { printed: printed[i], probabilities: readF64(`${prefix}.probabilities.f64`), logits: readF64(`${prefix}.logits.f64`) };
  });
}

/** The model's ONNX export with its graph edited, written to DIR/edited.onnx: for the importer's refusals. */
export function editedOnnx(model: LoadedModel, dir: string, edit: (g: onnx.GraphProto) => void): string {
  const m = onnx.ModelProto.decode(toOnnx(model));
  edit(m.graph as onnx.GraphProto);
  const file = join(dir, 'edited.onnx');
  writeFileSync(file, onnx.ModelProto.encode(m).finish());
  return file;
}
