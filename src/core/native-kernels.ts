import type { BlasAddon } from './native';
import type { WasmVariant } from './wasm-module';
import { WasmKernels } from './wasm-kernels';

/** OpenBLAS's thread count is one per process: the count the last call set, so it is set again only on a change. */
let currentBlasThreads = 0;

/**
 * The native backend: the WebAssembly backend (its memory, threads and every other kernel)
 * with its three dense products done by the system's CBLAS dgemm, on the same arrays in
 * place. dgemm sums in its own order (blocks, FMA), so the products differ from the
 * reference by rounding; for a given library, core type and thread count they repeat bit for
 * bit (test/native.test.ts).
 */
export class NativeKernels extends WasmKernels {
  override readonly name: string;

  /** wasmThreads for the WebAssembly kernels (WasmKernels), blasThreads for CBLAS's dgemm. */
  constructor(module: WebAssembly.Module, variant: WasmVariant, wasmThreads: number, private readonly blasThreads: number, private readonly blas: BlasAddon) {
    super(module, variant, wasmThreads);
    if (!Number.isInteger(blasThreads) || blasThreads < 1) throw new RangeError(`threads must be a positive integer, got ${blasThreads}`);
    this.useThreads();
    const [library, ...config] = blas.library().split(' ');
    const core = library === 'openblas' ? `-${config[config.length - 1]}` : '';
    this.name = `native-${library}${core} ${count(blasThreads)}, wasm-${variant} ${count(wasmThreads)} for the rest`;
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
    if (currentBlasThreads !== this.blasThreads) {
      this.blas.setThreads(this.blasThreads);
      currentBlasThreads = this.blasThreads;
    }
  }
}

function count(threads: number): string {
  return `×${threads} thread${threads > 1 ? 's' : ''}`;
}
