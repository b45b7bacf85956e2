import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors';
import { isRunning, removeStaleTemporaries, writeError, writeFileAtomic } from '../io/atomic';
import { saveWeights, type DeferredArrays, type WeightsDocument } from '../io/weights';
import type { EpochMetrics } from './epoch-metrics';
import { runPaths, type RunPaths } from './paths';

/**
 * The files one run writes — weights, checkpoint, metrics, best weights — and the lock that
 * keeps a second run from writing them at the same time. Every write replaces a file whole
 * (writeFileAtomic): a run that fails or is killed leaves each file as it was or complete.
 */
export class RunFiles {
  readonly paths: RunPaths;
  private locked = false;
  private readonly onExit = () => this.release();
  /** The first folder the run had to create for its files, if any: removed again if the run ends having written nothing. */
  private readonly created: string | undefined;

  /** Checks that every output can be written, cleans what killed runs left, and takes the lock. */
  constructor(weightsFile: string) {
    this.paths = runPaths(weightsFile);
    const files = [this.paths.weights, this.paths.checkpoint, this.paths.metrics, this.paths.best];
    for (const file of files) checkNotDirectory(file, file === weightsFile);
    try {
      this.created = mkdirSync(dirname(weightsFile), { recursive: true });
    } catch (error) {
      throw writeError(dirname(weightsFile), error);
    }
    this.lock();
    for (const file of files) removeStaleTemporaries(file);
  }

  /** The metrics file holds one JSON line per epoch trained so far: replaced whole, never emptied. */
  writeMetrics(history: readonly EpochMetrics[]): void {
    writeFileAtomic(this.paths.metrics, history.map((m) => `${JSON.stringify(m)}\n`).join(''));
  }

  save(file: string, doc: WeightsDocument, deferred?: DeferredArrays): void {
    saveWeights(file, doc, deferred);
  }

  /** Gives the lock up (at the end of the run, or when the process exits). */
  release(): void {
    if (!this.locked) return;
    this.locked = false;
    process.off('exit', this.onExit);
    if (readPid(this.paths.lock) === process.pid) rmSync(this.paths.lock, { force: true });
    this.removeEmptyFolders();
  }

  /** A run refused before its first file (a config that does not fit the data) leaves no empty folders behind. */
  private removeEmptyFolders(): void {
    if (this.created === undefined) return;
    const top = resolve(this.created);
    for (let dir = resolve(dirname(this.paths.weights)); dir.startsWith(top); dir = dirname(dir)) {
      try {
        rmdirSync(dir); // only an empty folder goes
      } catch {
        return;
      }
      if (dir === top) return;
    }
  }

  /**
   * The lock file holds the PID of the run writing these files. A lock whose process no longer
   * runs (killed, crashed) is stale and taken over.
   */
  private lock(): void {
    const lock = this.paths.lock;
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(lock, 'wx');
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(lock, error);
        const pid = readPid(lock);
        if (pid !== undefined && isRunning(pid) && pid !== process.pid) {
          throw new UserError(
            `${this.paths.weights}: another nnt run (process ${pid}) is writing this output; wait for it to finish or give another --out (its lock is ${lock})`,
          );
        }
        if (attempt > 2) throw new UserError(`${lock}: cannot take the lock (it keeps coming back); remove it if no run is writing ${this.paths.weights}`);
        rmSync(lock, { force: true }); // stale
      }
    }
    this.locked = true;
    process.on('exit', this.onExit);
  }
}

function readPid(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function checkNotDirectory(file: string, isOut: boolean): void {
  let directory = false;
  try {
    directory = statSync(file).isDirectory();
  } catch {
    return; // does not exist yet: written later
  }
  if (directory) {
    throw new UserError(`${file}: is a directory${isOut ? '; --out (output.weights) names the weights file, e.g. ' + `${file.replace(/\/$/, '')}/weights.json` : ''}`);
  }
}
