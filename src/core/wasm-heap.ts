/**
 * The memory of the WebAssembly backend: one shared WebAssembly.Memory, handed out as
 * Float64Array views. Layers allocate their buffers and parameters here, so the kernels
 * work on them in place, without a copy per call.
 *
 * The memory is shared (a SharedArrayBuffer underneath) for two reasons: worker threads can
 * work on the same arrays, and growing it never detaches the views already handed out (a
 * plain memory's old ArrayBuffer goes dead on growth).
 */
const PAGE_BYTES = 65536;
/** 4 GiB, all a 32-bit WebAssembly memory can address; only address space is reserved up front. */
const MAX_PAGES = 65536;
/** Every block starts on a 64-byte boundary (a cache line; vectors are 16 bytes). */
const ALIGN = 64;

export class WasmHeap {
  readonly memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
  /** Every SharedArrayBuffer the memory has shown (a new one after each growth): a view over any of them is ours. */
  private readonly buffers = new Set<ArrayBufferLike>([this.memory.buffer]);
  /** Start of the untouched memory; below it, blocks in use or on a free list. */
  private top = ALIGN;
  /** Blocks whose view was garbage collected, by size in bytes, ready to be handed out again. */
  private readonly free = new Map<number, number[]>();
  private readonly reclaim = new FinalizationRegistry<[offset: number, bytes: number]>(([offset, bytes]) => {
    const list = this.free.get(bytes);
    if (list) list.push(offset);
    else this.free.set(bytes, [offset]);
  });

  /**
   * `length` zeros in the shared memory. The block is reused once the returned array is
   * garbage collected, so keep that array (not only a subarray of it) while you use it.
   */
  alloc(length: number): Float64Array {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`cannot allocate ${length} doubles`);
    return this.block(length * 8, (buffer, offset) => new Float64Array(buffer, offset, length));
  }

  /** `length` zero 32-bit integers in the shared memory, reused like `alloc`'s blocks. */
  allocInt32(length: number): Int32Array {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`cannot allocate ${length} integers`);
    return this.block(length * 4, (buffer, offset) => new Int32Array(buffer, offset, length));
  }

  /** `length` zero bytes in the shared memory, reused like `alloc`'s blocks. */
  allocBytes(length: number): Uint8Array {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`cannot allocate ${length} bytes`);
    return this.block(length, (buffer, offset) => new Uint8Array(buffer, offset, length));
  }

  /** Byte offset of the array in the memory, or −1 when it is not a view of this memory. */
  offsetOf(array: ArrayBufferView): number {
    return this.buffers.has(array.buffer) ? array.byteOffset : -1;
  }

  /** A view, made by `view`, of a zeroed block of `length` bytes; the block is reused once the view is collected. */
  private block<T extends ArrayBufferView>(length: number, view: (buffer: ArrayBufferLike, offset: number) => T): T {
    const bytes = Math.max(ALIGN, Math.ceil(length / ALIGN) * ALIGN);
    let offset = this.free.get(bytes)?.pop();
    const reused = offset !== undefined;
    if (offset === undefined) {
      offset = this.top;
      this.ensure(offset + bytes);
      this.top = offset + bytes;
    }
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    // Memory above the old top was never handed out, and a memory grows zeroed.
    if (reused) new Uint8Array(buffer, offset, length).fill(0);
    const array = view(buffer, offset);
    this.reclaim.register(array, [offset, bytes]);
    return array;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const needPages = Math.ceil((end - have) / PAGE_BYTES);
    // Grow by at least half again, so a run of small allocations does not grow page by page.
    const pages = Math.min(Math.max(needPages, Math.ceil(have / PAGE_BYTES / 2)), MAX_PAGES - have / PAGE_BYTES);
    if (pages < needPages) throw new RangeError(`the WebAssembly memory cannot grow past ${MAX_PAGES * PAGE_BYTES} bytes`);
    this.memory.grow(pages);
    this.buffers.add(this.memory.buffer);
  }
}
