#!/usr/bin/env node
/**
 * Compiles src/ and bench/ together into dist-bench/ for `npm run bench`, so the benches time
 * (and measure the memory of) the same JavaScript the CLI runs, under plain node: under
 * ts-node the TypeScript compiler alone holds ~100 MB before a bench starts.
 *
 * dist-bench/ stands in for the repository's root: src/ and bench/ are compiled into it (with
 * the options of tsconfig.build.json), and what they reach through `..` from __dirname is
 * there too, so no path in them changes:
 *   package.json    copied (src/cli/main.ts, src/io/weights.ts read the version)
 *   configs/        linked (src/cli/train.ts: the default config)
 *   dist/           linked (src/core/backend.ts: dist/wasm/*.wasm)
 *   node_modules/   linked (bench/epoch.bench.ts: the MNIST files, for numpy)
 *   native/         linked (src/core/native.ts: the addon native/build/Release/nnt_blas.node)
 *   bench/*.py      copied, with every other file of bench/ that is not TypeScript
 *
 * Rebuilt from scratch each time (a few seconds), so a bench deleted from bench/ never runs
 * stale from here.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist-bench');

/** Runs a node script; its failure (e.g. a type error, already printed) ends this build. */
function run(script, args) {
  const { status } = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}

fs.rmSync(out, { recursive: true, force: true });
run(path.join(root, 'scripts', 'build-wasm.js'), []);
run(require.resolve('typescript/bin/tsc'), ['-p', path.join(root, 'tsconfig.bench.json')]);

fs.copyFileSync(path.join(root, 'package.json'), path.join(out, 'package.json'));
// Junctions on Windows need no special rights; elsewhere the type is ignored.
for (const dir of ['configs', 'dist', 'node_modules', 'native']) fs.symlinkSync(path.join(root, dir), path.join(out, dir), 'junction');
for (const file of fs.readdirSync(path.join(root, 'bench'))) {
  if (!file.endsWith('.ts')) fs.copyFileSync(path.join(root, 'bench', file), path.join(out, 'bench', file));
}
console.log('bench: src/, bench/ → dist-bench/');
