import type { Kernels } from '../core/kernels';
import type { Rng } from '../core/rng';
import { UserError } from '../errors';
import { decodeArray, encodeArray, type ArrayEncoder, type EncodedArray } from '../io/weights';
import type { Network } from '../net/network';
import type { Optimizer } from '../optim/optimizer';
import type { EarlyStopping, EarlyStoppingState } from './early-stopping';
import type { EpochMetrics } from './epoch-metrics';

/** Where a run stands: what a checkpoint saves so a resumed run continues bit for bit. */
export interface Progress {
  epoch: number; // 0-based epoch in progress
  batch: number; // batches of it already done
  step: number; // batches done in the whole run
  dataRngAtEpochStart: number[];
  lossSum: number;
  correct: number;
  seen: number;
  seconds: number;
  history: EpochMetrics[];
}

/** A checkpoint's `checkpoint` section: where the run stands, and the state of everything that draws or remembers. */
export interface Checkpoint extends Progress {
  /** The generator of the initial weights, which draws the dropout masks. */
  modelRng: number[];
  optimizer: { type: string; step: number; buffers: EncodedArray[] };
  earlyStopping: EarlyStoppingState | null;
  /** The backend (Kernels.name) and thread count that trained the run; absent in older checkpoints. */
  backend?: string;
  threads?: number;
}

/**
 * The states a checkpoint saves beside the run's progress. The optimizer's buffers are
 * encoded from its own arrays (`encode`: see DeferredArrays), not from copies.
 */
export function stateOf(
  modelRng: Rng, optimizer: Optimizer, stopper: EarlyStopping | undefined, kernels: Kernels, encode: ArrayEncoder = encodeArray,
): Omit<Checkpoint, keyof Progress> {
  const { step, buffers } = optimizer.getState(true);
  return {
    backend: kernels.name,
    threads: kernels.threadCount ?? 1,
    modelRng: modelRng.getState(),
    optimizer: { type: optimizer.name, step, buffers: Object.entries(buffers).map(([name, b]) => encode(name, [b.length], b)) },
    earlyStopping: stopper?.getState() ?? null,
  };
}

/** Puts the generator, optimizer and early-stopping states back as the checkpoint saved them; returns where the run stands. */
export function restore(
  checkpoint: Checkpoint,
  where: string,
  into: { net: Network; modelRng: Rng; optimizer: Optimizer; stopper: EarlyStopping | undefined; batches: number; epochs: number },
): Progress {
  const { modelRng, optimizer, earlyStopping, backend, threads, ...progress } = checkpoint;
  if (!modelRng || !optimizer) throw new UserError(`${where}: the checkpoint has no random-generator or optimizer state (written by an older nnt?)`);
  checkPlace(progress, into.batches, where);
  if (optimizer.type !== into.optimizer.name) {
    throw new UserError(`${where}: the checkpoint holds ${optimizer.type} optimizer state, but its config trains with ${into.optimizer.name}`);
  }
  try {
    into.modelRng.setState(modelRng);
    const buffers: Record<string, Float64Array> = {};
    for (const b of optimizer.buffers) buffers[b.name] = decodeArray(b, where);
    into.optimizer.setState({ step: optimizer.step, buffers }, into.net.params());
    if (into.stopper && earlyStopping) into.stopper.setState(earlyStopping);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${where}: the checkpoint's state does not fit its network: ${(error as Error).message}`);
  }
  return progress;
}

/** The checkpoint's place in the run must be one this run's data has: its fields are checked one by one when read (weights-schema). */
function checkPlace(p: Progress, batches: number, where: string): void {
  if (p.batch >= batches) {
    throw new UserError(`${where}: checkpoint.batch is ${p.batch}, but an epoch of this data has ${batches} batches (0..${batches - 1})`);
  }
  if ((p.batch === 0) !== (p.seen === 0)) throw new UserError(`${where}: checkpoint.seen is ${p.seen} after ${p.batch} batches of the epoch`);
  if (p.step !== p.epoch * batches + p.batch) {
    throw new UserError(`${where}: checkpoint.step is ${p.step}, but epoch ${p.epoch} batch ${p.batch} of ${batches}-batch epochs is step ${p.epoch * batches + p.batch}`);
  }
}
