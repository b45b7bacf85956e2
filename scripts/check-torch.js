#!/usr/bin/env node
// npm run check:torch — the exports checked by the real engines, outside the default test run
// (PyTorch is slow to install). Needs /usr/bin/python3 with torch and onnx (Debian:
// apt-get install python3-torch python3-onnx) and a built dist/ (npm install builds it).
//
//   1. nnt trains a small net with every layer type nnt exports, and exports it three ways
//   2. onnx.checker (the reference implementation) accepts the float64 and float32 ONNX files
//   3. ONNX Runtime (≤ 1e-12 float64, ≤ 1e-5 float32) and model.py (≤ 1e-9) give nnt's
//      probabilities on the whole test set, with the same classes
//   4. torchrun --nproc_per_node 2 train.py --epochs 1 trains with two processes, the loss falls
//   5. nnt import + nnt eval of the PyTorch-trained weights give PyTorch's accuracy
//   6. an ONNX file written by torch.onnx.export imports into nnt with the same accuracy
//   7. a small conv net (conv → relu → max-pool → affine → relu → affine): steps 3b–5 again
// Prints each step and its measurements; exits 1 at the first failed check.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const python = process.env.NNT_TORCH_PYTHON || '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'nnt-check-torch-'));
const nntLib = require(join(root, 'dist/index.js'));

function run(command, args, { quiet, ...options } = {}) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26, ...options });
  if (r.status !== 0) fail(`${command} exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
  if (!quiet) process.stdout.write(r.stdout.split('\n').filter((l) => l && !/^\*+$|OMP_NUM_THREADS|^WARNING:torch/.test(l)).map((l) => `  ${l}\n`).join(''));
  return r.stdout;
}
const nnt = (...args) => run(process.execPath, [join(root, 'bin/nnt'), ...args], { quiet: args.includes('--json') });

function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) process.exit(1);
}
function fail(message) {
  console.error(`check:torch: ${message}`);
  process.exit(1);
}

const probe = spawnSync(python, ['-c', 'import torch, onnx; print(torch.__version__, onnx.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) fail(`${python} cannot import torch and onnx (apt-get install python3-torch python3-onnx)\n${probe.stderr}`);
console.log(`torch ${probe.stdout.trim().split(' ')[0]}, onnx ${probe.stdout.trim().split(' ')[1]} (${python}); work folder ${dir}`);

// 1. a small net with every exported layer type
const config = {
  name: 'check-torch',
  layers: [
    { type: 'affine', units: 64 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dropout', ratio: 0.2 },
    { type: 'affine', units: 32 }, { type: 'sigmoid' }, { type: 'affine', units: 10 },
  ],
  training: { epochs: 1, optimizer: 'adam', learningRate: 0.002, seed: 3 },
};
writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
nnt('train', '-c', 'config.json', '--limit', '5000', '--epochs', '1', '--out', 'w.json', '-q');
nnt('export', 'w.json', '--format', 'onnx', '--out', 'm64.onnx');
nnt('export', 'w.json', '--format', 'onnx', '--dtype', 'float32', '--out', 'm32.onnx');
nnt('export', 'w.json', '--format', 'pytorch', '--out', 'torch');

// 2. the reference ONNX checker
for (const file of ['m64.onnx', 'm32.onnx']) {
  run(python, ['-c', `import onnx; m = onnx.load("${file}"); onnx.checker.check_model(m, full_check=True); print("onnx.checker: ${file} ok, opset", m.opset_import[0].version)`]);
}

// nnt's own probabilities on the whole test set, to compare the engines' with
const test = nntLib.loadTestSet(undefined);
const n = test.count;
const x = new Float64Array(n * test.sampleSize);
nntLib.gatherBatch(test, Int32Array.from({ length: n }, (_, i) => i), 0, n, x, new Uint8Array(n), nntLib.tsKernels);
writeFileSync(join(dir, 'x.f64'), Buffer.from(x.buffer));
function probabilitiesOf(weights) {
  const model = nntLib.loadModel(join(dir, weights));
  const logits = model.net.predict({ data: x, shape: [n, test.sampleSize] }).data;
  const p = new Float64Array(logits.length);
  nntLib.tsKernels.softmaxRows(logits, p, n, 10);
  return p;
}
let ours = probabilitiesOf('w.json');

function readF64(file) {
  const bytes = readFileSync(file);
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
function compare(theirs, who, limit) {
  let maxDiff = 0, sameClass = 0;
  for (let r = 0; r < n; r++) {
    let a = 0, b = 0;
    for (let c = 0; c < 10; c++) {
      maxDiff = Math.max(maxDiff, Math.abs(ours[r * 10 + c] - theirs[r * 10 + c]));
      if (ours[r * 10 + c] > ours[r * 10 + a]) a = c;
      if (theirs[r * 10 + c] > theirs[r * 10 + b]) b = c;
    }
    if (a === b) sameClass++;
  }
  check(sameClass === n, `${who} predicts nnt's class for ${sameClass}/${n} test images`);
  check(maxDiff <= limit, `${who}'s probabilities differ from nnt's by at most ${maxDiff.toExponential(2)} (limit ${limit})`);
}

// 3a. ONNX Runtime (onnxruntime-web) on the whole test set, as the jest tests do on 1,000 images
for (const [file, limit] of [['m64.onnx', 1e-12], ['m32.onnx', 1e-5]]) {
  run(process.execPath, [join(root, 'scripts/ort-run.js'), file, 'x.f64', String(n), String(test.sampleSize), `${file}.out`]);
  compare(readF64(join(dir, `${file}.out.probabilities.f64`)), `ONNX Runtime (${file})`, limit);
}

/**
 * Steps 3b–5 for the PyTorch export in folder `torch`: model.py against nnt, torchrun with two
 * processes (train.py), and the trained weights back into nnt.
 */
function pytorchRoundTrip(torch, limit) {
  // 3b. model.py against nnt
  run(python, ['model.py', '--probabilities', join(dir, `${torch}.p.f64`)], { cwd: join(dir, torch) });
  compare(readF64(join(dir, `${torch}.p.f64`)), `model.py (${torch})`, 1e-9);

  // 4. torchrun with two processes. Debian's torch 1.13 on Python 3.11 cannot parse torchrun's
  // default "--redirects 0 --tee 0" (its Std enum lost NONE from iteration); an explicit mapping
  // for a rank that does not exist means the same (no redirection) and parses.
  const torchrun = process.env.NNT_TORCHRUN || '/usr/bin/torchrun';
  const out = run(torchrun, ['--nproc_per_node', '2', '--redirects', '9:0', '--tee', '9:0', 'train.py', '--epochs', '1', '--limit', String(limit)], { cwd: join(dir, torch) });
  const start = Number(/start: train loss ([\d.]+)/.exec(out)?.[1]);
  const end = Number(/epoch 1\/1: train loss ([\d.]+)/.exec(out)?.[1]);
  check(/processes 2 \(gloo\)/.test(out), `train.py (${torch}) ran with 2 processes (gloo)`);
  check(end < start, `train loss fell from ${start} to ${end}`);
  const torchCorrect = Number(/test accuracy [\d.]+ \((\d+)\/\d+\)/.exec(out)?.[1]);

  // 5. back into nnt
  nnt('import', `${torch}/trained.safetensors`, '--out', `${torch}-trained.json`);
  const evaluation = JSON.parse(nnt('eval', `${torch}-trained.json`, '--json'));
  const nntCorrect = Math.round(evaluation.accuracy * evaluation.samples);
  check(nntCorrect === torchCorrect, `nnt eval of the PyTorch-trained weights (${torch}): ${nntCorrect}/${evaluation.samples} correct, PyTorch: ${torchCorrect}`);
}
pytorchRoundTrip('torch', 10000);
// 6. an ONNX file written by PyTorch's own exporter (torch.onnx.export of model.py's net)
run(python, ['-c', [
  'import torch, model',
  'net = model.load()',
  "torch.onnx.export(net, torch.zeros(2, 784, dtype=torch.float64), 'from-torch.onnx', input_names=['input'], output_names=['logits'],",
  "                  dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}}, opset_version=13)",
  "print('torch.onnx.export: from-torch.onnx')",
].join('\n')], { cwd: join(dir, 'torch') });
nnt('import', 'torch/from-torch.onnx', '--out', 'from-torch.json');
const fromTorch = JSON.parse(nnt('eval', 'from-torch.json', '--json'));
const exportedCorrect = Math.round(JSON.parse(nnt('eval', 'w.json', '--json')).accuracy * n);
check(Math.round(fromTorch.accuracy * n) === exportedCorrect, `PyTorch's ONNX export of model.py imported into nnt: ${Math.round(fromTorch.accuracy * n)}/${n} correct, nnt's original: ${exportedCorrect}`);

// 7. a small conv net (the SimpleConvNet's layers, smaller) through model.py, torchrun and back
const convConfig = {
  name: 'check-torch-conv',
  layers: [
    { type: 'conv', filters: 6, size: 5 }, { type: 'relu' }, { type: 'pool', size: 2, stride: 2 },
    { type: 'affine', units: 32 }, { type: 'relu' }, { type: 'affine', units: 10 },
  ],
  training: { epochs: 1, optimizer: 'adam', learningRate: 0.002, seed: 3 },
};
writeFileSync(join(dir, 'conv-config.json'), JSON.stringify(convConfig));
nnt('train', '-c', 'conv-config.json', '--limit', '3000', '--epochs', '1', '--out', 'conv.json', '-q');
nnt('export', 'conv.json', '--format', 'pytorch', '--out', 'torch-conv');
ours = probabilitiesOf('conv.json');
pytorchRoundTrip('torch-conv', 3000);
console.log('check:torch: all checks passed');
