import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../src/io/config';
import { configJsonSchema } from '../src/io/config-schema';
import { UserError } from '../src/cli/errors';

const configs = join(__dirname, '../configs');

describe('configs', () => {
  test('the shipped YAML and JSON two-layer configs describe the same run', () => {
    const { $schema, ...json } = loadConfig(join(configs, 'two-layer.json'));
    expect($schema).toBe('./config.schema.json');
    expect(loadConfig(join(configs, 'two-layer.yaml'))).toEqual(json);
  });

  test('every shipped config is valid', () => {
    for (const file of ['two-layer.json', 'two-layer.yaml', 'two-layer-sigmoid.yaml', 'deep.yaml']) {
      expect(() => loadConfig(join(configs, file))).not.toThrow();
    }
  });

  test('defaults fill what a config leaves out', () => {
    const c = parseConfig('{"layers":[{"type":"affine","units":10}]}', 'x.json');
    expect(c.data).toEqual({ batchSize: 100, shuffle: true, sampling: 'epoch', dropLast: false, validation: 0 });
    expect(c.training).toMatchObject({ learningRate: 0.1, optimizer: 'sgd', seed: 1, backend: 'auto' });
    expect(c.output.weights).toBe('runs/weights.json');
  });

  test('a file without an extension is tried as JSON, then YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnt-config-'));
    writeFileSync(join(dir, 'a'), '{"layers":[{"type":"affine","units":10}]}');
    writeFileSync(join(dir, 'b'), 'layers:\n  - type: affine\n    units: 10\n');
    expect(loadConfig(join(dir, 'a'))).toEqual(loadConfig(join(dir, 'b')));
  });

  test('the shipped JSON Schema is generated from the same definition (run `npm run schema` if this fails)', () => {
    const shipped = JSON.parse(readFileSync(join(configs, 'config.schema.json'), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });
});

describe('invalid configs give one specific message naming the file and the field', () => {
  const layers = '"layers":[{"type":"affine","units":50},{"type":"relu"},{"type":"affine","units":10}]';
  test.each([
    ['negative units', 'two-layer.json', '{"layers":[{"type":"affine","units":50},{"type":"relu"},{"type":"affine","units":-5}]}', 'two-layer.json: layers[2].units must be a positive integer, got -5'],
    ['fractional units', 'a.json', '{"layers":[{"type":"affine","units":10.5}]}', 'a.json: layers[0].units must be a positive integer, got 10.5'],
    ['unknown layer type lists the known ones', 'a.json', '{"layers":[{"type":"conv"},{"type":"affine","units":10}]}', 'a.json: layers[0].type must be one of affine, relu, sigmoid, got "conv"'],
    ['unknown key in a layer', 'a.json', '{"layers":[{"type":"affine","unit":10}]}', 'a.json: layers[0]: unknown key "unit" (did you mean "units"?)'],
    ['unknown top-level key', 'a.json', `{${layers},"trainig":{}}`, 'a.json: unknown key "trainig" (did you mean "training"?)'],
    ['unknown training key', 'a.json', `{${layers},"training":{"epoch":3}}`, 'a.json: training: unknown key "epoch" (did you mean "epochs"?)'],
    ['wrong type', 'a.json', `{${layers},"training":{"learningRate":"fast"}}`, 'a.json: training.learningRate must be a positive number, got "fast"'],
    ['zero learning rate', 'a.json', `{${layers},"training":{"learningRate":0}}`, 'a.json: training.learningRate must be a positive number, got 0'],
    ['epochs and iterations', 'a.json', `{${layers},"training":{"epochs":2,"iterations":5}}`, 'a.json: training.iterations cannot be given together with training.epochs'],
    ['bad enum', 'a.json', `{${layers},"data":{"sampling":"bootstrap"}}`, 'a.json: data.sampling must be "epoch" or "random", got "bootstrap"'],
    ['no layers', 'a.json', '{}', 'a.json: layers is missing'],
    ['empty layers', 'a.json', '{"layers":[]}', 'a.json: layers must list at least one layer, got []'],
    ['last layer not affine', 'a.json', '{"layers":[{"type":"affine","units":10},{"type":"relu"}]}', 'a.json: layers[1] must be an affine layer'],
    ['init without std', 'a.json', `{${layers},"init":{"type":"std"}}`, 'a.json: init.std is missing'],
    ['unknown init', 'a.json', `{${layers},"init":{"type":"gauss"}}`, 'a.json: init.type must be one of std, xavier, he, got "gauss"'],
    ['not an object', 'a.json', '[1, 2]', 'a.json: the config must be an object of settings'],
    ['broken JSON', 'a.json', '{"layers": [', 'a.json: not valid JSON'],
    ['broken YAML', 'a.yaml', 'layers:\n  - type: [\n', 'a.yaml: not valid YAML'],
    ['negative seed in YAML', 'a.yml', 'layers:\n  - {type: affine, units: 10}\ntraining:\n  seed: -1\n', 'a.yml: training.seed must be a non-negative integer, got -1'],
    ['duplicate YAML key', 'a.yaml', 'layers: []\nlayers: []\n', 'a.yaml: not valid YAML'],
  ])('%s', (_, file, text, message) => {
    let error: unknown;
    try {
      parseConfig(text, file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  test('a missing file names the file', () => {
    expect(() => loadConfig('/nonexistent/x.yaml')).toThrow('/nonexistent/x.yaml: cannot read the config (ENOENT)');
  });
});
