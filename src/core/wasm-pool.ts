import os from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Worker threads that run calls of the kernel module on the shared memory, one call at a
 * time each. The calling thread writes a function number and its integer arguments into a
 * small shared control block, bumps a request counter and notifies; the worker runs the
 * call on its own instance of the module (same memory) and bumps a done counter.
 *
 * A worker that has finished a call polls for the next one for about a millisecond, then
 * sleeps in Atomics.wait; the caller, once its own part is done, polls for the workers'
 * parts likewise before it sleeps. With more threads than cores, a polling thread would
 * take a core from one with work, so then nobody polls: each sleeps at once; and likewise
 * while the machine is busy with other processes (setPolling, see WasmScheduler).
 */
const ARGS = 14;
/** Per worker: request counter, done counter, failure flag, function number, polls before sleeping, arguments. */
const SLOT = 5 + ARGS;
const REQUEST = 0, DONE = 1, FAILED = 2, FUNCTION = 3, POLLS = 4, FIRST_ARG = 5;
const QUIT = -1;
/** Polls of the caller for the workers' parts before it sleeps (about a quarter of a millisecond). */
const SPINS = 20000;
/**
 * Polls of an idle worker for its next call before it sleeps (about a millisecond). In
 * training the calls come tens of microseconds apart, and waking a sleeping thread was
 * measured to cost about as much again (more in a virtual machine): a worker that has just
 * finished keeps its core for the next call, then gives it up if none comes.
 */
const WORKER_SPINS = 100000;

/** Plain JavaScript run in each worker (eval), so it works the same from src (ts-node/jest) and dist. */
const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, slot, functions, addon } = workerData;
const c = new Int32Array(control, slot * ${SLOT} * 4, ${SLOT});
// The native addon's sparse products on views of the memory (byte offsets and lengths), when it is given.
const native = {};
if (addon) {
  try {
    const blas = require(addon);
    native.native_list_products = (s, sn, e, en, from, to, size, t, b, bn, cc, cn, n, fused) => {
      const buffer = memory.buffer;
      blas.listProducts(new Int32Array(buffer, s, sn), new Int32Array(buffer, e, en), from, to, size, new Float64Array(buffer, t, 256),
        new Float64Array(buffer, b, bn), new Float64Array(buffer, cc, cn), n, fused === 1);
    };
  } catch {} // a call of it then fails through the flag, as any other failed call does
}
let table;
try {
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  table = functions.map((name) => exports[name] ?? native[name]);
} catch {}
let seen = 0;
for (;;) {
  for (let spin = c[${POLLS}]; Atomics.load(c, ${REQUEST}) === seen && spin > 0; spin--);
  while (Atomics.load(c, ${REQUEST}) === seen) Atomics.wait(c, ${REQUEST}, seen);
  seen = Atomics.load(c, ${REQUEST});
  const fn = c[${FUNCTION}];
  if (fn === ${QUIT}) break;
  // A failure is reported through the flag: the caller is blocked and cannot see events.
  try {
    table[fn](${Array.from({ length: ARGS }, (_, i) => `c[${FIRST_ARG + i}]`).join(', ')});
  } catch {
    c[${FAILED}] = 1;
  }
  Atomics.store(c, ${DONE}, seen);
  Atomics.notify(c, ${DONE});
}
`;

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly control: Int32Array;
  private disposed = false;

  /** Whether threads can poll before they sleep: only when the caller and the workers fit on the cores. */
  private readonly canPoll: boolean;
  /** Whether they do now (see setPolling). */
  private polls: boolean;

  /**
   * `functions` names the exports that `start` can call, by their index in this list; with
   * `addon` (the native addon's file), also native_list_products, its listProducts on the memory.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, size: number, functions: readonly string[], addon?: string) {
    this.canPoll = this.polls = size + 1 <= (os.availableParallelism?.() ?? os.cpus().length);
    const control = new SharedArrayBuffer(size * SLOT * 4);
    this.control = new Int32Array(control);
    this.setPolling(true);
    for (let slot = 0; slot < size; slot++) {
      const worker = new Worker(workerSource, { eval: true, workerData: { module, memory, control, slot, functions, addon } });
      // Training ends when the caller is done; idle workers must not keep the process alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Turns polling off (every thread sleeps as soon as it waits), e.g. when other processes keep
   * the cores busy and a polling thread would take one from them, or back on where it can be.
   */
  setPolling(on: boolean): void {
    this.polls = on && this.canPoll;
    for (let w = 0; w * SLOT < this.control.length; w++) Atomics.store(this.control, w * SLOT + POLLS, this.polls ? WORKER_SPINS : 0);
  }

  get polling(): boolean {
    return this.polls;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts functions[fn](...args) on worker w and returns at once. */
  start(w: number, fn: number, args: ArrayLike<number>): void {
    if (this.disposed) throw new Error('the worker pool has been disposed');
    const c = this.control, base = w * SLOT;
    c[base + FUNCTION] = fn;
    for (let i = 0; i < args.length; i++) c[base + FIRST_ARG + i] = args[i];
    Atomics.add(c, base + REQUEST, 1);
    Atomics.notify(c, base + REQUEST);
  }

  /** Blocks until worker w has finished the call it was last given. */
  wait(w: number): void {
    const c = this.control, base = w * SLOT;
    const request = Atomics.load(c, base + REQUEST);
    for (let spin = this.polls ? SPINS : 0; Atomics.load(c, base + DONE) !== request && spin > 0; spin--);
    for (let done; (done = Atomics.load(c, base + DONE)) !== request; ) Atomics.wait(c, base + DONE, done);
    if (c[base + FAILED]) throw new Error(`kernel worker thread ${w + 1} failed`);
  }

  dispose(): void {
    if (this.disposed) return;
    for (let w = 0; w < this.workers.length; w++) this.start(w, QUIT, []);
    this.disposed = true;
    for (const worker of this.workers) void worker.terminate();
  }
}
