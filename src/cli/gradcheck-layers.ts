import { createKernels, wasmSupport } from '../core/backend';
import type { Kernels } from '../core/kernels';
import { tsKernels } from '../core/ts-kernels';
import { DEFAULT_H, DEFAULT_THRESHOLD } from '../net/gradcheck';
import { checkLayers, layerFactories } from '../net/layer-gradcheck';
import { table } from './format';

interface Options {
  seed: number;
  threshold?: number;
  json?: boolean;
  backend?: 'auto' | 'wasm' | 'native' | 'ts';
  config?: string;
}

/**
 * nnt gradcheck --layers: each layer type alone (input and parameter gradients against
 * central differences), on the TypeScript kernels and every WebAssembly build this engine
 * runs, in one table: a layer × backend grid.
 */
export function run(opts: Options): void {
  const { UserError } = require('../errors') as typeof import('../errors');
  if (opts.config !== undefined) throw new UserError('--layers checks the layer types on their own; it takes no --config');
  const backends = chosenBackends(opts.backend);
  try {
    const rows = checkLayers(backends, opts.seed).map((r) => ({ ...r, passed: r.maxRelError < (opts.threshold ?? DEFAULT_THRESHOLD) }));
    const passed = rows.every((r) => r.passed);
    if (opts.json) {
      console.log(JSON.stringify({ h: DEFAULT_H, threshold: opts.threshold ?? DEFAULT_THRESHOLD, seed: opts.seed, backends: backends.map((k) => k.name), passed, rows }, null, 2));
    } else {
      console.log(`gradient check of every layer type on its own (input and parameter gradients), seed ${opts.seed}, h = ${DEFAULT_H}`);
      const cell = (layer: string, backend: string) => {
        const r = rows.find((x) => x.layer === layer && x.backend === backend)!;
        return `${r.passed ? 'pass' : `FAIL (${r.worst})`} ${r.maxRelError.toExponential(1)}`;
      };
      console.log(table(['layer', 'entries', ...backends.map((k) => k.name)], layerFactories.map((f) => [f.name, String(rows.find((r) => r.layer === f.name)!.checked), ...backends.map((k) => cell(f.name, k.name))])));
      console.log(`max relative error per layer and backend; threshold ${(opts.threshold ?? DEFAULT_THRESHOLD).toExponential(0)}; ${passed ? 'all pass' : 'some FAIL'}`);
    }
    if (!passed) process.exitCode = 1;
  } finally {
    for (const k of backends) k.dispose?.();
  }
}

/** ts and every WebAssembly build this engine runs (one thread: the batches here are tiny), or the one asked for. */
function chosenBackends(backend: Options['backend']): Kernels[] {
  if (backend === 'ts') return [tsKernels];
  if (backend === 'native') {
    const { UserError } = require('../errors') as typeof import('../errors');
    try {
      return [createKernels('native', { threads: 1 })];
    } catch (error) {
      throw new UserError(`backend native: ${(error as Error).message}`);
    }
  }
  const wasm = wasmSupport().map((variant) => createKernels('wasm', { variant, threads: 1 }));
  if (backend === 'wasm') {
    const { UserError } = require('../errors') as typeof import('../errors');
    if (wasm.length === 0) throw new UserError('backend wasm: this JavaScript engine cannot run the WebAssembly kernels');
    return wasm;
  }
  return [tsKernels, ...wasm];
}
