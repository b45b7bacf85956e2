import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsKernels } from '../src/core/ts-kernels';
import { parseConfig } from '../src/io/config';
import { decodeArray, DeferredArrays, encodeArray, loadInto, readWeights, saveWeights, weightsDocument } from '../src/io/weights';
import { networkFromConfig } from '../src/net/from-config';
import { UserError } from '../src/errors';

const config = parseConfig('{"layers":[{"type":"affine","units":6},{"type":"relu"},{"type":"affine","units":3}],"training":{"seed":5}}', 'w.json');
const dir = mkdtempSync(join(tmpdir(), 'nnt-weights-'));

function savedNetwork(file: string) {
  const net = networkFromConfig(config, 4, 3, tsKernels, 'w.json');
  saveWeights(file, weightsDocument(net, config, 4, 3, { accuracy: 0.5 }));
  return net;
}

describe('weights file', () => {
  test('encodes float64 exactly, including awkward values', () => {
    const values = Float64Array.from([0, -0, 1 / 3, Math.PI, 5e-324, Number.MAX_VALUE, -1e-300]);
    const back = decodeArray(encodeArray('x', [7], values), 'test');
    expect(Array.from(back).map((v) => Object.is(v, -0) ? '-0' : v)).toEqual(Array.from(values).map((v) => Object.is(v, -0) ? '-0' : v));
  });

  test('save → load gives bit-identical parameters, and the write leaves no temporary file', () => {
    const file = join(dir, 'a.json');
    const net = savedNetwork(file);
    const doc = readWeights(file);
    expect(doc.metrics).toEqual({ accuracy: 0.5 });
    const other = networkFromConfig(parseConfig(JSON.stringify({ ...doc.config, training: { ...doc.config.training, seed: 99 } }), 'x.json'), 4, 3, tsKernels, 'x');
    expect(other.param('affine1.W').value).not.toEqual(net.param('affine1.W').value);
    loadInto(other, doc, file);
    for (const p of net.params()) expect(Buffer.from(other.param(p.name).value.buffer).equals(Buffer.from(p.value.buffer))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('the file is JSON.stringify of the document, written in pieces (the arrays\' data apart)', () => {
    const file = join(dir, 'pieces.json');
    const net = networkFromConfig(config, 4, 3, tsKernels, 'w.json');
    // A metrics string that looks like array data stays what it is.
    const doc = weightsDocument(net, config, 4, 3, { note: 'float64le', float64le: 'AAAA' });
    saveWeights(file, doc);
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(doc)}\n`);
  });

  test('a document of deferred arrays is written as the same file, its base64 made from the arrays as it is written', () => {
    const file = join(dir, 'deferred.json');
    const net = networkFromConfig(config, 4, 3, tsKernels, 'w.json');
    const metrics = { note: 'float64le', float64le: 'AAAA' };
    const arrays = new DeferredArrays();
    const deferred = weightsDocument(net, config, 4, 3, metrics, undefined, arrays.encode);
    // The document holds placeholders, not the data: only saveWeights with the same DeferredArrays writes it.
    expect(deferred.params[0].float64le).not.toBe(encodeArray('x', [1], net.params()[0].value).float64le);
    saveWeights(file, deferred, arrays);
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(weightsDocument(net, config, 4, 3, metrics))}\n`);
  });

  const broken: [string, (text: string) => string, RegExp][] = [
    ['truncated', (t) => t.slice(0, t.length / 2), /not a JSON document \(truncated\?\)/],
    ['not nnt', () => '{"format":"keras"}', /not an nnt weights file/],
    ['future version', (t) => t.replace('"version":1', '"version":7'), /weights format version 7 is not supported/],
    ['corrupt values', (t) => t.replace(/"float64le":"(.)/, (_, c) => `"float64le":"${c === 'A' ? 'B' : 'A'}`), /does not match its checksum/],
    ['shape disagrees with config', (t) => t.replace('"shape":[4,6]', '"shape":[6,4]'), /affine1.W has shape 6×4, its config's network needs 4×6/],
    ['config invalid', (t) => t.replace('"units":6', '"units":-6'), /\(its config\): layers\[0\].units must be a positive integer/],
  ];
  test.each(broken)('%s file gives a one-line error', (_, mutate, message) => {
    const file = join(dir, 'b.json');
    savedNetwork(file);
    writeFileSync(file, mutate(readFileSync(file, 'utf8')));
    const load = () => {
      const doc = readWeights(file);
      loadInto(networkFromConfig(doc.config, doc.inputSize, doc.classes, tsKernels, file), doc, file);
    };
    expect(load).toThrow(UserError);
    expect(load).toThrow(message);
  });

  test('a missing file', () => {
    expect(() => readWeights(join(dir, 'none.json'))).toThrow(/cannot read the weights \(ENOENT\)/);
    expect(existsSync(join(dir, 'none.json'))).toBe(false);
  });
});
