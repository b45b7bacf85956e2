import type { SparseLists, SparseMatrix } from './sparse';
import { WasmHeap } from './wasm-heap';

/**
 * Where the WebAssembly backend's operands are: the kernels read raw addresses in the one
 * shared memory (WasmHeap), so an array is either a view of it (its byte offset is used as is)
 * or copied into a scratch slot that grows to the largest call. A kernel that cannot run on
 * an array from elsewhere runs the TypeScript reference instead: each such slow path is
 * counted (slowPaths), so a slow run can be told from a fast one.
 */
export class WasmPlacement {
  readonly heap = new WasmHeap();
  private readonly scratch: Float64Array[] = [];
  /** The rows of the last gather from a byte array outside the memory, copied in (rowsInMemory). */
  private staged: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  /** Calls that ran the TypeScript reference because an operand was not in the memory, by kernel. */
  readonly slowPaths = new Map<string, number>();

  /** Byte offset of the array in the memory, or −1. */
  offsetOf(array: ArrayBufferView): number {
    return this.heap.offsetOf(array);
  }

  /** Byte offsets of the arrays in the memory, or undefined (counted as a slow path of `kernel`) when one is elsewhere. */
  offsets(kernel: string, ...arrays: ArrayBufferView[]): number[] | undefined {
    const offsets = arrays.map((a) => this.heap.offsetOf(a));
    if (offsets.every((o) => o >= 0)) return offsets;
    this.countSlowPath(kernel);
    return undefined;
  }

  countSlowPath(kernel: string): void {
    this.slowPaths.set(kernel, (this.slowPaths.get(kernel) ?? 0) + 1);
  }

  /** Byte offset of the array in the memory; an array from elsewhere is copied into scratch slot `slot` first. */
  place(array: Float64Array, slot: number, length: number, copyIn: boolean): number {
    const offset = this.heap.offsetOf(array);
    if (offset >= 0) return offset;
    const copy = this.slot(slot, length);
    if (copyIn) copy.set(array.subarray(0, length));
    return copy.byteOffset;
  }

  /** Scratch slot `slot`, at least `length` doubles. */
  slot(slot: number, length: number): Float64Array {
    return grown(this.scratch, slot, length, (n) => this.heap.alloc(n));
  }

  /** Byte offset of a copy of the 256-entry byte-to-double table, in scratch slot `slot`. */
  placeTable(table: Float64Array, slot: number): number {
    checkLength('table', table, 256);
    const t = this.slot(slot, 256);
    for (let b = 0; b < 256; b++) t[b] = table[b];
    return t.byteOffset;
  }

  /** Whether every array of a SparseMatrix is a view of the memory (so the kernels can read it in place). */
  holds(a: SparseMatrix): boolean {
    return this.heap.offsetOf(a.table) >= 0 && this.holdsLists(a.byRow) && this.holdsLists(a.byColumn);
  }

  private holdsLists(l: SparseLists): boolean {
    return this.heap.offsetOf(l.start) >= 0 && this.heap.offsetOf(l.entry) >= 0;
  }

  /**
   * Byte offset of the bytes a gather of rows `ids` (cols bytes each) reads: src itself when it
   * is in the memory; otherwise only those rows, copied into a staging area in their order (ids
   * becomes 0, 1, …), so that a data set read from a file (47 MB for MNIST's training images)
   * is never copied whole. −1 when the memory has no room for them.
   */
  rowsInMemory(src: Uint8Array, ids: Int32Array, rows: number, cols: number): number {
    const offset = this.heap.offsetOf(src);
    if (offset >= 0) return offset;
    if (this.staged.length < rows * cols) {
      try {
        this.staged = this.heap.allocBytes(rows * cols);
      } catch {
        return -1;
      }
    }
    for (let r = 0; r < rows; r++) {
      this.staged.set(src.subarray(ids[r] * cols, (ids[r] + 1) * cols), r * cols);
      ids[r] = r;
    }
    return this.staged.byteOffset;
  }

  /** The row indices of a gather as the i32s the kernels read, in `ids` (grown as needed), each checked to be a row of src. */
  rowIndices(src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number, ids: Int32Array): Int32Array {
    // The kernels read rows through raw addresses: a row outside src would read other arrays.
    const count = Math.floor(src.length / cols);
    if (ids.length < rows) ids = this.heap.allocInt32(rows);
    for (let r = 0; r < rows; r++) {
      const row = indices[start + r];
      if (!(Number.isInteger(row) && row >= 0 && row < count)) throw new RangeError(`gather: row ${row} is not one of the ${count} rows of src`);
      ids[r] = row;
    }
    return ids;
  }
}

/** store[k], replaced by make(length) when it is missing or shorter: scratch that grows to the largest call, then stays. */
export function grown<T extends { length: number }>(store: T[], k: number, length: number, make: (length: number) => T): T {
  if (!(store[k]?.length >= length)) store[k] = make(length);
  return store[k];
}

export function checkLength(what: string, array: ArrayLike<number>, length: number): void {
  // The kernels write through raw addresses: a short array would spill into its neighbours.
  if (array.length < length) throw new RangeError(`${what} has ${array.length} values, the kernel needs ${length}`);
}
