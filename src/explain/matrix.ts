/** A matrix as plain rows of numbers, for traces that are printed and serialised to JSON. */
export type Rows = number[][];

export function toRows(data: Float64Array, rows: number, cols: number): Rows {
  return Array.from({ length: rows }, (_, i) => Array.from(data.subarray(i * cols, (i + 1) * cols)));
}

export function fromRows(rows: Rows): Float64Array {
  return Float64Array.from(rows.flat());
}
