#!/usr/bin/env node
/*
 * Builds the optional native backend (native/nnt_blas.c, a Node-API addon over CBLAS) at
 * install, when this machine has what it needs: a C compiler, the Node headers of the local
 * Node installation, a CBLAS (header and library) and npm's bundled node-gyp. Nothing is
 * downloaded. Otherwise it prints ONE line saying why the native backend was skipped and
 * exits 0: `npm install` must succeed without the library (nnt then runs on WebAssembly).
 *
 * NNT_NATIVE=0 skips the build. CC picks the compiler (as make does).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const NATIVE = path.join(ROOT, 'native');
const LOG = path.join(NATIVE, 'build.log');

/** The CBLAS candidates, tried in order: the first that compiles and links a dgemm call wins. */
function candidates() {
  const list = [];
  const openblas = pkgConfig('openblas');
  if (openblas) list.push({ name: 'openblas', ...openblas, define: 'NNT_OPENBLAS' });
  list.push({ name: 'openblas', cflags: [], libs: ['-lopenblas'], define: 'NNT_OPENBLAS' });
  const cblas = pkgConfig('cblas');
  if (cblas) list.push({ name: 'cblas', ...cblas, define: 'NNT_CBLAS' });
  list.push({ name: 'cblas', cflags: [], libs: ['-lcblas'], define: 'NNT_CBLAS' });
  return list;
}

function main() {
  if (process.env.NNT_NATIVE === '0') return skip('NNT_NATIVE=0');
  const cc = process.env.CC || 'cc';
  if (!runs(cc, ['--version'])) return skip(`no C compiler (${cc})`);
  const nodedir = nodeDir();
  if (!nodedir) return skip(`no Node headers (node_api.h) beside ${process.execPath}; set npm_config_nodedir`);
  const blas = candidates().find((c) => links(cc, c));
  if (!blas) return skip('no CBLAS found (cblas.h and libopenblas or libcblas; e.g. apt-get install libopenblas-dev)');
  const gyp = nodeGyp();
  if (!gyp) return skip("npm's bundled node-gyp was not found");
  const args = [
    gyp, 'rebuild', `--nodedir=${nodedir}`, '--', `-Dblas_cflags=${blas.cflags.join(' ')}`,
    `-Dblas_libs=${blas.libs.join(' ')}`, `-Dblas_define=${blas.define}`,
  ];
  const build = spawnSync(process.execPath, args, { cwd: NATIVE, encoding: 'utf8', env: { ...process.env, CC: cc } });
  fs.writeFileSync(LOG, `${build.stdout ?? ''}${build.stderr ?? ''}${build.error ?? ''}`);
  if (build.status !== 0) return skip(`node-gyp failed (see ${path.relative(process.cwd(), LOG)})`);
  console.log(`nnt: native backend built on ${blas.name} (native/build/Release/nnt_blas.node)`);
}

function skip(why) {
  console.log(`nnt: native backend skipped: ${why}; nnt runs on WebAssembly`);
}

function runs(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: 'ignore', ...options });
  return r.status === 0;
}

function pkgConfig(name) {
  const r = spawnSync('pkg-config', ['--cflags', '--libs', name], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const flags = r.stdout.trim().split(/\s+/).filter(Boolean);
  return { cflags: flags.filter((f) => !/^-[lL]/.test(f)), libs: flags.filter((f) => /^-[lL]/.test(f)) };
}

/** Whether a call of cblas_dgemm compiles and links with this candidate's flags. */
function links(cc, blas) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnt-blas-'));
  try {
    const src = path.join(dir, 't.c');
    fs.writeFileSync(src, '#include <cblas.h>\nint main(void) { double a = 1, c = 0; cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0, &a, 1, &a, 1, 0.0, &c, 1); return c != 1; }\n');
    return runs(cc, [...blas.cflags, src, '-o', path.join(dir, 't'), ...blas.libs]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The local Node installation's headers: npm_config_nodedir, or the prefix node runs from. */
function nodeDir() {
  const dirs = [process.env.npm_config_nodedir, path.dirname(path.dirname(process.execPath))].filter(Boolean);
  return dirs.find((d) => fs.existsSync(path.join(d, 'include', 'node', 'node_api.h')));
}

/** npm's own node-gyp (npm_execpath is npm-cli.js while npm runs a script), else one on the module path. */
function nodeGyp() {
  const npmDirs = [process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '..')];
  const npm = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['npm'], { encoding: 'utf8' });
  if (npm.status === 0) npmDirs.push(path.join(path.dirname(fs.realpathSync(npm.stdout.split('\n')[0].trim())), '..'));
  for (const dir of npmDirs.filter(Boolean)) {
    const gyp = path.join(dir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (fs.existsSync(gyp)) return gyp;
  }
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

try {
  main();
} catch (error) {
  skip(`build script failed: ${String(error && error.message).split('\n')[0]}`);
}
