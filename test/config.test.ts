import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../src/io/config';
import { configJsonSchema } from '../src/io/config-schema';
import { UserError } from '../src/errors';

const configs = join(__dirname, '../configs');

describe('configs', () => {
  test('the shipped YAML and JSON two-layer configs describe the same run', () => {
    const { $schema, ...json } = loadConfig(join(configs, 'two-layer.json'));
    expect($schema).toBe('./config.schema.json');
    expect(loadConfig(join(configs, 'two-layer.yaml'))).toEqual(json);
  });

  test('every shipped config is valid', () => {
    const files = readdirSync(configs).filter((f) => /\.(ya?ml|json)$/.test(f) && f !== 'config.schema.json');
    expect(files).toEqual(expect.arrayContaining(['two-layer.json', 'adam.yaml', 'momentum.yaml', 'dropout-batchnorm.yaml', 'early-stopping.yaml']));
    for (const file of files) expect(() => loadConfig(join(configs, file))).not.toThrow();
  });

  test('defaults fill what a config leaves out', () => {
    const c = parseConfig('{"layers":[{"type":"affine","units":10}]}', 'x.json');
    expect(c.data).toEqual({ batchSize: 100, shuffle: true, sampling: 'epoch', dropLast: false, validation: 0 });
    expect(c.training).toMatchObject({ learningRate: 0.01, optimizer: { type: 'sgd' }, schedule: { type: 'constant' }, weightDecay: 0, seed: 1, backend: 'auto' });
    expect(c.training.clipNorm).toBeUndefined();
    expect(c.training.earlyStopping).toBeUndefined();
    // Without a learning rate, the optimizer's default from the book.
    expect(parseConfig('{"layers":[{"type":"affine","units":10}],"training":{"optimizer":"adam"}}', 'x.json').training.learningRate).toBe(0.001);
    expect(parseConfig('{"layers":[{"type":"dropout"},{"type":"affine","units":10}]}', 'x.json').layers[0]).toEqual({ type: 'dropout', ratio: 0.5 });
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
    ['unknown layer type lists the known ones', 'a.json', '{"layers":[{"type":"lstm"},{"type":"affine","units":10}]}', 'a.json: layers[0].type must be one of affine, relu, sigmoid, dropout, batchnorm, conv, pool, got "lstm"'],
    ['unknown optimizer lists the known ones', 'a.json', `{${layers},"training":{"optimizer":"adamw"}}`, 'a.json: training.optimizer must be one of sgd, momentum, nesterov, adagrad, rmsprop or adam'],
    ['unknown optimizer object', 'a.json', `{${layers},"training":{"optimizer":{"type":"lion"}}}`, 'a.json: training.optimizer must be one of sgd, momentum, nesterov, adagrad, rmsprop or adam (or an object such as {"type": "adam", "beta1": 0.9}), got {"type":"lion"}'],
    ['optimizer hyper-parameter out of range', 'a.json', `{${layers},"training":{"optimizer":{"type":"adam","beta1":1}}}`, 'a.json: training.optimizer.beta1 must be a number in [0, 1), got 1'],
    ['misspelt optimizer hyper-parameter', 'a.json', `{${layers},"training":{"optimizer":{"type":"momentum","mu":0.9}}}`, 'a.json: training.optimizer: unknown key "mu"; known keys: type, momentum'],
    ['dropout ratio of 1', 'a.json', '{"layers":[{"type":"affine","units":50},{"type":"dropout","ratio":1},{"type":"affine","units":10}]}', 'a.json: layers[1].ratio must be a number in [0, 1), got 1'],
    ['negative dropout ratio', 'a.json', '{"layers":[{"type":"dropout","ratio":-0.1},{"type":"affine","units":10}]}', 'a.json: layers[0].ratio must be a number in [0, 1), got -0.1'],
    ['unknown schedule', 'a.json', `{${layers},"training":{"schedule":{"type":"linear"}}}`, 'a.json: training.schedule.type must be one of constant, step, exponential, cosine, got "linear"'],
    ['step schedule without every', 'a.json', `{${layers},"training":{"schedule":{"type":"step","gamma":0.5}}}`, 'a.json: training.schedule.every is missing'],
    ['two warm-ups', 'a.json', `{${layers},"training":{"schedule":{"type":"cosine","warmupSteps":10,"warmupEpochs":1}}}`, 'a.json: training.schedule.warmupEpochs cannot be given together with warmupSteps'],
    ['negative weight decay', 'a.json', `{${layers},"training":{"weightDecay":-0.001}}`, 'a.json: training.weightDecay must be a non-negative number, got -0.001'],
    ['zero clip norm', 'a.json', `{${layers},"training":{"clipNorm":0}}`, 'a.json: training.clipNorm must be a positive number, got 0'],
    ['early stopping without patience', 'a.json', `{${layers},"training":{"earlyStopping":{"metric":"loss"}}}`, 'a.json: training.earlyStopping.patience is missing'],
    ['early stopping on an unknown metric', 'a.json', `{${layers},"training":{"earlyStopping":{"patience":2,"metric":"f1"}}}`, 'a.json: training.earlyStopping.metric must be "accuracy" or "loss", got "f1"'],
    ['early stopping without evaluation every epoch', 'a.json', `{${layers},"training":{"earlyStopping":{"patience":2}},"output":{"evaluateEvery":2}}`, 'a.json: training.earlyStopping needs an evaluation after every epoch'],
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

describe('conv and pool layers in a config', () => {
  test('size as n or [h, w]; stride and pad default to 1 and 0 for conv, pool\'s stride to its size', () => {
    const { parseConfig } = require('../src/io/config') as typeof import('../src/io/config');
    const c = parseConfig('{"layers":[{"type":"conv","filters":4,"size":[3,5]},{"type":"pool","size":2},{"type":"affine","units":10}]}', 'c.json');
    expect(c.layers[0]).toEqual({ type: 'conv', filters: 4, size: [3, 5], stride: 1, pad: 0 });
    expect(c.layers[1]).toEqual({ type: 'pool', size: 2, pad: 0, mode: 'max' });
    expect(() => parseConfig('{"layers":[{"type":"conv","filters":4,"size":0},{"type":"affine","units":10}]}', 'c.json')).toThrow(/c\.json: layers\[0\]\.size/);
  });
});
