import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../io/config-schema';
import { runPaths } from '../train/paths';
import type { BatchProgress, EpochMetrics } from '../train/trainer';
import type { WorkerInput } from './train-worker';

export type TrainingState = 'idle' | 'running' | 'stopping' | 'stopped' | 'finished' | 'failed';

export interface TrainingStatus {
  state: TrainingState;
  message: string | null;
  /** The run's files: what `start` writes and `resume` continues from. */
  weights: string;
  checkpoint: string;
  /** Whether a checkpoint exists to resume from. */
  canResume: boolean;
  epochs: number | null;
  /** Counts state changes: a page that gets them by two routes (its request's answer, the event stream) keeps the latest. */
  revision: number;
}

/** A point of the per-batch chart: the running loss and accuracy of the epoch so far. */
export interface BatchPoint {
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
}

/** Keeps the per-batch chart's memory bounded on long runs. */
const MAX_BATCH_POINTS = 5000;

export interface TrainingListener {
  status(status: TrainingStatus): void;
  batch(point: BatchPoint): void;
  epoch(metrics: EpochMetrics): void;
  values(values: Float64Array[]): void;
  /** Settings the trainer allows but finds odd (a batch larger than the data, …). */
  warning(message: string): void;
}

/**
 * One training run at a time, in a worker thread. Start, stop (the trainer checkpoints, as on
 * Ctrl-C) and resume from that checkpoint; the history is kept so a page that (re)connects
 * sees the whole chart.
 */
export class TrainingSession {
  private worker?: Worker;
  private stopFlag?: Int32Array;
  private finished?: Promise<void>;
  private state: TrainingState = 'idle';
  private message: string | null = null;
  private epochs: number | null = null;
  private revision = 0;
  private batchesPerEpoch = 1;
  readonly batchPoints: BatchPoint[] = [];
  readonly epochMetrics: EpochMetrics[] = [];

  constructor(
    readonly config: Config,
    private readonly where: string,
    private readonly listener: TrainingListener,
  ) {}

  status(): TrainingStatus {
    const paths = runPaths(this.config.output.weights);
    return {
      state: this.state,
      message: this.message,
      weights: paths.weights,
      checkpoint: paths.checkpoint,
      // A finished run's checkpoint has nothing left to train at the same length.
      canResume: !this.busy && this.state !== 'finished' && existsSync(paths.checkpoint),
      epochs: this.epochs,
      revision: this.revision,
    };
  }

  get busy(): boolean {
    return this.state === 'running' || this.state === 'stopping';
  }

  /** Starts a run, or resumes the run's checkpoint. Returns an error message instead when one is running. */
  start(resume: boolean): string | undefined {
    if (this.busy) return 'a training run is already going; stop it first (one run at a time)';
    const checkpoint = runPaths(this.config.output.weights).checkpoint;
    if (resume && !existsSync(checkpoint)) return `there is no checkpoint to resume (${checkpoint})`;
    if (!resume) {
      this.batchPoints.length = 0;
      this.epochMetrics.length = 0;
    }
    const stop = new SharedArrayBuffer(4);
    this.stopFlag = new Int32Array(stop);
    const input: WorkerInput = { config: this.config, where: this.where, resume: resume ? checkpoint : undefined, stop };
    const worker = new Worker(join(__dirname, 'train-worker.js'), { workerData: input });
    this.worker = worker;
    this.setState('running', resume ? `resuming from ${checkpoint}` : 'training');
    this.finished = new Promise((resolve) => {
      worker.on('message', (m) => this.onMessage(m));
      worker.on('error', (error) => this.setState('failed', error.message));
      worker.on('exit', () => {
        if (this.busy) this.setState('failed', 'the training worker ended without a result');
        this.worker = undefined;
        resolve();
      });
    });
    return undefined;
  }

  /** Asks the run to stop after its current batch; resolves when the worker has written its checkpoint and ended. */
  async stop(): Promise<void> {
    if (!this.busy || !this.stopFlag) return;
    Atomics.store(this.stopFlag, 0, 1);
    this.setState('stopping', 'stopping after this batch');
    await this.finished;
  }

  private onMessage(m: { type: string; [key: string]: unknown }): void {
    switch (m.type) {
      case 'start':
        this.epochs = m.epochs as number;
        this.batchesPerEpoch = m.batches as number;
        break;
      case 'batch': {
        const p = m.progress as BatchProgress;
        const point = { step: (p.epoch - 1) * this.batchesPerEpoch + p.batch, epoch: p.epoch, loss: p.loss, accuracy: p.accuracy };
        this.batchPoints.push(point);
        if (this.batchPoints.length > MAX_BATCH_POINTS) this.batchPoints.splice(0, this.batchPoints.length - MAX_BATCH_POINTS);
        this.listener.batch(point);
        break;
      }
      case 'epoch':
        this.epochMetrics.push(m.metrics as EpochMetrics);
        this.listener.epoch(m.metrics as EpochMetrics);
        break;
      case 'values':
        this.listener.values(m.values as Float64Array[]);
        break;
      case 'done': {
        const status = m.status as string;
        const state: TrainingState = status === 'interrupted' ? 'stopped' : status === 'diverged' ? 'failed' : 'finished';
        const paths = m.paths as { weights: string };
        this.setState(state, (m.message as string | null) ?? `weights saved to ${paths.weights}`);
        break;
      }
      case 'warning':
        this.listener.warning(m.message as string);
        break;
      case 'error':
        this.setState('failed', m.message as string);
        break;
    }
  }

  private setState(state: TrainingState, message: string | null): void {
    this.state = state;
    this.message = message;
    this.revision++;
    this.listener.status(this.status());
  }
}
