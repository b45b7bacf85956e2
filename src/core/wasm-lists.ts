import { checkSparseRoom, type SparseMatrix } from './sparse';
import type { KernelExports } from './wasm-module';
import type { WasmPlacement } from './wasm-placement';

/**
 * The sparse gather's data in the WebAssembly memory. The first time a byte matrix (the
 * training images) is seen, the nonzero bytes of every row are listed once (list_bytes), and
 * that list is kept while the matrix lives: each batch then copies its rows' lists and sorts
 * them by column (gather_lists), instead of finding the nonzero bytes of 100 images again.
 * MNIST's 60,000 training images take 36 MB listed, where a copy would take 47.
 */

/** Byte matrices are listed (list_bytes) through a copy of this many bytes at a time, when they are not in the memory. */
const LIST_CHUNK_BYTES = 1 << 22;

/** A byte matrix listed by list_bytes: row r's entries (column·256 + byte) are entries[starts[r] .. starts[r + 1]). */
export interface ListedBytes {
  readonly cols: number;
  readonly starts: Int32Array;
  readonly entries: Int32Array;
}

/** A gather's scratch: its row indices, an i32 per column, the listing it reads, and the arguments of its gather_lists call. */
export interface GatherScratch {
  ids: Int32Array;
  columns: Int32Array;
  listed?: ListedBytes;
  readonly args: Int32Array;
}

export function newGatherScratch(): GatherScratch {
  return { ids: new Int32Array(0), columns: new Int32Array(0), args: new Int32Array(14) };
}

export class ByteLists {
  /** Byte matrices listed for gatherSparse, by the array given, kept while it lives. */
  private readonly listed = new WeakMap<Uint8Array, ListedBytes>();

  constructor(
    private readonly wasm: KernelExports,
    private readonly place: WasmPlacement,
  ) {}

  /**
   * Checks a sparse gather and readies it: the arguments of gather_lists in scratch.args,
   * with the row indices copied into scratch.ids, and out.rows, out.cols and out.table set;
   * undefined when it cannot run here (out or the list of src not in the memory).
   */
  gatherCall(
    src: Uint8Array, indices: ArrayLike<number>, start: number, rows: number, cols: number,
    table: Float64Array, out: SparseMatrix, scratch: GatherScratch,
  ): Int32Array | undefined {
    checkSparseRoom(out, rows, cols, table);
    const listed = this.place.holds(out) ? this.listedBytes(src, cols) : undefined;
    if (!listed) return undefined;
    const ids = (scratch.ids = this.place.rowIndices(src, indices, start, rows, cols, scratch.ids));
    scratch.listed = listed;
    if (scratch.columns.length < cols) scratch.columns = this.place.heap.allocInt32(cols);
    const { byRow, byColumn } = out;
    out.table.set(table.subarray(0, 256));
    out.rows = rows;
    out.cols = cols;
    const a = scratch.args;
    a[0] = listed.starts.byteOffset; a[1] = listed.entries.byteOffset; a[2] = ids.byteOffset; a[3] = rows; a[4] = cols;
    a[5] = byRow.start.byteOffset; a[6] = byRow.entry.byteOffset; a[7] = scratch.columns.byteOffset;
    a[8] = byColumn.start.byteOffset; a[9] = byColumn.entry.byteOffset;
    return a;
  }

  /** gather_lists on the calling thread, with the arguments gatherCall readied. */
  run(a: Int32Array): void {
    this.wasm.gather_lists(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
  }

  /**
   * The nonzero bytes of each row of src (cols bytes a row), listed in the memory; undefined
   * when the memory has no room. A src from outside the memory is listed through a copy of a
   * few megabytes at a time.
   */
  private listedBytes(src: Uint8Array, cols: number): ListedBytes | undefined {
    const known = this.listed.get(src);
    if (known?.cols === cols) return known;
    const heap = this.place.heap;
    const count = cols > 0 ? Math.floor(src.length / cols) : 0;
    const offset = heap.offsetOf(src);
    const chunkRows = offset >= 0 ? count : Math.max(1, Math.floor(LIST_CHUNK_BYTES / Math.max(1, cols)));
    try {
      const chunk = offset >= 0 ? src : heap.allocBytes(Math.min(count, chunkRows) * cols);
      const eachChunk = (work: (address: number, r0: number, rows: number) => void) => {
        for (let r0 = 0; r0 < count; r0 += chunkRows) {
          const rows = Math.min(chunkRows, count - r0);
          if (offset < 0) chunk.set(src.subarray(r0 * cols, (r0 + rows) * cols));
          work(offset >= 0 ? offset + r0 * cols : chunk.byteOffset, r0, rows);
        }
      };
      let total = 0;
      eachChunk((address, _r0, rows) => { total += this.wasm.count_bytes(address, rows, cols); });
      const listed: ListedBytes = { cols, starts: heap.allocInt32(count + 1), entries: heap.allocInt32(total) };
      let n = 0;
      eachChunk((address, r0, rows) => {
        n = this.wasm.list_bytes(address, rows, cols, listed.starts.byteOffset + 4 * r0, listed.entries.byteOffset, n);
      });
      this.listed.set(src, listed);
      return listed;
    } catch (e) {
      if (e instanceof RangeError) return undefined;
      throw e;
    }
  }
}
