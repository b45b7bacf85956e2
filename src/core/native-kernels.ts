import type { BlasAddon } from './native';
import type { WasmVariant } from './wasm-module';
import { WasmKernels } from './wasm-kernels';
import type { ChooserOptions } from './wasm-scheduler';

/**
 * The fewest multiply-adds (m·k·n) of a product that `auto` sends to CBLAS. Smaller ones stay
 * on WebAssembly: at this size the two are a wash within a step (README), and the default
 * two-layer run (whose dense products are 50,000) then gives the same bits on every machine,
 * with or without OpenBLAS.
 */
export const AUTO_NATIVE_MIN = 2 ** 18;

/**
 * The native backend: the WebAssembly backend (its memory, threads and every other kernel)
 * with its dense products of at least `minProduct` multiply-adds done by the system's CBLAS
 * dgemm, on the same arrays in place. dgemm sums in its own order (blocks, FMA), so those
 * products differ from the reference by rounding; for a given library and core type they
 * repeat bit for bit (test/native.test.ts). CBLAS runs on one thread: its sums depend on its
 * thread count, so more threads could not be switched off on a busy machine (as the wasm
 * threads are) without changing a run's bits, nor matched by a resumed run.
 */
export class NativeKernels extends WasmKernels {
  override readonly name: string;

  constructor(
    module: WebAssembly.Module,
    variant: WasmVariant,
    wasmThreads: number,
    private readonly blas: BlasAddon,
    private readonly minProduct = 0,
    chooser: ChooserOptions = {},
  ) {
    super(module, variant, wasmThreads, chooser);
    blas.setThreads(1);
    const [library, ...config] = blas.library().split(' ');
    const core = library === 'openblas' ? `-${config[config.length - 1]}` : '';
    const which = minProduct > 0 ? `products of ≥ ${minProduct.toLocaleString('en-US')} multiply-adds` : 'dense products';
    this.name = `native-${library}${core} for ${which}, wasm-${variant} ${count(wasmThreads)} for the rest`;
  }

  override matmul(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    if (m * k * n < this.minProduct) return super.matmul(a, b, c, m, k, n);
    this.blas.matmul(a, b, c, m, k, n);
  }

  override matmulTransA(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    if (m * k * n < this.minProduct) return super.matmulTransA(a, b, c, m, k, n);
    this.blas.matmulTransA(a, b, c, m, k, n);
  }

  override matmulTransB(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): void {
    if (m * k * n < this.minProduct) return super.matmulTransB(a, b, c, m, n, k);
    this.blas.matmulTransB(a, b, c, m, n, k);
  }
}

function count(threads: number): string {
  return `×${threads} thread${threads > 1 ? 's' : ''}`;
}
