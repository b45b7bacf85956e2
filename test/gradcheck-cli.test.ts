import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(__dirname, '../bin/nnt');
const dir = mkdtempSync(join(tmpdir(), 'nnt-gradcheck-'));

function nnt(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('nnt gradcheck', () => {
  test('--layers: every layer type on every backend, one table, all pass', () => {
    const r = nnt('gradcheck', '--layers', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.backends[0]).toBe('ts');
    expect(out.backends.length).toBeGreaterThanOrEqual(2); // and the wasm builds this engine runs
    const layers = [...new Set(out.rows.map((row: { layer: string }) => row.layer))];
    expect(layers).toEqual(['Mul (scalar)', 'Add (scalar)', 'ReLU', 'Sigmoid', 'Affine', 'BatchNorm (training)', 'BatchNorm (evaluation)', 'Dropout (fixed mask)', 'Convolution', 'Pooling (max)', 'SoftmaxWithLoss', 'weight decay (0.5·λ·ΣW²)']);
    expect(out.rows).toHaveLength(layers.length * out.backends.length);
    for (const row of out.rows) expect(row.maxRelError).toBeLessThan(1e-6);
    const text = nnt('gradcheck', '--layers');
    expect(text.stdout).toMatch(/^layer\s+entries\s+ts\s+wasm/m);
    expect(text.stdout).toMatch(/^BatchNorm \(training\)\s+30\s+pass/m);
  }, 600_000);

  test("the default backend is training's (auto → wasm); --backend ts checks the reference", () => {
    const auto = JSON.parse(nnt('gradcheck', '--entries', '5', '--json').stdout);
    expect(auto.backend).toMatch(/^(wasm|native)-/);
    expect(auto.passed).toBe(true);
    const ts = JSON.parse(nnt('gradcheck', '--entries', '5', '--json', '--backend', 'ts').stdout);
    expect(ts.backend).toBe('ts');
    expect(nnt('gradcheck', '--backend', 'gpu').code).not.toBe(0);
  }, 600_000);

  test("--config: the checked loss includes the config's weight decay", () => {
    const config = join(dir, 'decay.yaml');
    writeFileSync(config, 'layers:\n  - { type: affine, units: 8 }\n  - { type: relu }\n  - { type: affine, units: 10 }\ntraining:\n  weightDecay: 0.1\n');
    const r = nnt('gradcheck', '--config', config, '--entries', '10', '--backend', 'ts');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('loss with weight decay λ = 0.1');
    expect(JSON.parse(nnt('gradcheck', '--config', config, '--entries', '10', '--json').stdout).weightDecay).toBe(0.1);
  }, 600_000);
});

describe('the note on entries measured again with h/10', () => {
  const { refinedNote } = require('../src/cli/gradcheck') as typeof import('../src/cli/gradcheck');
  const row = (passed: boolean, refined: number) => ({ name: 'w', shape: [1], entries: 1, checked: 1, kinkCrossings: 0, refined, meanAbsDiff: 0, maxRelError: passed ? 0 : 1, passed });
  test('is printed only where it explains a pass', () => {
    expect(refinedNote([row(false, 3)])).toBeUndefined();
    expect(refinedNote([row(true, 0), row(false, 4)])).toBeUndefined();
    expect(refinedNote([row(true, 2), row(false, 5)])).toMatch(/^2 entries measured again with h = 0\.00001/);
  });
});
