/**
 * A learner's layer works on plain JavaScript values, as the book's layers work on numpy
 * arrays: a number, or (nested) arrays of numbers. These helpers read and build them.
 */
export type Value = number | Value[] | Float64Array | Float32Array;

/** The shape of a value: [] for a number, [2, 3] for two arrays of three numbers; undefined if it is not a proper array of numbers. */
export function shapeOf(v: unknown): number[] | undefined {
  if (typeof v === 'number') return [];
  if (v instanceof Float64Array || v instanceof Float32Array) return [v.length];
  if (!Array.isArray(v)) return undefined;
  if (v.length === 0) return [0];
  const inner = shapeOf(v[0]);
  if (!inner) return undefined;
  for (const item of v) {
    const s = shapeOf(item);
    if (!s || s.join() !== inner.join()) return undefined;
  }
  return [v.length, ...inner];
}

export function flatten(v: Value): number[] {
  if (typeof v === 'number') return [v];
  return Array.from(v as ArrayLike<Value>).flatMap((x) => flatten(x));
}

/** A value of `shape` filled from `values` in row-major order (a number for shape []). */
export function build(shape: number[], values: ArrayLike<number>, offset = 0): Value {
  if (shape.length === 0) return values[offset];
  const [n, ...rest] = shape;
  const step = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => build(rest, values, offset + i * step));
}

/** Writes flat entry i of an array value (a number cannot be written in place: use build). */
export function setEntry(v: Value, shape: number[], i: number, x: number): void {
  const { node, last } = innermost(v, shape, i);
  node[last] = x;
}

export function getEntry(v: Value, shape: number[], i: number): number {
  if (shape.length === 0) return v as number;
  const { node, last } = innermost(v, shape, i);
  return node[last] as number;
}

/** The innermost array that holds flat entry i of a nested array value, and i's index in it. */
function innermost(v: Value, shape: number[], i: number): { node: { [k: number]: unknown }; last: number } {
  let node = v as unknown as { [k: number]: unknown };
  let rest = i;
  for (let d = 0; d < shape.length - 1; d++) {
    const step = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    node = node[Math.floor(rest / step)] as typeof node;
    rest %= step;
  }
  return { node, last: rest };
}

export function deepCopy(v: Value): Value {
  if (typeof v === 'number') return v;
  if (v instanceof Float64Array || v instanceof Float32Array) return v.slice();
  return (v as Value[]).map(deepCopy);
}

export function shapeText(shape: number[]): string {
  return shape.length === 0 ? 'a number' : `shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

export function sizeOfShape(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
