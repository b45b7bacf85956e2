'use strict';
/**
 * Before any test runs: the CLI tests spawn bin/nnt, which runs dist/, so dist/ must be built
 * from the sources being tested, not left over from an older checkout. Rebuilds (wasm and
 * TypeScript, as `npm run build` does) when any source is newer than the last build's stamp.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const sources = ['src', 'wasm', 'scripts/build-wasm.js', 'tsconfig.build.json', 'tsconfig.json', 'package.json'];

function newest(file) {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(file).reduce((m, name) => Math.max(m, newest(path.join(file, name))), stat.mtimeMs);
}

/** When `npm run build` last ran: it rewrites every output (tsc is not incremental here), so the oldest of these. */
function lastBuild() {
  const outputs = ['dist/index.js', 'dist/cli/main.js', 'dist/wasm/kernels-simd.wasm'].map((f) => path.join(root, f));
  return outputs.every(fs.existsSync) ? Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs)) : -1;
}

/** The optional native addon: rebuilt when its sources are newer (or, where CI expects it, missing), as npm ci would. */
function buildNative() {
  const addon = path.join(root, 'native', 'build', 'Release', 'nnt_blas.node');
  const changed = Math.max(...['native/nnt_blas.c', 'native/binding.gyp', 'scripts/build-native.js'].map((f) => newest(path.join(root, f))));
  const stale = fs.existsSync(addon) ? changed > fs.statSync(addon).mtimeMs : process.env.NNT_EXPECT_NATIVE === '1';
  if (stale) execFileSync(process.execPath, [path.join(root, 'scripts', 'build-native.js')], { cwd: root, stdio: 'inherit' });
}

module.exports = function globalSetup() {
  buildNative();
  const built = Math.max(lastBuild(), fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : -1);
  const changed = Math.max(...sources.map((s) => path.join(root, s)).filter(fs.existsSync).map(newest));
  if (changed <= built) return;
  const started = Date.now();
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-wasm.js')], { cwd: root, stdio: 'ignore' });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  // Stamped with the time the build started: a source saved during the build counts as newer.
  fs.writeFileSync(stamp, '');
  fs.utimesSync(stamp, new Date(started), new Date(started));
  process.stderr.write(`\nbuilt dist/ for the CLI tests (sources newer than the last build)\n`);
};
