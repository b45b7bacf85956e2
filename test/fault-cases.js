'use strict';
/**
 * The fault battery of issue 12: bad inputs and faults, tried on the built command as a
 * hostile user and a broken machine would. Each case runs `nnt` (the bin it is given) and
 * returns the list of what went wrong — empty when the case held: a clear one-line error (or
 * warning), the right exit code, nothing damaged.
 *
 * Used by test/faults.test.ts (on a fresh build) and by scripts/fault-battery.js (on any
 * install, to count what held before and after a change).
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

/** A PID no process can have: above the kernel's default pid_max (2^22). */
const DEAD_PID = 2 ** 22 + 4321;
const QUICK = ['--limit', '100', '--epochs', '1'];

function context(bin) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnt-faults-'));
  const at = (...p) => path.join(dir, ...p);
  const opts = (o = {}) => ({ encoding: 'utf8', cwd: dir, timeout: o.timeout ?? 300000, env: { ...process.env, NNT_DEBUG: '' } });
  const nnt = (args, o) => result(spawnSync(process.execPath, [bin, ...args], opts(o)));
  const shell = (script, args, o) => result(spawnSync('bash', ['-c', `${script}; exec "$0" "$@"`, process.execPath, bin, ...args], opts(o)));
  const write = (name, text) => (fs.mkdirSync(path.dirname(at(name)), { recursive: true }), fs.writeFileSync(at(name), text), name);
  return { bin, dir, at, nnt, shell, write, read: (name) => fs.readFileSync(at(name)) };
}

function result(r) {
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** What is wrong with a run that should end in one `nnt: …` line matching `pattern` and exit `code` (any non-zero by default). */
function oneLineError(r, pattern, code) {
  const problems = [];
  if (r.signal) problems.push(`killed by ${r.signal}`);
  else if (code === undefined ? r.code === 0 : r.code !== code) problems.push(`exit code ${r.code}, expected ${code ?? 'non-zero'}`);
  const lines = r.stderr.trimEnd().split('\n');
  if (!/^nnt: /.test(r.stderr) || lines.length !== 1) problems.push(`stderr is not one "nnt:" line: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  if (pattern && !pattern.test(r.stderr)) problems.push(`stderr does not match ${pattern}: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  return problems;
}

function noTemporaries(c, sub = 'w') {
  const left = fs.existsSync(c.at(sub)) ? fs.readdirSync(c.at(sub)).filter((n) => n.endsWith('.tmp')) : [];
  return left.length ? [`temporary files left: ${left.join(', ')}`] : [];
}

function same(c, name, before) {
  return c.read(name).equals(before) ? [] : [`${name} changed`];
}

/**
 * What make(context) returns, made once per bin and name in a context of its own: a run that
 * several cases start from costs one training for all of them.
 */
const madeOnce = new Map();
function oncePerBin(c, name, make) {
  const key = `${c.bin}\0${name}`;
  if (!madeOnce.has(key)) madeOnce.set(key, make(context(c.bin)));
  return madeOnce.get(key);
}

/**
 * The files of a good first run at w/w.json, copied into the case's folder: the same bytes a
 * run there would write (its paths are relative).
 */
function trainedOnce(c) {
  const run = oncePerBin(c, 'good run', (first) => {
    const r = first.nnt(['train', ...QUICK, '--out', 'w/w.json']);
    if (r.code !== 0) throw new Error(`the first, good run failed: ${r.stderr}`);
    return { weights: first.read('w/w.json'), metrics: first.read('w/w.metrics.jsonl'), checkpoint: first.read('w/w.checkpoint.json') };
  });
  c.write('w/w.json', run.weights);
  c.write('w/w.metrics.jsonl', run.metrics);
  c.write('w/w.checkpoint.json', run.checkpoint);
  return run;
}

function idx(dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** A small dataset in a folder: 3 classes of `side`×`side` images; `edit` changes the files before they are written. */
function dataDir(c, name, { trainSide = 6, testSide = 6, edit = () => {} } = {}) {
  const images = (n, side) => Array.from({ length: n * side * side }, (_, i) => (i * 37) % 256);
  const labels = (n) => Array.from({ length: n }, (_, i) => i % 3);
  const files = {
    'train-images-idx3-ubyte': idx([60, trainSide, trainSide], images(60, trainSide)),
    'train-labels-idx1-ubyte': idx([60], labels(60)),
    't10k-images-idx3-ubyte': idx([30, testSide, testSide], images(30, testSide)),
    't10k-labels-idx1-ubyte': idx([30], labels(30)),
  };
  edit(files);
  for (const [file, bytes] of Object.entries(files)) c.write(path.join(name, file), bytes);
  return name;
}

function smallConfig(c, name, extra = {}, dir = undefined) {
  const config = { layers: [{ type: 'affine', units: 8 }, { type: 'relu' }, { type: 'affine', units: dir ? 3 : 10 }], ...extra };
  if (dir) config.data = { dir, batchSize: 10, ...(extra.data ?? {}) };
  return c.write(name, JSON.stringify(config));
}

/** A checkpoint of a short run (made once per bin), with `edit` applied to its checkpoint section. */
function editedCheckpoint(c, edit) {
  const checkpoint = oncePerBin(c, 'stopped run', (first) => {
    const stopped = first.nnt(['train', '--limit', '300', '--epochs', '2', '--batch-size', '100', '--out', 'ck/w.json']);
    if (stopped.code !== 0) throw new Error(`the run to checkpoint failed: ${stopped.stderr}`);
    return first.read('ck/w.checkpoint.json').toString('utf8');
  });
  const doc = JSON.parse(checkpoint);
  edit(doc);
  return c.write('ck/edited.json', JSON.stringify(doc));
}

/** Runs nnt and sends it `signal` once it has started training (after `delay` ms); resolves with the exit code or the signal that ended it. */
/** Runs nnt and sends `signal` `delay` ms after stdout first matches `trigger`. */
function interrupted(c, args, signal, delay = 500, trigger = /training on/) {
  const child = spawn(process.execPath, [c.bin, ...args], { cwd: c.dir });
  let stdout = '', stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    let sent = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && trigger.test(stdout)) {
        sent = true;
        setTimeout(() => child.kill(signal), delay);
      }
    });
    child.on('exit', (exitCode, killedBy) => resolve({ code: killedBy ?? exitCode, stdout, stderr }));
  });
}

const cases = [
  // ---- data loss ----
  ['writes', 'a file-size limit (ulimit -f) fails with the file named and leaves the weights whole', (c) => {
    const before = trainedOnce(c);
    const r = c.shell('ulimit -f 40', ['train', ...QUICK, '--seed', '2', '--out', 'w/w.json']);
    return [...oneLineError(r, /w\/w\.(checkpoint\.)?json: .*\((EFBIG|ENOSPC)\); the previous file is unchanged/), ...same(c, 'w/w.json', before.weights), ...same(c, 'w/w.checkpoint.json', before.checkpoint), ...noTemporaries(c)];
  }],
  ['writes', 'a diverging run leaves the previous metrics file as it was', (c) => {
    const before = trainedOnce(c);
    const r = c.nnt(['train', '--limit', '300', '--epochs', '2', '--lr', '1e200', '--out', 'w/w.json']);
    return [...oneLineError(r, /diverged/), ...same(c, 'w/w.metrics.jsonl', before.metrics), ...same(c, 'w/w.json', before.weights)];
  }],
  ['writes', 'a run whose test set is bad leaves the previous metrics file as it was', (c) => {
    const before = trainedOnce(c);
    const data = dataDir(c, 'data-odd-test', { testSide: 5 });
    const r = c.nnt(['train', '--config', smallConfig(c, 'odd.json', {}, data), '--out', 'w/w.json', '--epochs', '1']);
    return [...oneLineError(r), ...same(c, 'w/w.metrics.jsonl', before.metrics)];
  }],
  ['writes', 'stale temporaries of a killed run are removed by the next run', (c) => {
    c.write(`w/w.json.${DEAD_PID}.tmp`, '{"half');
    c.write(`w/w.checkpoint.json.${DEAD_PID}.tmp`, '{"half');
    const r = c.nnt(['train', ...QUICK, '--out', 'w/w.json']);
    return [...(r.code === 0 ? [] : [`exit ${r.code}: ${r.stderr}`]), ...noTemporaries(c)];
  }],
  ['writes', 'a second run on a locked output is refused while the first lives', (c) => {
    c.write('w/w.lock', `${process.pid}\n`);
    const r = c.nnt(['train', ...QUICK, '--out', 'w/w.json']);
    return [...oneLineError(r, new RegExp(`another nnt run \\(process ${process.pid}\\)`)), ...(fs.existsSync(c.at('w/w.json')) ? ['weights written despite the lock'] : [])];
  }],
  ['writes', 'a stale lock of a dead process is taken over and released', (c) => {
    c.write('w/w.lock', `${DEAD_PID}\n`);
    const r = c.nnt(['train', ...QUICK, '--out', 'w/w.json']);
    return [...(r.code === 0 ? [] : [`exit ${r.code}: ${r.stderr}`]), ...(fs.existsSync(c.at('w/w.lock')) ? ['the lock is still there after the run'] : [])];
  }],
  ['writes', '--out naming a directory is refused before training', (c) => {
    fs.mkdirSync(c.at('adir'));
    const r = c.nnt(['train', ...QUICK, '--out', 'adir']);
    return [...oneLineError(r, /adir: is a directory/), ...(/epoch 1\/1/.test(r.stdout) ? ['trained before failing'] : [])];
  }],
  ['writes', 'SIGTERM stops after the batch, saves a checkpoint and exits 143', async (c) => {
    const { code, stderr } = await interrupted(c, ['train', '--limit', '3000', '--epochs', '40', '--batch-size', '10', '--out', 'w/w.json'], 'SIGTERM');
    const problems = code === 143 ? [] : [`ended with ${code}, expected exit code 143`];
    if (!/checkpoint saved to w\/w\.checkpoint\.json/.test(stderr)) problems.push(`no checkpoint message: ${JSON.stringify(stderr)}`);
    else JSON.parse(c.read('w/w.checkpoint.json'));
    return [...problems, ...noTemporaries(c)];
  }],

  // ---- what held before and must keep holding ----
  ['kept', 'Ctrl-C stops after the batch, saves a checkpoint (exit 130, one message), and the resumed run ends bit for bit as an uninterrupted one', async (c) => {
    const args = ['train', '--limit', '5000', '--epochs', '2', '--batch-size', '5'];
    const whole = c.nnt([...args, '--out', 'whole/w.json']);
    if (whole.code !== 0) return [`the uninterrupted run failed: ${whole.stderr}`];
    const stopped = await interrupted(c, [...args, '--out', 'w/w.json'], 'SIGINT', 0); // at once: the loop sees it at its first yield
    const problems = stopped.code === 130 ? [] : [`ended with ${stopped.code}, expected exit code 130`];
    for (const said of [/stopping after this batch/, /checkpoint saved to w\/w\.checkpoint\.json \(continue with --resume/]) if (!said.test(stopped.stderr)) problems.push(`stderr does not say ${said}: ${JSON.stringify(stopped.stderr)}`);
    if (/\n\s+at /.test(stopped.stderr)) problems.push('a stack trace on stderr');
    if (fs.existsSync(c.at('w/w.json'))) problems.push('weights written by the interrupted run');
    const resumed = c.nnt(['train', '--resume', 'w/w.checkpoint.json']);
    if (resumed.code !== 0) return [...problems, `resume failed: ${resumed.stderr}`];
    if (!/resumed at epoch/.test(resumed.stdout)) problems.push(`the resumed run does not say where it resumed: ${JSON.stringify(resumed.stdout.slice(0, 300))}`);
    const arrays = (file) => JSON.stringify(JSON.parse(c.read(file)).params.map((p) => p.sha256));
    return [...problems, ...(arrays('w/w.json') === arrays('whole/w.json') ? [] : ['resumed weights differ from the uninterrupted run\'s'])];
  }],
  ['kept', 'SIGKILL leaves every written file whole, and the next run cleans up', async (c) => {
    // Killed once the first epoch's files are written, long before the run could end: a fast
    // machine must not finish first.
    const killed = await interrupted(c, ['train', '--limit', '1000', '--epochs', '500', '--batch-size', '10', '--out', 'w/w.json'], 'SIGKILL', 0, /^epoch +1\/\d+ +train loss/m);
    if (killed.code !== 'SIGKILL') return [`ended with ${killed.code}`];
    const problems = [];
    for (const name of fs.readdirSync(c.at('w')).filter((n) => n.endsWith('.json'))) {
      try {
        JSON.parse(c.read(`w/${name}`));
      } catch {
        problems.push(`${name} is not whole`);
      }
    }
    const again = c.nnt(['train', ...QUICK, '--out', 'w/w.json']);
    return [...problems, ...(again.code === 0 ? [] : [`the next run failed: ${again.stderr}`]), ...noTemporaries(c)];
  }],
  ['kept', 'a truncated weights file is one line naming it', (c) => {
    trainedOnce(c);
    c.write('half.json', c.read('w/w.json').subarray(0, 3000));
    return oneLineError(c.nnt(['eval', 'half.json']), /half\.json: not a JSON document \(truncated\?\)/);
  }],
  ['kept', 'an unknown config key is one line with a hint', (c) =>
    oneLineError(c.nnt(['train', '--config', c.write('typo.json', JSON.stringify({ layers: [{ type: 'affine', units: 10 }], trainig: {} }))]), /typo\.json: unknown key "trainig" \(did you mean "training"\?\)/)],
  ['kept', 'a missing data folder is one line naming it', (c) =>
    oneLineError(c.nnt(['train', '--config', c.write('nodata.json', JSON.stringify({ layers: [{ type: 'affine', units: 10 }], data: { dir: 'nowhere' } })), '--out', 'w/w.json']), /nowhere: no such directory/)],

  // ---- resource bounds ----
  ['bounds', '--threads far beyond the cores is refused', (c) => oneLineError(c.nnt(['train', ...QUICK, '--threads', '64', '--out', 'w/w.json']), /threads.*64/)],
  ['bounds', 'training.threads far beyond the cores is refused, naming the config', (c) =>
    oneLineError(c.nnt(['train', ...QUICK, '--config', smallConfig(c, 'threads.json', { training: { threads: 100 } }), '--out', 'w/w.json']), /threads\.json: training\.threads/)],
  ['bounds', 'a config of 5000 layers is refused with the field named', (c) => {
    const layers = [{ type: 'affine', units: 10 }, ...Array.from({ length: 4998 }, () => ({ type: 'relu' })), { type: 'affine', units: 10 }];
    return oneLineError(c.nnt(['train', ...QUICK, '--config', c.write('many.json', JSON.stringify({ layers })), '--out', 'w/w.json'], { timeout: 300000 }), /many\.json: layers/);
  }],
  ['bounds', 'a 2 MB config is refused by its size', (c) => {
    const layers = [{ type: 'affine', units: 10 }, ...Array.from({ length: 120000 }, () => ({ type: 'relu' })), { type: 'affine', units: 10 }];
    return oneLineError(c.nnt(['train', ...QUICK, '--config', c.write('huge.json', JSON.stringify({ layers })), '--out', 'w/w.json'], { timeout: 300000 }), /huge\.json: /);
  }],
  ['bounds', 'units: 1e12 is refused naming the field and the memory', (c) =>
    oneLineError(c.nnt(['train', ...QUICK, '--config', c.write('wide.json', JSON.stringify({ layers: [{ type: 'affine', units: 1e12 }, { type: 'relu' }, { type: 'affine', units: 10 }] })), '--out', 'w/w.json']), /wide\.json: layers\[0\]\.units: .*[TP]B/)],
  ['bounds', 'batchSize: 1e15 (random sampling) is refused naming the field', (c) =>
    oneLineError(c.nnt(['train', ...QUICK, '--config', smallConfig(c, 'batch.json', { data: { batchSize: 1e15, sampling: 'random' } }), '--out', 'w/w.json']), /batch\.json: data\.batchSize/)],
  ['bounds', 'eval of weights claiming inputSize 1e12 names the field', (c) => {
    trainedOnce(c);
    const doc = JSON.parse(c.read('w/w.json'));
    doc.inputSize = 1e12;
    c.write('big-input.json', JSON.stringify(doc));
    return oneLineError(c.nnt(['eval', 'big-input.json', '--limit', '10']), /big-input\.json: inputSize/);
  }],
  ['bounds', 'IDX image and label counts are compared from the headers, before the data is inflated', (c) => {
    const data = dataDir(c, 'data-gz', {
      edit: (files) => {
        // The header claims 2.1e9 images of 1×1; the file is as long as gzip would make those
        // (2 MB), so only comparing the counts first avoids inflating it (its body is filler).
        const noise = Array.from({ length: 4000 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 24) & 255); // stored, not compressed
        const start = zlib.gzipSync(idx([2100000000, 1, 1], noise)).subarray(0, 2000);
        files['train-images-idx3-ubyte'] = Buffer.concat([start, Buffer.alloc(2100000, 0x55)]);
      },
    });
    return oneLineError(c.nnt(['train', '--config', smallConfig(c, 'gz.json', {}, data), '--out', 'w/w.json']), /train-labels-idx1-ubyte: 60 labels, but .* has 2100000000 images/);
  }],
  ['bounds', 'a YAML alias bomb names the file', (c) => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`), 'layers: *i'];
    return oneLineError(c.nnt(['train', '--config', c.write('bomb.yaml', bomb.join('\n')), '--out', 'w/w.json'], { timeout: 300000 }), /bomb\.yaml: /);
  }],
  ['bounds', '100k-deep JSON names the file', (c) =>
    oneLineError(c.nnt(['train', '--config', c.write('deep.json', `${'['.repeat(100000)}${']'.repeat(100000)}`), '--out', 'w/w.json']), /deep\.json: /)],

  // ---- validation ----
  ['validation', 'test images of another shape are named before the first batch', (c) => {
    const data = dataDir(c, 'data-shape', { testSide: 5 });
    const r = c.nnt(['train', '--config', smallConfig(c, 'shape.json', {}, data), '--out', 'w/w.json', '--epochs', '1']);
    return [...oneLineError(r, /t10k-images-idx3-ubyte: /), ...(/epoch 1\/1/.test(r.stdout) ? ['trained an epoch first'] : [])];
  }],
  ['validation', 'a bad label names the labels file, the sample and the value', (c) => {
    const data = dataDir(c, 'data-label', { edit: (files) => (files['train-labels-idx1-ubyte'][8 + 17] = 200) });
    return oneLineError(c.nnt(['train', '--config', smallConfig(c, 'label.json', {}, data), '--out', 'w/w.json']), /train-labels-idx1-ubyte: label 200 of sample 17/);
  }],
  ['validation', 'checkpoint epoch -5 is refused naming the field', (c) =>
    oneLineError(c.nnt(['train', '--resume', editedCheckpoint(c, (d) => (d.checkpoint.epoch = -5))]), /edited\.json: checkpoint\.epoch/)],
  ['validation', 'checkpoint epoch "x" is refused naming the field', (c) =>
    oneLineError(c.nnt(['train', '--resume', editedCheckpoint(c, (d) => (d.checkpoint.epoch = 'x'))]), /edited\.json: checkpoint\.epoch/)],
  ['validation', 'checkpoint batch 99999 is refused naming the field', (c) =>
    oneLineError(c.nnt(['train', '--resume', editedCheckpoint(c, (d) => (d.checkpoint.batch = 99999))]), /edited\.json: checkpoint\.batch/)],
  ['validation', 'checkpoint history null is refused naming the field', (c) =>
    oneLineError(c.nnt(['train', '--resume', editedCheckpoint(c, (d) => (d.checkpoint.history = null))]), /edited\.json: checkpoint\.history/)],
  ['validation', 'a batch larger than the data gets a one-line warning', (c) => {
    const r = c.nnt(['train', ...QUICK, '--batch-size', '500', '--out', 'w/w.json']);
    return [...(r.code === 0 ? [] : [`exit ${r.code}`]), ...(/^nnt: warning: .*batchSize 500 is larger than the 100 training samples/m.test(r.stderr) ? [] : [`no warning: ${JSON.stringify(r.stderr)}`])];
  }],
  ['validation', 'a cosine minLr above the learning rate gets a one-line warning', (c) => {
    const r = c.nnt(['train', ...QUICK, '--config', smallConfig(c, 'cos.json', { training: { learningRate: 0.01, schedule: { type: 'cosine', minLr: 0.1 } } }), '--out', 'w/w.json']);
    return /^nnt: warning: cos\.json: training\.schedule\.minLr/m.test(r.stderr) ? [] : [`no warning: ${JSON.stringify(r.stderr)}`];
  }],
  ['validation', 'an exponential gamma above 1 gets a one-line warning', (c) => {
    const r = c.nnt(['train', ...QUICK, '--config', smallConfig(c, 'gamma.json', { training: { schedule: { type: 'exponential', gamma: 10 } } }), '--out', 'w/w.json']);
    return /^nnt: warning: gamma\.json: training\.schedule\.gamma/m.test(r.stderr) ? [] : [`no warning: ${JSON.stringify(r.stderr)}`];
  }],
  ['validation', 'a loss that explodes without becoming NaN (--lr 1e6) stops the run', (c) =>
    oneLineError(c.nnt(['train', '--limit', '500', '--epochs', '2', '--lr', '1e6', '--out', 'w/w.json']), /diverged.*more than 100 times/)],
  ['validation', 'NaN in a config is printed as NaN, not null', (c) =>
    oneLineError(c.nnt(['train', '--config', c.write('nan.yaml', 'layers: [{type: affine, units: 10}]\ntraining: {learningRate: .nan}\n'), '--out', 'w/w.json']), /learningRate .*got NaN/)],
];

module.exports = {
  cases: cases.map(([group, name, run]) => ({ group, name, run })),
  context,
};
