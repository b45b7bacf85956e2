import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkLayer } from '../src/check-layer/check';
import { loadLayerModule } from '../src/check-layer/load';

const root = join(__dirname, '..');
const bin = join(root, 'bin/nnt');
const fixtures = 'test/fixtures/layers';

function nnt(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function findings(file: string) {
  const mod = await loadLayerModule(file);
  return Object.fromEntries(mod.layers.map((l) => [l.name, checkLayer(mod, l)]));
}

describe('nnt check-layer on the shipped layers', () => {
  test('the buggy layers: each of the three bugs is named, with its line', () => {
    const r = nnt('check-layer', 'data/layers/buggy-layers.js');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^MulLayer\n  BUG data\/layers\/buggy-layers\.js:11: no method forward, but foward exists: did you mean forward\?$/m);
    expect(r.stdout).toMatch(/^AddLayer .*\n  BUG data\/layers\/buggy-layers\.js:29: backward returns nothing: missing `return`\?$/m);
    expect(r.stdout).toMatch(/^Sigmoid .*\n  BUG data\/layers\/buggy-layers\.js:45: backward threw ReferenceError: dout is not defined — backward's parameter is named dOut$/m);
    expect(r.stdout).toMatch(/3 layers checked: 0 pass, 3 with problems/);
  }, 600_000);

  test('the corrected layers pass every check', () => {
    const r = nnt('check-layer', 'data/layers/layers.js');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('BUG');
    expect(r.stdout).toMatch(/^  ok  dx, dy agree with the central difference/m);
    expect(r.stdout).toMatch(/3 layers checked: 3 pass$/m);
  }, 600_000);

  test('the array Affine passes; the buggy one has dW transposed and db divided by the batch size', async () => {
    expect((await findings('data/layers/affine.js')).Affine.passed).toBe(true);
    const bad = (await findings('data/layers/affine-buggy.js')).Affine.findings.filter((f) => !f.ok).map((f) => f.message);
    expect(bad).toEqual([
      expect.stringMatching(/^dW has shape \(2, 3\), but W has shape \(3, 2\).*transpose/),
      expect.stringMatching(/^db is off by a factor of about 0\.25: divided by the batch size \(4\) once too often/),
    ]);
  });

  test('--json and --layer', () => {
    const r = nnt('check-layer', 'data/layers/buggy-layers.js', '--layer', 'AddLayer', '--json');
    const out = JSON.parse(r.stdout);
    expect(out.layers.map((l: { name: string }) => l.name)).toEqual(['AddLayer']);
    expect(out.layers[0].findings[0]).toMatchObject({ ok: false, line: 29 });
  }, 600_000);

  test('a file that is missing or exports no class is one line on stderr', () => {
    const r = nnt('check-layer', 'no-such-file.js');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nnt: no-such-file\.js: cannot read: ENOENT\n$/);
    const s = nnt('check-layer', 'package.json');
    expect(s.stderr).toMatch(/^nnt: package\.json: (cannot be loaded|exports no class)/);
    expect(s.stderr.trim().split('\n')).toHaveLength(1);
  }, 600_000);
});

describe('checkLayer names what is wrong', () => {
  let found: Awaited<ReturnType<typeof findings>>;
  beforeAll(async () => {
    found = await findings(join(fixtures, 'stateful.js'));
  });
  const bugs = (name: string) => found[name].findings.filter((f) => !f.ok).map((f) => f.message);

  test('forward called twice before backward', () => {
    expect(bugs('FirstCallOnly')).toEqual([expect.stringMatching(/^forward called twice before backward: backward used what the FIRST call cached/)]);
  });
  test('a gradient accumulated with += across backward calls', () => {
    expect(bugs('Accumulates')).toEqual([expect.stringMatching(/^calling backward twice gives different gradients: backward adds \(\+=\)/)]);
  });
  test('an input changed in place', () => {
    expect(bugs('Relu')).toEqual([expect.stringMatching(/changed its input x in place/)]);
  });
  test('off by a factor of the batch size', () => {
    expect(bugs('SoftmaxLossTwice')).toEqual(['dx is off by a factor of about 0.25: divided by the batch size (4) once too often (twice, or outside the loss layer)?']);
  });
  test('gradients of the wrong shape: the shape of the other input', () => {
    expect(bugs('WrongShape')).toEqual([
      expect.stringMatching(/^dx has shape \(3,\), but x has shape \(2, 3\).*the shape of y/),
      expect.stringMatching(/^dy has shape \(2, 3\), but y has shape \(3,\).*the shape of x/),
    ]);
  });
  test('an ES module with swapped gradients (CLI: import() of an .mjs)', () => {
    const r = nnt('check-layer', join(fixtures, 'esm-mul.mjs'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('dx holds what dy should be: the gradients are swapped');
  }, 600_000);
  test('a TypeScript layer, transpiled with the typescript package', async () => {
    expect((await findings(join(fixtures, 'mul.ts'))).MulLayer.passed).toBe(true);
  });
});
