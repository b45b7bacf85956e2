import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWeights } from '../src/io/weights';

// These run the built command (bin/nnt → dist/), as a user does: `npm install` builds it.
const bin = join(__dirname, '../bin/nnt');
const dir = mkdtempSync(join(tmpdir(), 'nnt-cli-'));

function nnt(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user-input error: one line on stderr starting with "nnt:", no stack trace, non-zero exit. */
function expectOneLineError(r: ReturnType<typeof nnt>, pattern: RegExp) {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/^nnt: /);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('nnt train and nnt eval, end to end', () => {
  const weights = join(dir, 'run', 'w.json');

  test('train writes weights, metrics and checkpoint, printing plain lines when not on a terminal', () => {
    const r = nnt('train', '--limit', '1000', '--epochs', '2', '--out', weights);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b|\r/); // no control characters in logs and pipes
    expect(r.stdout).toMatch(/^epoch 1\/2  train loss [\d.]+  train acc [\d.]+%  test acc [\d.]+%/m);
    expect(r.stdout).toMatch(/^epoch 2\/2 /m);
    expect(r.stdout).toContain(`weights saved to ${weights}`);
    expect(existsSync(weights)).toBe(true);
    expect(existsSync(join(dir, 'run', 'w.checkpoint.json'))).toBe(true);
    expect(readFileSync(join(dir, 'run', 'w.metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  test('--json prints one JSON document, with every epoch, and nothing else', () => {
    const out = join(dir, 'json', 'w.json');
    const r = nnt('train', '--limit', '500', '--epochs', '2', '--out', out, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ status: 'completed', weights: out, metrics: join(dir, 'json', 'w.metrics.jsonl') });
    const lines = doc.epochs;
    expect(lines.map((l: { epoch: number }) => l.epoch)).toEqual([1, 2]);
    expect(lines[1].trainLoss).toBeLessThan(lines[0].trainLoss);
    expect(lines[1].evalSet).toBe('test');
  });

  test('eval reads the weights: accuracy, loss, confusion matrix, precision and recall', () => {
    const r = nnt('eval', weights, '--limit', '1000', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.samples).toBe(1000);
    expect(out.confusion).toHaveLength(10);
    expect(out.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(1000);
    const diagonal = out.confusion.reduce((s: number, row: number[], i: number) => s + row[i], 0);
    expect(out.accuracy).toBeCloseTo(diagonal / 1000, 12);
    expect(out.precision).toHaveLength(10);
    const text = nnt('eval', weights, '--limit', '1000', '--show-errors', '2');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/confusion matrix/);
    expect(text.stdout.match(/true \d, predicted \d/g)).toHaveLength(2);
  });

  test('bad input gives one line and a non-zero exit', () => {
    writeFileSync(join(dir, 'bad.json'), '{"layers":[{"type":"affine","units":-5}]}');
    expectOneLineError(nnt('train', '--config', 'bad.json'), /bad\.json: layers\[0\]\.units must be a positive integer, got -5/);
    expectOneLineError(nnt('train', '--config', 'missing.yaml'), /missing\.yaml: cannot read the config/);
    writeFileSync(join(dir, 'ten.json'), '{"layers":[{"type":"affine","units":7}]}');
    expectOneLineError(nnt('train', '--config', 'ten.json', '--limit', '100'), /ten\.json: layers\[0\]\.units is 7, but the data has 10 classes/);
    expectOneLineError(nnt('eval', 'nothing.json'), /nothing\.json: no such weights file/);
    writeFileSync(join(dir, 'half.json'), readFileSync(weights, 'utf8').slice(0, 5000));
    expectOneLineError(nnt('eval', 'half.json'), /half\.json: not a JSON document \(truncated\?\)/);
    expectOneLineError(nnt('train', '--resume', weights), /has no checkpoint section/);
    const flag = nnt('train', '--epochs', '0');
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/--epochs <n>' argument '0' is invalid/);
  });

  // Ctrl-C (stops after the batch, one message naming the checkpoint, exit 130, no weights
  // written, --resume says where it resumed and finishes the run bit for bit): the fault
  // battery's 'kept' case in test/fault-cases.js, run by test/faults.test.ts.
});

describe('nnt gradcheck and nnt explain --config, on real MNIST samples', () => {
  test('gradcheck prints a row per parameter and exits 0 when all pass', () => {
    const r = nnt('gradcheck', '--json', '--entries', '2000');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.passed).toBe(true);
    expect(out.samples).toHaveLength(3);
    expect(out.rows.map((row: { name: string }) => row.name)).toEqual(['affine1.W', 'affine1.b', 'affine2.W', 'affine2.b']);
    expect(out.rows[0].entries).toBe(2000);
    for (const row of out.rows) expect(row.maxRelError).toBeLessThan(1e-6);
  });

  test('gradcheck --config checks another network, and a too-tight threshold fails with exit 1', () => {
    const r = nnt('gradcheck', '--config', join(__dirname, '../configs/two-layer-sigmoid.yaml'), '--entries', '300');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/affine1 → sigmoid1 → affine2/);
    const strict = nnt('gradcheck', '--entries', '300', '--threshold', '1e-15');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/FAIL/);
  });

  test('gradcheck passes batch norm and dropout, re-measuring with h/10 where the central difference is too coarse', () => {
    const r = nnt('gradcheck', '--config', join(__dirname, '../configs/dropout-batchnorm.yaml'), '--entries', '500', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows.map((row: { name: string }) => row.name)).toContain('batchnorm1.gamma');
    expect(out.rows.reduce((s: number, row: { refined: number }) => s + row.refined, 0)).toBeGreaterThan(0);
    expect(out.passed).toBe(true);
  });

  test('explain --config traces one sample through every layer and parameter of the network', () => {
    const r = nnt('explain', '--config', join(__dirname, '../configs/two-layer.json'), '--sample', '3', '--json');
    expect(r.code).toBe(0);
    const text = r.stdout;
    for (const name of ['affine1', 'relu1', 'affine2', 'affine1.W', 'affine1.b', 'affine2.W', 'affine2.b']) expect(text).toContain(`"${name}"`);
    expect(JSON.parse(text).sample).toBe(3);
  });
});

describe('training techniques on the command line', () => {
  const configs = join(__dirname, '../configs');

  test('a shipped config with Adam, batch norm, dropout and a warm-up: the settings line and the current rate', () => {
    const r = nnt('train', '--config', join(configs, 'dropout-batchnorm.yaml'), '--limit', '300', '--epochs', '2', '--out', join(dir, 'dbn', 'w.json'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('adam, learning rate 0.002, cosine schedule, warm-up 1 epoch, weight decay 0.0001, gradient norm clipped at 5');
    // Warm-up over epoch 1 ends at the full rate; epoch 2 is half-way down the cosine of 2 epochs.
    expect(r.stdout).toMatch(/^epoch 1\/2 .* lr 0\.002 /m);
    expect(r.stdout).toMatch(/^epoch 2\/2 .* lr 0\.001 /m);
  });

  test('early stopping says which set it watched, which epoch was best and where its weights are', () => {
    writeFileSync(
      join(dir, 'early.yaml'),
      'layers: [{type: affine, units: 50}, {type: relu}, {type: affine, units: 10}]\n' +
        'data: {trainLimit: 300, validation: 100, batchSize: 20}\n' +
        'training: {epochs: 40, optimizer: adam, learningRate: 0.01, earlyStopping: {patience: 2, metric: loss}}\n' +
        'output: {weights: early/w.json}\n',
    );
    const r = nnt('train', '--config', 'early.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('early stopping on validation loss (patience 2)');
    expect(r.stdout).toMatch(/early stopping: validation loss has not improved for 2 epochs; the best was epoch (\d+) \(loss [\d.]+\), its weights are in early\/w\.best\.json/);
    expect(r.stdout).toContain('last weights saved to early/w.json');
    expect(r.stdout).not.toMatch(/^epoch 40\/40/m);
    expect(existsSync(join(dir, 'early', 'w.best.json'))).toBe(true);
  });

  test('compare and --sweep: one folder per run and a table of the final figures', () => {
    const r = nnt('train', '--config', join(configs, 'optimizer-compare.yaml'), '--sweep', 'training.optimizer=sgd,adam', '--limit', '300', '--epochs', '1', '--out-dir', 'sweep');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^run 1\/2: optimizer=sgd \(seed 1\) → sweep\/optimizer-sgd$/m);
    expect(r.stdout).toContain('adam, learning rate 0.001'); // no rate in the config: Adam's default
    expect(r.stdout).toMatch(/^run +status +epochs +train loss +test acc +test loss +time +metrics$/m);
    expect(r.stdout).toMatch(/^optimizer=adam +completed +1 +[\d.]+ +[\d.]+% +[\d.]+ +[\d.]+s +sweep\/optimizer-adam\/weights\.metrics\.jsonl$/m);
    expect(existsSync(join(dir, 'sweep', 'optimizer-sgd', 'weights.json'))).toBe(true);

    const json = nnt('compare', join(configs, 'momentum.yaml'), join(configs, 'adam.yaml'), '--limit', '300', '--epochs', '1', '--seed', '3', '--out-dir', 'cmp', '--json');
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout);
    expect(rows.map((row: { label: string }) => row.label)).toEqual(['momentum', 'adam']);
    for (const row of rows) {
      expect(readWeights(join(dir, row.weights)).config.training.seed).toBe(3);
      expect(readFileSync(join(dir, row.metrics), 'utf8').trim().split('\n').map((l) => JSON.parse(l).trainLoss)).toEqual([row.trainLoss]);
    }
    expect(rows[0].weights).toBe(join('cmp', 'momentum', 'weights.json'));

    expectOneLineError(nnt('train', '--sweep', 'training.optimizer=sgd,adamw', '--limit', '100'), /training\.optimizer must be one of .* got "adamw" \(with --sweep training\.optimizer=adamw\)/);
    expectOneLineError(nnt('train', '--sweep', 'optimizer', '--limit', '100'), /--sweep optimizer: expected FIELD=VALUE,VALUE/);
  });
});

