import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The compiled kernels of wasm/kernels.wat: finding the built module, checking that this
 * engine runs it, and the shape of its exports (all addresses are byte offsets into the memory).
 */

/** The two builds of wasm/kernels.wat: with fused multiply-add, and with a separate multiply and add. */
export type WasmVariant = 'relaxed-simd' | 'simd';

export interface KernelExports {
  gemm(
    a: number, ars: number, aqs: number, b: number, bqs: number, bjs: number, c: number, crs: number,
    r0: number, r1: number, nq: number, n: number, scratch: number,
  ): void;
  /** Bytes of scratch a gemm call over nq terms into n columns needs. */
  gemm_scratch(nq: number, n: number): number;
  sparse_matmul(start: number, entry: number, table: number, k0: number, k1: number, b: number, bqs: number, c: number, crs: number, n: number): void;
  max_unsigned(p: number, count: number): number;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  add_row_vector(x: number, bias: number, rows: number, cols: number): void;
  column_sums(x: number, out: number, rows: number, cols: number): void;
  add_scaled(y: number, x: number, alpha: number, n: number): void;
  add_scaled_bits(y: number, x: number, alphaLow: number, alphaHigh: number, n: number): void;
  momentum_step(w: number, g: number, s: number, k: number, n: number): void;
  nesterov_step(w: number, g: number, s: number, k: number, n: number): void;
  adagrad_step(w: number, g: number, s: number, k: number, n: number): void;
  rmsprop_step(w: number, g: number, s: number, k: number, n: number): void;
  adam_step(w: number, g: number, s: number, t: number, k: number, n: number): void;
  relu_forward(x: number, y: number, n: number): void;
  relu_backward(y: number, dy: number, dx: number, n: number): void;
  sigmoid_forward(x: number, y: number, n: number): void;
  softmax_rows(x: number, out: number, rows: number, cols: number, stats: number): void;
  sigmoid_backward(y: number, dy: number, dx: number, n: number): void;
  apply_mask(x: number, mask: number, y: number, n: number): void;
  bn_stats(x: number, mean: number, variance: number, rows: number, cols: number): void;
  bn_normalize(
    x: number, mean: number, std: number, gamma: number, beta: number, xc: number, xn: number, out: number, rows: number, cols: number,
  ): void;
  bn_backward(
    dy: number, xc: number, xn: number, gamma: number, std: number, dgamma: number, dbeta: number, sums: number, dx: number,
    rows: number, cols: number, trained: number,
  ): void;
  gather_rows(src: number, indices: number, rows: number, cols: number, table: number, out: number): void;
  im2col(x: number, col: number, n: number, c: number, h: number, w: number, fh: number, fw: number, stride: number, pad: number): void;
  im2col_transposed(x: number, colT: number, n: number, c: number, h: number, w: number, fh: number, fw: number, stride: number, pad: number): void;
  col2im(col: number, x: number, n: number, c: number, h: number, w: number, fh: number, fw: number, stride: number, pad: number): void;
  max_pool_forward(
    x: number, out: number, argmax: number, p0: number, p1: number, h: number, w: number, fh: number, fw: number, stride: number, pad: number,
  ): void;
  max_pool_backward(dout: number, argmax: number, dx: number, outputs: number, lo: number, size: number): void;
  max_pool_2x2(x: number, out: number, argmax: number, p0: number, p1: number, h: number, w: number): void;
  max_pool_2x2_backward(dout: number, argmax: number, dx: number, p0: number, p1: number, h: number, w: number): void;
  avg_pool_forward(x: number, out: number, p0: number, p1: number, h: number, w: number, fh: number, fw: number, stride: number, pad: number): void;
  avg_pool_backward(dout: number, dx: number, p0: number, p1: number, h: number, w: number, fh: number, fw: number, stride: number, pad: number): void;
  count_bytes(src: number, rows: number, cols: number): number;
  list_bytes(src: number, rows: number, cols: number, starts: number, entries: number, n0: number): number;
  gather_lists(
    starts: number, entries: number, indices: number, rows: number, cols: number,
    rowStart: number, rowEntry: number, next: number, colStart: number, colEntry: number,
  ): void;
}

/** Which WebAssembly kernel modules this engine can run, best first. */
export function wasmSupport(): WasmVariant[] {
  const supported: WasmVariant[] = [];
  for (const variant of ['relaxed-simd', 'simd'] as const) {
    const bytes = readModule(variant);
    if (bytes && validate(bytes, variant)) supported.push(variant);
  }
  return supported;
}

/** The best module this engine runs (or the one wanted); throws when there is none. */
export function loadKernelModule(wanted?: WasmVariant): { module: WebAssembly.Module; variant: WasmVariant } {
  const variants: WasmVariant[] = wanted ? [wanted] : ['relaxed-simd', 'simd'];
  for (const variant of variants) {
    const bytes = readModule(variant);
    if (bytes === undefined) throw new Error(`dist/wasm/kernels-${variant}.wasm is missing: run npm run build`);
    if (validate(bytes, variant)) return { module: new WebAssembly.Module(bytes), variant };
  }
  throw new Error(`this JavaScript engine cannot run WebAssembly ${variants.join(' or ')} with shared memory`);
}

/**
 * Feature detection on the module itself. Node 20 has relaxed SIMD behind a V8 flag, which
 * may be turned on at run time as long as it is before the module is compiled.
 */
function validate(bytes: Uint8Array, variant: WasmVariant): boolean {
  if (WebAssembly.validate(bytes)) return true;
  if (variant !== 'relaxed-simd') return false;
  try {
    (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(bytes);
}

/** The built module, found from src/core (tests, ts-node) or dist/core (the package). */
function readModule(variant: WasmVariant): Uint8Array<ArrayBuffer> | undefined {
  const file = `kernels-${variant}.wasm`;
  for (const dir of [join(__dirname, '..', 'wasm'), join(__dirname, '..', '..', 'dist', 'wasm')]) {
    const path = join(dir, file);
    if (existsSync(path)) return new Uint8Array(readFileSync(path));
  }
  return undefined;
}
