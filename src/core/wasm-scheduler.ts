import os from 'node:os';
import { WorkerPool } from './wasm-pool';

/**
 * When the WebAssembly backend's calls run on more than the calling thread, and on which
 * worker: how many threads a call is worth, starting and waiting for the workers' parts, and
 * the one background job (the next batch's sparse gather) that waits for the first worker.
 *
 * Whether splitting pays at all is measured, not assumed (SplitChooser): on a busy machine a
 * worker thread may wait milliseconds for a core, and two threads become slower than one.
 * A call is cut into the same parts either way (partsFor), so switching never changes a run's
 * results.
 */

/** Below this many multiply-adds a product runs on the calling thread alone: waking a worker would cost more. */
const MIN_WORK_PER_THREAD = 150_000;

export class WasmScheduler {
  private readonly pool?: WorkerPool;
  /** The gather of gatherSparseLater, waiting for the first worker, or running there. */
  private background?: { args: Int32Array; running: boolean };
  readonly chooser?: SplitChooser;

  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    readonly threads: number,
    functions: readonly string[],
    /** Runs a background job on the calling thread (when no worker has taken it). */
    private readonly runHere: (args: Int32Array) => void,
    /** The function number of the background job on a worker. */
    private readonly backgroundFunction: number,
    options: ChooserOptions = {},
    /** The native addon's file, for workers that run its sparse products (WorkerPool). */
    addon?: string,
  ) {
    if (threads > 1) {
      const pool = (this.pool = new WorkerPool(module, memory, threads - 1, functions, addon));
      const lookAtLoad = () => pool.setPolling(!othersBusy(threads));
      lookAtLoad();
      this.chooser = new SplitChooser(options.now, options.windowCalls, lookAtLoad, options.split);
    }
  }

  /** Whether the workers poll while they wait (see WorkerPool.setPolling). */
  get polling(): boolean {
    return this.pool?.polling ?? false;
  }

  /** Whether there are workers at all (so work can be done in the background). */
  get hasWorkers(): boolean {
    return this.pool !== undefined;
  }

  /**
   * Into how many parts a call with this much work (multiply-adds or values), in at most
   * `parts` pieces, is split: fixed by the sizes and the thread count, never by timing, so a
   * kernel whose result depends on its parts (the sparse forward product) stays repeatable.
   */
  partsFor(work: number, parts: number, minWork = MIN_WORK_PER_THREAD): number {
    return this.pool ? Math.max(1, Math.min(this.threads, Math.floor(work / minWork), parts)) : 1;
  }

  /** How many threads run those parts now: partsFor's count, or 1 while the chooser finds splitting slower. */
  threadsFor(work: number, parts: number, minWork = MIN_WORK_PER_THREAD): number {
    const count = this.partsFor(work, parts, minWork);
    return count > 1 && this.chooser!.split(work) ? count : 1;
  }

  /** Starts a call on worker w, once the background job has finished there. */
  start(w: number, fn: number, args: ArrayLike<number>): void {
    if (w === 0 && this.background?.running) {
      this.background = undefined;
      this.pool!.wait(0);
    }
    this.pool!.start(w, fn, args);
  }

  /** Waits for worker w's call; then a waiting background job starts on the first worker. */
  wait(w: number): void {
    this.pool!.wait(w);
    if (w === 0 && this.background && !this.background.running) {
      this.pool!.start(0, this.backgroundFunction, this.background.args);
      this.background.running = true;
    }
  }

  /**
   * A job (its arguments, kept until it is done) to run on the first worker after the next
   * call that splits, or on the calling thread at finish() if none comes first.
   */
  later(args: Int32Array): void {
    this.finish();
    this.background = { args, running: false };
  }

  /** Waits until the background job, if any, is done. */
  finish(): void {
    const job = this.background;
    if (!job) return;
    this.background = undefined;
    if (job.running) this.pool!.wait(0);
    else this.runHere(job.args);
  }

  dispose(): void {
    this.finish();
    this.pool?.dispose();
  }
}

/**
 * Whether processes other than this one keep the cores busy: the load average (runnable
 * threads over the last minute) beyond what this process's own `threads` can account for.
 */
function othersBusy(threads: number): boolean {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const others = os.loadavg()[0] - threads;
  return others > Math.max(0, cores - threads) + 0.5;
}

/** Test hooks of SplitChooser: its clock (ms), window length and first way. */
export interface ChooserOptions {
  now?: () => number;
  windowCalls?: number;
  split?: boolean;
}

/** Calls that split, per measuring window. */
const WINDOW_CALLS = 256;
/** How often the load average is looked at (ms). */
const LOAD_EVERY_MS = 2000;
/** Windows between two probes of the other mode: at first, and at most (after probes it lost by far). */
const PROBE_EVERY = 8, PROBE_EVERY_MAX = 64;
/** A probe is this fraction of a window, and ends early once it has lost by PROBE_GIVE_UP. */
const PROBE_SHARE = 1 / 8, PROBE_GIVE_UP = 2;
/** A probe's way is kept only when it was at least this much faster (a short probe is noisy: no flapping). */
const PROBE_MUST_WIN = 0.9;

/**
 * Decides whether calls that could split over the threads do. It times windows of
 * WINDOW_CALLS such calls, wall clock from the first to the last (so the time the caller
 * spends between calls, and a worker's wait for a core, count), per unit of their work; now
 * and then a shorter window runs the other way (a probe), and the faster way wins. A probe
 * ends early once it is twice as slow as the other way, and one that lost by more than a third
 * makes the next one come twice as late: on a busy machine a split call can wait a whole time
 * slice for a worker's core, so a probe must cost little.
 */
export class SplitChooser {
  /** Mean seconds per unit of work of the last window each way (NaN until measured). */
  private readonly rate = { split: NaN, alone: NaN };
  private probeEvery = PROBE_EVERY;
  // The first probe comes after the first window, not the eighth: a short run should not spend
  // its first seconds on the slower way.
  private windowsSinceProbe = PROBE_EVERY - 1;
  private probing = false;
  private calls = 0;
  private work = 0;
  private start = 0;
  /** Windows run each way (for the bench and --verbose). */
  readonly windows = { split: 0, alone: 0 };
  private lastLoadCheck = -Infinity;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly windowCalls = WINDOW_CALLS,
    /** Called every few seconds (to look at the machine's load). */
    private readonly everyFewSeconds: () => void = () => {},
    /**
     * Split now, or run alone. A run starts alone and probes splitting after its first window:
     * where splitting wins that costs one window, but where it loses (a busy machine, or cores
     * far apart as on some VMs) a first window split cost up to a second, a short run's whole gain.
     */
    public splitting = false,
  ) {}

  /** Counts a call of `work` that could split; returns whether it does. */
  split(work: number): boolean {
    // A window is timed from its first call to the call after its last, so that every call it
    // counts has run (a short probe would otherwise leave out much of its time).
    const now = this.now();
    if (this.calls > 0 && (this.calls >= this.windowLength() || this.probeLost(now))) this.endWindow(now);
    if (this.calls === 0) this.start = now;
    this.calls++;
    this.work += work;
    return this.splitting;
  }

  private windowLength(): number {
    return this.probing ? Math.max(1, this.windowCalls * PROBE_SHARE) : this.windowCalls;
  }

  /** Whether the probe running now is already PROBE_GIVE_UP times slower than the other way. */
  private probeLost(now: number): boolean {
    if (!this.probing) return false;
    const other = this.splitting ? this.rate.alone : this.rate.split;
    return (now - this.start) / this.work > PROBE_GIVE_UP * other;
  }

  private endWindow(now: number): void {
    const mode = this.splitting ? 'split' : 'alone';
    this.rate[mode] = (now - this.start) / this.work;
    if (now - this.lastLoadCheck > LOAD_EVERY_MS) {
      this.lastLoadCheck = now;
      this.everyFewSeconds();
    }
    this.windows[mode]++;
    this.calls = 0;
    this.work = 0;
    if (this.probing) {
      // The probe's way against the last window of the other: keep it if clearly faster.
      this.probing = false;
      const other = this.splitting ? 'alone' : 'split';
      const lostBy = this.rate[mode] / this.rate[other];
      if (!(lostBy < PROBE_MUST_WIN)) this.splitting = !this.splitting;
      this.probeEvery = lostBy > 4 / 3 ? Math.min(PROBE_EVERY_MAX, this.probeEvery * 2) : PROBE_EVERY;
      this.windowsSinceProbe = 0;
    } else if (++this.windowsSinceProbe >= this.probeEvery) {
      this.probing = true;
      this.splitting = !this.splitting;
    }
  }
}

/**
 * Where thread t of `threads` starts in a range of `count` (count for the end of the last):
 * addScaled splits its values there, counting in whole cache lines of eight doubles.
 */
export function splitAt(count: number, t: number, threads: number): number {
  return t >= threads ? Math.ceil(count) : Math.floor((count * t) / threads);
}

/**
 * Where thread t of `threads` starts in a split of `count` lists (with their starts) into
 * ranges holding equal shares of the entries: the first list that starts at or after t/threads
 * of them (count, for the end of the last range).
 */
export function shareStart(start: Int32Array, count: number, t: number, threads: number): number {
  if (t >= threads) return count;
  const target = Math.ceil((start[count] * t) / threads);
  let lo = 0, hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (start[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
