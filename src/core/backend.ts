import os from 'node:os';
import type { Kernels } from './kernels';
import { addonPath, loadBlas } from './native';
import { AUTO_NATIVE_MIN, NativeKernels } from './native-kernels';
import { tsKernels } from './ts-kernels';
import { WasmKernels } from './wasm-kernels';
import { loadKernelModule, type WasmVariant } from './wasm-module';
import type { ChooserOptions } from './wasm-scheduler';

export { wasmSupport, type WasmVariant } from './wasm-module';

export type BackendName = 'auto' | 'wasm' | 'native' | 'ts';

export interface BackendOptions {
  /**
   * Threads for the matrix products, the caller's included (default: threadsForLoad(), the
   * cores the load average leaves idle and this one; 1 = no workers). The native backend's
   * CBLAS always runs on one (see NativeKernels).
   */
  threads?: number;
  /** Force the plain-SIMD module even where fused multiply-add (relaxed SIMD) is available. */
  variant?: WasmVariant;
  /**
   * The thread scheduler's clock, window and first way (SplitChooser): a hook for tests, e.g.
   * `{ split: true, windowCalls: Infinity }` runs every call that can split on the threads.
   */
  chooser?: ChooserOptions;
}

/**
 * The kernels to build a network on. `ts` is the readable reference; `wasm` is WebAssembly
 * SIMD with fused multiply-add when the engine has relaxed SIMD, plain SIMD otherwise, and
 * throws when neither works; `native` is `wasm` with its dense products done by the system's
 * CBLAS through the optional addon (native/), and throws, saying why, when the addon is not
 * built; `auto` is `native` for products of at least AUTO_NATIVE_MIN multiply-adds when the
 * addon loads and runs on OpenBLAS, else `wasm` when it works, else `ts`. The result's `name` says what was picked, e.g. "wasm-relaxed-simd ×2
 * threads". Call `dispose()` on it
 * (when present) to stop its worker threads early; they never keep the process alive.
 */
export function createKernels(name: BackendName = 'auto', options: BackendOptions = {}): Kernels {
  if (name === 'ts') return tsKernels;
  if (name !== 'wasm' && name !== 'auto' && name !== 'native') throw new RangeError(`unknown backend "${name}" (expected auto, wasm, native or ts)`);
  const threads = options.threads ?? threadsForLoad();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  try {
    const { module, variant } = loadKernelModule(options.variant);
    if (name !== 'wasm') {
      const blas = loadBlas();
      if (name === 'native' && !blas.addon) throw new Error(blas.why);
      if (name === 'native') return new NativeKernels(module, variant, threads, blas.addon!, 0, options.chooser, addonPath());
      // auto: only on OpenBLAS (another CBLAS may be the unoptimised reference), and only for large products.
      if (blas.addon?.library().startsWith('openblas ')) return new NativeKernels(module, variant, threads, blas.addon, AUTO_NATIVE_MIN, options.chooser, addonPath());
    }
    return new WasmKernels(module, variant, threads, options.chooser);
  } catch (error) {
    if (name !== 'auto') throw error;
    return tsKernels;
  }
}

/** The number of cores. */
export function defaultThreads(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

/**
 * The thread count when none is given: this thread, and one more per core that the load
 * average (the last minute's runnable processes) leaves idle, rounded, up to the cores. On a machine
 * whose other processes keep the cores busy a second thread only waits for a core (and its
 * start costs a busy core's time slices), so the run keeps to one; the scheduler still adapts
 * while it runs (SplitChooser). A run's bits do not depend on the count. Where there is no
 * load average (Windows: zeros), every core.
 */
export function threadsForLoad(cores = defaultThreads(), load = os.loadavg()[0]): number {
  return Math.max(1, Math.min(cores, 1 + Math.round(cores - load)));
}
