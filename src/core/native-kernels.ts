import type { BlasAddon } from './native';
import type { WasmVariant } from './wasm-module';
import { WasmKernels } from './wasm-kernels';

/** OpenBLAS's thread count is one per process: the count the last call set, so it is set again only on a change. */
let blasThreads = 0;

/**
 * The native backend: the WebAssembly backend (its memory, threads and every other kernel)
 * with its three dense products done by the system's CBLAS dgemm, on the same arrays in
 * place. dgemm sums in its own order (blocks, FMA), so the products differ from the
 * reference by rounding; for a given library, core type and thread count they repeat bit for
 * bit (test/native.test.ts).
 */
export class NativeKernels extends WasmKernels {
  override readonly name: string;

  constructor(module: WebAssembly.Module, variant: WasmVariant, private readonly threadCount: number, private readonly blas: BlasAddon) {
    super(module, variant, threadCount);
    this.useThreads();
    const [library, ...config] = blas.library().split(' ');
    const core = library === 'openblas' ? ` ${config[config.length - 1]}` : '';
    this.name = `native-${library}${core} ×${threadCount} thread${threadCount > 1 ? 's' : ''} (wasm-${variant} for the rest)`;
  }

  override matmul(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    this.useThreads();
    this.blas.matmul(a, b, c, m, k, n);
  }

  override matmulTransA(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    this.useThreads();
    this.blas.matmulTransA(a, b, c, m, k, n);
  }

  override matmulTransB(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): void {
    this.useThreads();
    this.blas.matmulTransB(a, b, c, m, n, k);
  }

  private useThreads(): void {
    if (blasThreads !== this.threadCount) {
      this.blas.setThreads(this.threadCount);
      blasThreads = this.threadCount;
    }
  }
}
