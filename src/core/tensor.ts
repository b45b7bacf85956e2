/**
 * A tensor is a flat Float64Array plus a shape, stored row-major (C order):
 * element (i, j) of an N×D tensor is data[i * D + j].
 */
export interface Tensor {
  data: Float64Array;
  shape: number[];
  /** For reused buffers: the (possibly larger) allocation that `data` is a view of. */
  storage?: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: number[], data?: Float64Array | number[]): Tensor {
  const n = sizeOf(shape);
  const buffer = data === undefined ? new Float64Array(n) : Float64Array.from(data);
  if (buffer.length !== n) {
    throw new Error(`tensor of shape ${shapeString(shape)} needs ${n} values, got ${buffer.length}`);
  }
  return { data: buffer, shape: [...shape] };
}

export function shapeString(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Rows and columns of a tensor seen as a matrix: the first axis is the batch, the rest is flattened. */
export function asMatrix(shape: readonly number[]): [rows: number, cols: number] {
  if (shape.length === 0) return [1, 1];
  return [shape[0], sizeOf(shape.slice(1))];
}
