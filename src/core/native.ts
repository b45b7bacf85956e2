import fs from 'node:fs';
import path from 'node:path';

/**
 * The optional native addon (native/nnt_blas.c): the dense products as CBLAS dgemm calls on
 * Float64Arrays in place. Built at install by scripts/build-native.js when a compiler and a
 * CBLAS are present; absent otherwise, and then loadBlas() says why.
 */
export interface BlasAddon {
  matmul(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void;
  matmulTransA(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void;
  matmulTransB(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): void;
  /**
   * The same three products with kernels.wat's gemm's sums, bit for bit: each element one chain
   * from +0 in increasing order, fused multiply-adds where `fused` and C has four columns or
   * more (native/nnt_dense.c); throws when sparseIsa() is "".
   */
  exactMatmul(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number, fused: boolean): void;
  exactMatmulTransA(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number, fused: boolean): void;
  exactMatmulTransB(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number, fused: boolean): void;
  /**
   * One step of an optimizer's rule (0 momentum, 1 Nesterov, 2 AdaGrad, 3 RMSprop, 4 Adam) on
   * n weights, with the coefficients of kernels.wat's update functions (k: at least 7): their
   * operations element by element, so the same bits (native/nnt_update.c); t is read only by
   * Adam. Throws when sparseIsa() is "".
   */
  updateWeights(rule: number, w: Float64Array, g: Float64Array, s: Float64Array, t: Float64Array, k: Float64Array, n: number): void;
  /** y (n) += alpha·x (n) as kernels.wat's add_scaled: fused over the first n rounded down to four where `fused` (native/nnt_update.c). */
  addScaled(y: Float64Array, x: Float64Array, alpha: number, n: number, fused: boolean): void;
  /**
   * kernels.wat's softmax_rows eight rows at a time (native/nnt_softmax.c): out = each row's
   * softmax, stats = each row's max and sum; returns false, doing nothing, without AVX-512.
   */
  softmaxRows(x: Float64Array, out: Float64Array, rows: number, cols: number, stats: Float64Array): boolean;
  /** Sets OpenBLAS's (process-wide) thread count; returns the count it uses, 0 for a CBLAS without that knob. */
  setThreads(threads: number): number;
  /**
   * Rows from..to−1 of C (n columns) = the sparse list products of kernels.wat's sparse_matmul
   * (Σ table[code] · row `index` of B (size×n) over each list's entries, from +0 in order),
   * with fused multiply-adds or not, after checking the lists as checkLists does; throws when
   * sparseIsa() is "" (native/nnt_sparse.c).
   */
  listProducts(
    start: Int32Array, entry: Int32Array, from: number, to: number, size: number,
    table: Float64Array, b: Float64Array, c: Float64Array, n: number, fused: boolean,
  ): void;
  /** Throws a RangeError unless lists from..to−1 start in order within the entries and every index is below size. */
  checkLists(start: Int32Array, entry: Int32Array, from: number, to: number, size: number): void;
  /**
   * kernels.wat's gather_lists on these arrays (the same integers; native/nnt_gather.c): rows
   * ids[0..rows−1] of the listing (starts, entries) by rows into (rowStart, rowEntry) and by
   * columns into (colStart, colEntry), `next` (cols values) as scratch; then prefetches the
   * lists of nextIds[0..nextRows−1]. Throws a RangeError, before it follows a bad index.
   */
  gatherLists(
    starts: Int32Array, entries: Int32Array, ids: Int32Array, rows: number, cols: number,
    rowStart: Int32Array, rowEntry: Int32Array, next: Int32Array, colStart: Int32Array, colEntry: Int32Array,
    nextIds: Int32Array, nextRows: number,
  ): void;
  /** The instruction set listProducts runs on: "avx512", "avx2" (with FMA), or "" (none on this processor). */
  sparseIsa(): string;
  /** Runs listProducts on "avx2" where the processor also has AVX-512 (to test both), or back on the widest ("" or any other name); returns sparseIsa(). */
  useSparseIsa(name: string): string;
  /** e.g. "openblas OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64 SkylakeX", or "cblas". */
  library(): string;
}

export type BlasLoad = { addon: BlasAddon; why?: undefined } | { addon?: undefined; why: string };

/** Where the build puts the addon; NNT_NATIVE_ADDON names another file (the tests use it to see a missing one); NNT_NATIVE=0 turns it off. */
export function addonPath(): string {
  return process.env.NNT_NATIVE_ADDON || path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'nnt_blas.node');
}

const loads = new Map<string, BlasLoad>();

/**
 * An error of the addon, made again in this context: the addon's errors come from Node's main
 * context, so in another (jest's vm, say) `instanceof RangeError` would fail on them.
 */
export function ownError(error: unknown): unknown {
  if (error instanceof Error || typeof error !== 'object' || error === null) return error;
  const { name, message } = error as Error;
  return name === 'RangeError' ? new RangeError(message) : name === 'TypeError' ? new TypeError(message) : new Error(message);
}

/** The addon, or one sentence saying why there is none and how to get it. Loaded once per file. */
export function loadBlas(file = addonPath()): BlasLoad {
  if (process.env.NNT_NATIVE === '0') return { why: 'the native backend is turned off (NNT_NATIVE=0)' };
  let load = loads.get(file);
  if (!load) loads.set(file, (load = tryLoad(file)));
  return load;
}

const HOW = 'install a C compiler and a CBLAS (Debian/Ubuntu: apt-get install libopenblas-dev), then run npm run build:native';

function tryLoad(file: string): BlasLoad {
  if (!fs.existsSync(file)) return { why: `the native addon is not built (no ${file}): ${HOW}` };
  try {
    return { addon: withCoreType(() => require(file) as BlasAddon) };
  } catch (error) {
    return { why: `the native addon ${file} does not load (${String((error as Error).message).split('\n')[0]}): ${HOW}` };
  }
}

/**
 * OpenBLAS before 0.3.22 does not know AMD Zen 4 and runs its AVX2 (Haswell) kernels there,
 * at about two thirds of the AVX-512 (SkylakeX) ones' speed measured on this project's
 * machine. On a CPU that has every AVX-512 subset those kernels use, and unless the user chose
 * a core type, OPENBLAS_CORETYPE=SkylakeX is set while the library loads (it reads it once,
 * then), and removed again so child processes do not inherit it.
 */
function withCoreType<T>(load: () => T): T {
  if (process.env.OPENBLAS_CORETYPE !== undefined || !hasAvx512()) return load();
  process.env.OPENBLAS_CORETYPE = 'SkylakeX';
  try {
    return load();
  } finally {
    delete process.env.OPENBLAS_CORETYPE;
  }
}

function hasAvx512(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  try {
    const flags = new Set(/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim().split(/\s+/));
    return ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f));
  } catch {
    return false;
  }
}
