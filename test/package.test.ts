import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The npm package as a user gets it: what `npm pack` ships, and the README's library program
// run from the packed tarball with plain node (and type-checked as TypeScript).
const root = join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** `npm pack`'s list of files; --ignore-scripts: the package of the dist/ that the other tests run (no rebuild under them). */
function packedFiles(): string[] {
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
}

test('npm pack ships exactly bin, dist, the configs, data, the templates, the page, the native sources, the license and the README: no runs', () => {
  // A run written from inside configs/ must not ship (it did: `files` named the whole folder).
  const stray = join(root, 'configs', 'runs', `package-test-${process.pid}`);
  mkdirSync(stray, { recursive: true });
  writeFileSync(join(stray, 'weights.json'), '{}');
  let files: string[];
  try {
    files = packedFiles();
  } finally {
    rmSync(stray, { recursive: true, force: true });
  }
  for (const f of files) expect(f).toMatch(/^(bin\/nnt|dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map|wasm)|configs\/[^/]+\.(json|yaml)|data\/.+|templates\/pytorch\/.+|src\/serve\/page\/[^/]+|native\/(binding\.gyp|nnt_blas\.c)|scripts\/build-native\.js|LICENSE|README\.md|package\.json)$/);
  expect(files.filter((f) => /(^|\/)runs\/|\.tgz$/.test(f))).toEqual([]);
  const configs = readdirSync(join(root, 'configs')).filter((f) => /\.(json|yaml)$/.test(f));
  expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'bin/nnt', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'data/README.md', ...configs.map((c) => `configs/${c}`)]));
  expect(files.filter((f) => f.endsWith('.wasm')).length).toBeGreaterThan(0);
  // The native addon ships as sources, built at install (never a built .node of this machine).
  expect(files).toEqual(expect.arrayContaining(['native/binding.gyp', 'native/nnt_blas.c', 'scripts/build-native.js']));
  // Every `files` entry names something that exists (no promised folder that is not there).
  for (const entry of pkg.files.filter((e: string) => !e.startsWith('!'))) {
    const prefix = entry.replace(/\*.*$/, '');
    expect({ entry, shipped: files.some((f) => f.startsWith(prefix)) }).toEqual({ entry, shipped: true });
  }
  expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  expect(pkg.license).toBe('MIT');
});

test("the README's library program runs from the packed package with plain node, and type-checks as TypeScript", () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnt-package-'));
  const pack = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "private": true }\n');
  // Dependencies from the npm cache (filled by `npm ci`); only missing metadata goes to the registry.
  // NNT_NATIVE=0: the optional native addon's build at install (tested in native.test.ts and by
  // every `npm ci`) would add a compile to this test; the program runs on WebAssembly.
  const install = spawnSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, pack[0].filename)], { cwd: app, encoding: 'utf8', env: { ...process.env, NNT_NATIVE: '0' } });
  expect({ code: install.status, stderr: install.status === 0 ? '' : install.stderr }).toEqual({ code: 0, stderr: '' });

  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const program = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Library')))![1];
  expect(program).toContain("require('nnt')");
  writeFileSync(join(app, 'my-digits.js'), program);
  const run = spawnSync(process.execPath, ['my-digits.js'], { cwd: app, encoding: 'utf8' });
  expect({ code: run.status, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(run.stdout).toMatch(/^epoch 1\/2: test accuracy [\d.]+%\nepoch 2\/2: test accuracy [\d.]+%\n/);
  const predicted = [...run.stdout.matchAll(/test digit \d: a (\d), predicted (\d) \(p = ([\d.]+)\)/g)];
  expect(predicted).toHaveLength(3);
  for (const [, , , p] of predicted) expect(Number(p)).toBeGreaterThan(0.1); // the predicted class is the most probable of 10
  expect(run.stdout).toContain('the loaded network predicts as the trained one: true');
  expect(readdirSync(join(app, 'my-run')).sort()).toEqual(['weights.checkpoint.json', 'weights.json', 'weights.metrics.jsonl']);
  // The program's digits are MNIST's first three test digits (7, 2, 1): a trained net gets most right.
  expect(predicted.filter(([, truth, guess]) => truth === guess).length).toBeGreaterThanOrEqual(2);

  // The same program in TypeScript, checked against the package's own declarations (dist/*.d.ts).
  const ts = program.replace(/^const \{([^}]*)\} = require\('nnt'\);/m, "import {$1} from 'nnt';");
  expect(ts).toMatch(/^import \{/m);
  writeFileSync(join(app, 'my-digits.ts'), ts);
  const tsconfig = { compilerOptions: { strict: true, noEmit: true, module: 'commonjs', target: 'es2022', typeRoots: [join(root, 'node_modules/@types')], types: ['node'] }, files: ['my-digits.ts'] };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', app], { cwd: app, encoding: 'utf8' });
  expect({ code: tsc.status, output: tsc.stdout }).toEqual({ code: 0, output: '' });
  rmSync(dir, { recursive: true, force: true });
}, 900000);
