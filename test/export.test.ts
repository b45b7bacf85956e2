import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { readOnnx, toOnnx } from '../src/export/onnx';
import { readModelSafetensors, writeModelSafetensors } from '../src/export/safetensors';
import { parseConfig } from '../src/io/config';
import { decodeSafetensors, encodeSafetensors, readSafetensors } from '../src/io/safetensors';
import { readWeights } from '../src/io/weights';
import { argmaxes, editedOnnx, expectUserError, maxAbsDiff, nntOutputs, readF64, root, savedModel } from './export-helpers';

const dir = mkdtempSync(join(tmpdir(), 'nnt-export-'));

/** Every layer type nnt exports, with batch-norm statistics and γ, β made non-trivial (seeded). */
const config = parseConfig(
  JSON.stringify({
    name: 'all-layers',
    layers: [
      { type: 'affine', units: 20 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dropout', ratio: 0.3 },
      { type: 'affine', units: 12 }, { type: 'sigmoid' }, { type: 'affine', units: 10 },
    ],
    training: { seed: 7 },
  }),
  'all-layers.json',
);

const { file: weightsFile, model } = savedModel(config, join(dir, 'w.json'));

describe('ONNX export, checked by ONNX Runtime on 1,000 test images', () => {
  const n = 1000;
  const ours = nntOutputs(model, n);
  const input = join(dir, 'x.f64');
  writeFileSync(input, Buffer.from(ours.x.buffer));

  function runtime(dtype: 'float64' | 'float32') {
    const modelFile = join(dir, `m-${dtype}.onnx`);
    writeFileSync(modelFile, toOnnx(model, dtype));
    const prefix = join(dir, `out-${dtype}`);
    const r = spawnSync(process.execPath, [join(root, 'scripts/ort-run.js'), modelFile, input, String(n), '784', prefix], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const shapes = JSON.parse(r.stdout);
    expect(shapes.probabilities.dims).toEqual([n, 10]);
    expect(shapes.logits.type).toBe(dtype);
    return { probabilities: readF64(`${prefix}.probabilities.f64`), logits: readF64(`${prefix}.logits.f64`) };
  }

  test('float64: same classes, logits and probabilities within 1e-12', () => {
    const ort = runtime('float64');
    expect(argmaxes(ort.probabilities, 10)).toEqual(argmaxes(ours.probabilities, 10));
    expect(maxAbsDiff(ort.probabilities, ours.probabilities)).toBeLessThanOrEqual(1e-12);
    expect(maxAbsDiff(ort.logits, ours.logits)).toBeLessThanOrEqual(1e-12);
  }, 600_000);

  test('float32: same classes, probabilities within 1e-5', () => {
    const ort = runtime('float32');
    expect(argmaxes(ort.probabilities, 10)).toEqual(argmaxes(ours.probabilities, 10));
    expect(maxAbsDiff(ort.probabilities, ours.probabilities)).toBeLessThanOrEqual(1e-5);
  }, 600_000);
});

describe('round trips', () => {
  test('nnt → ONNX → nnt gives bit-identical float64 arrays, the same config and metrics', () => {
    const onnxFile = join(dir, 'rt.onnx');
    writeFileSync(onnxFile, toOnnx(model));
    const back = readOnnx(onnxFile);
    const original = readWeights(weightsFile);
    expect(back.params).toEqual(original.params); // includes each array's SHA-256 of its float64 bytes
    expect(back.state).toEqual(original.state);
    expect(back.config).toEqual(original.config);
    expect(back.metrics).toEqual({ accuracy: 0.5 });
  });

  test('nnt → safetensors → nnt, F64 bit-identical; F32 within float32 rounding', () => {
    const f64 = join(dir, 'rt.safetensors');
    writeModelSafetensors(model, f64);
    expect(readModelSafetensors(f64).params).toEqual(readWeights(weightsFile).params);
    const f32 = join(dir, 'rt32.safetensors');
    writeModelSafetensors(model, f32, 'F32');
    const back = readSafetensors(f32);
    expect([...back.dtypes.values()].every((d) => d === 'F32')).toBe(true);
    back.tensors.forEach((t, i) => {
      expect(t.name).toBe(model.arrays[i].name);
      expect(maxAbsDiff(t.values, Float64Array.from(Float32Array.from(model.arrays[i].values)))).toBe(0);
    });
  });

  test('safetensors with --config and other names: matched by order, shapes checked', () => {
    const renamed = model.arrays.map((a, i) => ({ ...a, name: `t${String(i).padStart(2, '0')}` }));
    const file = join(dir, 'renamed.safetensors');
    writeFileSync(file, encodeSafetensors(renamed, {}));
    expect(readModelSafetensors(file, config).params).toEqual(readWeights(weightsFile).params);
    const swapped = [renamed[1], renamed[0], ...renamed.slice(2)];
    writeFileSync(file, encodeSafetensors(swapped, {}));
    expectUserError(() => readModelSafetensors(file, config), /renamed\.safetensors: t01 has shape 20, the network's affine1\.W needs 784×20/);
    expectUserError(() => readModelSafetensors(file), /renamed\.safetensors: has no nnt\.config in its __metadata__; give the network with --config/);
  });

  test('an independent reader (numpy) reads the safetensors file: header, alignment, values, metadata', () => {
    const file = join(dir, 'np.safetensors');
    writeModelSafetensors(model, file);
    const script = [
      'import json, struct, sys, numpy as np',
      'b = open(sys.argv[1], "rb").read()',
      'n = struct.unpack("<Q", b[:8])[0]',
      'h = json.loads(b[8:8 + n])',
      'meta = h.pop("__metadata__")',
      'assert (8 + n) % 8 == 0',
      'out = {}',
      'for k, v in h.items():',
      '    s, e = v["data_offsets"]',
      '    a = np.frombuffer(b[8 + n + s:8 + n + e], dtype="<f8").reshape(v["shape"])',
      '    out[k] = [list(a.shape), float(a.sum()), float(a.flat[-1])]',
      'print(json.dumps({"tensors": out, "meta": json.loads(meta["nnt.config"])["name"]}))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const seen = JSON.parse(r.stdout);
    expect(seen.meta).toBe('all-layers');
    for (const a of model.arrays) {
      const [shape, sum, last] = seen.tensors[a.name];
      expect(shape).toEqual(a.shape);
      expect(last).toBe(a.values[a.values.length - 1]);
      expect(Math.abs(sum - a.values.reduce((s, v) => s + v, 0))).toBeLessThan(1e-9);
    }
  }, 600_000);
});

describe('bad input: one-line UserError naming the file', () => {
  const good = encodeSafetensors(model.arrays.slice(0, 2), { a: 'b' });

  test('safetensors: truncated, lying header lengths and offsets, bad metadata', () => {
    expectUserError(() => decodeSafetensors(good.subarray(0, 5), 'x.safetensors'), /^x\.safetensors: 5 bytes is too short/);
    expectUserError(() => decodeSafetensors(good.subarray(0, good.length - 8), 'x.safetensors'), /^x\.safetensors: affine1\.b: data_offsets \[125440, 125600\] lie outside/);
    const huge = Buffer.from(good);
    huge.writeBigUInt64LE(2n ** 60n, 0);
    expectUserError(() => decodeSafetensors(huge, 'x.safetensors'), /header says it is 1152921504606846976 bytes long/);
    const lie = (edit: (h: Record<string, { data_offsets: number[]; shape: number[] }>) => void, meta?: unknown) => {
      const n = Number(good.readBigUInt64LE(0));
      const h = JSON.parse(good.toString('utf8', 8, 8 + n));
      edit(h);
      if (meta !== undefined) h.__metadata__ = meta;
      const json = Buffer.from(JSON.stringify(h).padEnd(n, ' '));
      const out = Buffer.from(good);
      json.copy(out, 8);
      return out.subarray(0, 8 + n).length === 8 + json.length ? out : Buffer.concat([Buffer.from(new BigUint64Array([BigInt(json.length)]).buffer), json, good.subarray(8 + n)]);
    };
    expectUserError(() => decodeSafetensors(lie((h) => (h['affine1.W'].data_offsets = [0, 2 ** 40])), 'x.safetensors'), /affine1\.W: data_offsets \[0, 1099511627776\] lie outside/);
    expectUserError(() => decodeSafetensors(lie((h) => (h['affine1.W'].shape = [784, 21])), 'x.safetensors'), /affine1\.W: shape 784×21 of F64 needs 131712 bytes, its data_offsets give 125440/);
    expectUserError(() => decodeSafetensors(lie((h) => (h['affine1.b'].data_offsets = [0, 160])), 'x.safetensors'), /without holes or overlaps/);
    expectUserError(() => decodeSafetensors(lie(() => undefined, { a: 1 }), 'x.safetensors'), /__metadata__\.a is not a string/);
  });

  const onnxWith = (edit: (g: onnx.GraphProto) => void) => editedOnnx(model, dir, edit);

  test('ONNX: unsupported nodes are named, shapes checked, truncation and foreign ε caught', () => {
    const lstm = onnxWith((g) => {
      g.node[0].opType = 'LSTM';
      g.node[3].opType = 'Tanh';
    });
    expectUserError(() => readOnnx(lstm), /^edited\.onnx: has ONNX nodes nnt cannot import: LSTM \(affine1\), Tanh \(dropout1\)/);
    const shape = onnxWith((g) => {
      const w = g.initializer.find((t) => t.name === 'affine2.W')!;
      w.dims = [10, 24];
    });
    expectUserError(() => readOnnx(shape), /^edited\.onnx: initializer affine2\.W has 1920 bytes, its shape 10×24 needs 1920|Gemm affine2: weight affine2\.W has 10 rows, its input has 20 features/);
    const eps = onnxWith((g) => {
      g.node[1].attribute![0].f = 1e-5;
    });
    expectUserError(() => readOnnx(eps), /BatchNormalization batchnorm1 has epsilon 0\.0000099999997473787\d*, nnt's batch norm uses 0\.000001/);
    const bytes = toOnnx(model);
    const truncated = join(dir, 'truncated.onnx');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000));
    expectUserError(() => readOnnx(truncated), /^truncated\.onnx: not a valid ONNX model \(truncated or corrupt/);
  });
});
