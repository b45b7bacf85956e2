import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Kernels } from './kernels';
import { tsKernels } from './ts-kernels';
import { WasmKernels } from './wasm-kernels';

export type BackendName = 'auto' | 'wasm' | 'ts';

/** The two builds of wasm/kernels.wat: with fused multiply-add, and with a separate multiply and add. */
export type WasmVariant = 'relaxed-simd' | 'simd';

export interface BackendOptions {
  /** Threads for the matrix products, the caller's included (default: the number of cores; 1 = no workers). */
  threads?: number;
  /** Force the plain-SIMD module even where fused multiply-add (relaxed SIMD) is available. */
  variant?: WasmVariant;
}

/**
 * The kernels to build a network on. `ts` is the readable reference; `wasm` is WebAssembly
 * SIMD with fused multiply-add when the engine has relaxed SIMD, plain SIMD otherwise, and
 * throws when neither works; `auto` is `wasm` when it works, `ts` otherwise. The result's
 * `name` says what was picked, e.g. "wasm-relaxed-simd ×2 threads". Call `dispose()` on it
 * (when present) to stop its worker threads early; they never keep the process alive.
 */
export function createKernels(name: BackendName = 'auto', options: BackendOptions = {}): Kernels {
  if (name === 'ts') return tsKernels;
  if (name !== 'wasm' && name !== 'auto') throw new RangeError(`unknown backend "${name}" (expected auto, wasm or ts)`);
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  try {
    const { module, variant } = loadKernelModule(options.variant);
    return new WasmKernels(module, variant, threads);
  } catch (error) {
    if (name === 'wasm') throw error;
    return tsKernels;
  }
}

export function defaultThreads(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
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

function loadKernelModule(wanted?: WasmVariant): { module: WebAssembly.Module; variant: WasmVariant } {
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
function readModule(variant: WasmVariant): Uint8Array | undefined {
  const file = `kernels-${variant}.wasm`;
  for (const dir of [join(__dirname, '..', 'wasm'), join(__dirname, '..', '..', 'dist', 'wasm')]) {
    const path = join(dir, file);
    if (existsSync(path)) return readFileSync(path);
  }
  return undefined;
}
