import { UserError } from '../errors';
import type { LoadedLayer } from './load';

/** What a layer class says about itself: forward's inputs, and the arrays its constructor takes. */
export interface LayerDescription {
  /** forward's arguments in order, each with its shape ([] = a number). */
  inputs: { name: string; shape: number[] }[];
  /** The constructor's arguments in order: learned arrays kept as this.NAME, whose gradients backward stores in this.dNAME. */
  params: { name: string; shape: number[] }[];
}

/**
 * Reads `static inputs = { x: [2, 3] }` and `static params = { W: [3, 4], b: [4] }` from the
 * class. Without `static inputs`, every parameter of forward is a number (MulLayer's
 * forward(x, y)); without `static params`, the constructor takes no arguments.
 */
export function describeLayer(layer: LoadedLayer, file: string, forward: (...args: unknown[]) => unknown): LayerDescription {
  const cls = layer.cls as unknown as { inputs?: unknown; params?: unknown };
  const inputs = cls.inputs === undefined ? parameterNames(forward).map((name) => ({ name, shape: [] as number[] })) : shapes(cls.inputs, `${layer.name}.inputs`, file);
  if (inputs.length === 0) throw new UserError(`${file}: ${layer.name}.forward takes no arguments; name them (forward(x, y)) or describe them: static inputs = { x: [2, 3] }`);
  const params = cls.params === undefined ? [] : shapes(cls.params, `${layer.name}.params`, file);
  return { inputs, params };
}

function shapes(value: unknown, field: string, file: string): { name: string; shape: number[] }[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`${file}: static ${field} must be an object of shapes, e.g. { x: [2, 3] }`);
  }
  return Object.entries(value).map(([name, shape]) => {
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n > 0)) {
      throw new UserError(`${file}: static ${field}.${name} must be a shape: [] for a number, [3] for 3 numbers, [2, 3] for a 2×3 array`);
    }
    return { name, shape: shape as number[] };
  });
}

/** The names in a function's parameter list, from its source: forward(x, y) → ['x', 'y']. */
export function parameterNames(fn: (...args: unknown[]) => unknown): string[] {
  const text = Function.prototype.toString.call(fn);
  const m = /^[^(]*\(([^)]*)\)/.exec(text);
  if (!m) return [];
  return m[1]
    .replace(/\/\*.*?\*\/|\/\/.*$/gm, '')
    .split(',')
    .map((p) => p.trim().split(/[\s=:]/)[0])
    .filter((p) => /^[A-Za-z_$][\w$]*$/.test(p));
}

/** The line where `name(` is defined as a method in `source`, preferring the one after `class ClassName`. */
export function methodLine(source: string, className: string, name: string): number | undefined {
  const lines = source.split('\n');
  const start = Math.max(0, lines.findIndex((l) => new RegExp(`class\\s+${className}\\b`).test(l)));
  const def = new RegExp(`^\\s*(?:async\\s+)?${name.replace(/\$/g, '\\$')}\\s*\\(`);
  for (let i = start; i < lines.length; i++) if (def.test(lines[i])) return i + 1;
  return undefined;
}

/** Edit distance, for "did you mean forward?". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}
