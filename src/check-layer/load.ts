import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { UserError } from '../errors';

/** A class the learner's module exports, with the source text it came from (for line numbers). */
export interface LoadedLayer {
  name: string;
  cls: new (...args: unknown[]) => Record<string, unknown>;
}

export interface LoadedModule {
  file: string;
  source: string;
  layers: LoadedLayer[];
}

/**
 * Loads a learner's CommonJS or ES module (`.js`, `.cjs`, `.mjs`) or a TypeScript one (`.ts`,
 * transpiled with the `typescript` package when it is installed; its line numbers are kept,
 * since type annotations are removed within their lines). Every exported class is a layer.
 */
export async function loadLayerModule(file: string): Promise<LoadedModule> {
  const full = path.resolve(file);
  let source: string;
  try {
    source = fs.readFileSync(full, 'utf8');
  } catch (error) {
    throw new UserError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const exported = await evaluate(full, file, source);
  const layers = Object.entries(exported ?? {})
    .filter(([, v]) => typeof v === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(v)))
    .map(([name, cls]) => ({ name, cls: cls as LoadedLayer['cls'] }));
  if (layers.length === 0) throw new UserError(`${file}: exports no class (write e.g. module.exports = { MulLayer } or export class MulLayer {…})`);
  return { file, source, layers };
}

async function evaluate(full: string, file: string, source: string): Promise<Record<string, unknown>> {
  const isTs = /\.[cm]?ts$/.test(full);
  const code = isTs ? transpile(file, source) : source;
  const esm = /^\s*export\s/m.test(code) || full.endsWith('.mjs');
  try {
    if (!esm) return compileCommonJs(full, code);
    if (isTs) return compileCommonJs(full, transpile(file, source));
    // Hidden from tsc, which would turn a plain import() into require().
    const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, unknown>>;
    return await importEsm(require('node:url').pathToFileURL(full).href);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${file}: cannot be loaded: ${firstLine(error)}${lineIn(error, full)}`);
  }
}

function compileCommonJs(full: string, code: string): Record<string, unknown> {
  const m = new Module(full, module);
  m.filename = full;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(full));
  (m as unknown as { _compile(code: string, file: string): void })._compile(code, full);
  return m.exports as Record<string, unknown>;
}

/** TypeScript to CommonJS, with the `typescript` package if present (nnt does not depend on it at run time). */
function transpile(file: string, source: string): string {
  let ts: typeof import('typescript');
  try {
    ts = require('typescript');
  } catch {
    throw new UserError(`${file}: checking a TypeScript layer needs the typescript package (npm install typescript), or write the layer in JavaScript`);
  }
  return ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 }, fileName: file }).outputText;
}

export function firstLine(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n')[0]}`;
  return String(error);
}

/** " (line N)" for the first stack frame in `full`, or "". */
export function lineIn(error: unknown, full: string): string {
  const n = errorLine(error, full);
  return n === undefined ? '' : ` (line ${n})`;
}

export function errorLine(error: unknown, full: string): number | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const escaped = full.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}:(\\d+):\\d+`).exec(stack) ?? new RegExp(`${escaped}\\n?:?(\\d+)`).exec(stack);
  return m ? Number(m[1]) : undefined;
}
