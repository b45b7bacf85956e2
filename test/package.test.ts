import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

// The npm package as a user gets it: what `npm pack` ships, and the README's library program
// run from the packed tarball with plain node (and type-checked as TypeScript).
const root = join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// One real `npm pack` for both tests (--ignore-scripts: the package of the dist/ that the
// other tests run, no rebuild under them); its --json report lists the files it packed.
const dir = mkdtempSync(join(tmpdir(), 'nnt-package-'));
let pack: { filename: string; files: { path: string }[] };
beforeAll(() => {
  // A run written from inside configs/ must not ship (it did: `files` named the whole folder).
  const stray = join(root, 'configs', 'runs', `package-test-${process.pid}`);
  mkdirSync(stray, { recursive: true });
  writeFileSync(join(stray, 'weights.json'), '{}');
  try {
    pack = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0];
  } finally {
    rmSync(stray, { recursive: true, force: true });
  }
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('npm pack ships exactly bin, dist, the configs, data, the templates, the page, the native sources, the license and the README: no runs', () => {
  const files = pack.files.map((f) => f.path); // packed with a stray run under configs/ (see beforeAll)
  for (const f of files) expect(f).toMatch(/^(bin\/nnt|dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map|wasm)|configs\/[^/]+\.(json|yaml)|data\/.+|templates\/pytorch\/.+|src\/serve\/page\/[^/]+|native\/(binding\.gyp|nnt_blas\.c|nnt_dense\.[ch]|nnt_gather\.[ch]|nnt_scratch\.[ch]|nnt_simd\.h|nnt_softmax\.[ch]|nnt_sparse\.[ch]|nnt_update\.[ch])|scripts\/build-native\.js|LICENSE|README\.md|package\.json)$/);
  expect(files.filter((f) => /(^|\/)runs\/|\.tgz$/.test(f))).toEqual([]);
  const configs = readdirSync(join(root, 'configs')).filter((f) => /\.(json|yaml)$/.test(f));
  expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'bin/nnt', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'data/README.md', ...configs.map((c) => `configs/${c}`)]));
  expect(files.filter((f) => f.endsWith('.wasm')).length).toBeGreaterThan(0);
  // The native addon ships as sources, built at install (never a built .node of this machine).
  expect(files).toEqual(expect.arrayContaining(['native/binding.gyp', 'native/nnt_blas.c', 'native/nnt_dense.c', 'native/nnt_dense.h', 'native/nnt_gather.c', 'native/nnt_gather.h', 'native/nnt_scratch.c', 'native/nnt_scratch.h', 'native/nnt_simd.h', 'native/nnt_softmax.c', 'native/nnt_softmax.h', 'native/nnt_sparse.c', 'native/nnt_sparse.h', 'native/nnt_update.c', 'native/nnt_update.h', 'scripts/build-native.js']));
  // Every `files` entry names something that exists (no promised folder that is not there).
  for (const entry of pkg.files.filter((e: string) => !e.startsWith('!'))) {
    const prefix = entry.replace(/\*.*$/, '');
    expect({ entry, shipped: files.some((f) => f.startsWith(prefix)) }).toEqual({ entry, shipped: true });
  }
  expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  expect(pkg.license).toBe('MIT');
});

test("the README's library program runs from the packed package with plain node, and type-checks as TypeScript", () => {
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "private": true }\n');
  // Dependencies from the npm cache (filled by `npm ci`); only missing metadata goes to the registry.
  // NNT_NATIVE=0: the optional native addon's build at install (tested in native.test.ts and by
  // every `npm ci`) would add a compile to this test; the program runs on WebAssembly.
  const install = spawnSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, pack.filename)], { cwd: app, encoding: 'utf8', env: { ...process.env, NNT_NATIVE: '0' } });
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
  // skipLibCheck (as `tsc --init` sets it): checking the dependencies' declarations (zod's 94
  // files) took 8 of tsc's 11 CPU-seconds. What it would catch in nnt's own declarations — a
  // type imported from a package the user does not get — is checked directly below.
  const ts = program.replace(/^const \{([^}]*)\} = require\('nnt'\);/m, "import {$1} from 'nnt';");
  expect(ts).toMatch(/^import \{/m);
  writeFileSync(join(app, 'my-digits.ts'), ts);
  const tsconfig = { compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, module: 'commonjs', target: 'es2022', typeRoots: [join(root, 'node_modules/@types')], types: ['node'] }, files: ['my-digits.ts'] };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', app], { cwd: app, encoding: 'utf8' });
  expect({ code: tsc.status, output: tsc.stdout }).toEqual({ code: 0, output: '' });
  // Every package the shipped declarations import is a dependency (or Node's own).
  const declarations = pack.files.map((f) => f.path).filter((f) => f.endsWith('.d.ts'));
  expect(declarations.length).toBeGreaterThan(10);
  const imported = new Set(declarations.flatMap((f) => [...readFileSync(join(app, 'node_modules/nnt', f), 'utf8').matchAll(/(?:from |import\(|reference types=)["']([^."'][^"']*)["']/g)].map((m) => m[1])));
  const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
  const unshipped = [...imported].filter((spec) => !spec.startsWith('node:') && !builtinModules.includes(spec) && spec !== 'node' && !(packageOf(spec) in pkg.dependencies));
  expect(unshipped).toEqual([]);
  expect(imported).toContain('zod'); // the scan sees imports at all
}, 900000);
