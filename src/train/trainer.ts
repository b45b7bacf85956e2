import { appendFileSync } from 'node:fs';
import type { Kernels } from '../core/kernels';
import { argmaxRows } from '../core/ops';
import { Rng } from '../core/rng';
import { BatchStream } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { writeFileAtomic } from '../io/atomic';
import type { Config } from '../io/config-schema';
import { loadInto, saveWeights, weightsDocument, type WeightsDocument } from '../io/weights';
import { buildFromConfig } from '../net/from-config';
import { Convolution } from '../layers/convolution';
import type { Network } from '../net/network';
import { clipGradientNorm } from '../optim/clip';
import { createOptimizer } from '../optim/create';
import { dependsOnRunLength, learningRateAt } from '../optim/schedule';
import { UserError } from '../errors';
import { EarlyStopping } from './early-stopping';
import { restore, stateOf, type Checkpoint, type Progress } from './checkpoint';
import { loadRunData } from './run-data';
import { Evaluator } from './evaluate';
import { runPaths, type RunPaths } from './paths';

export interface EpochMetrics {
  epoch: number;
  epochs: number;
  step: number;
  /** The learning rate of the epoch's last batch (schedules change it). */
  learningRate: number;
  /** Running mean of the batch losses and accuracies seen during the epoch (before each update). */
  trainLoss: number;
  trainAccuracy: number;
  /** 'test' or 'validation', or null when this epoch was not evaluated. */
  evalSet: 'test' | 'validation' | null;
  evalLoss: number | null;
  evalAccuracy: number | null;
  seconds: number;
}

export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
  learningRate: number;
}

export interface TrainEvents {
  start?(info: { config: Config; network: Network; train: Dataset; evalSet: Dataset; epochs: number; batches: number; resumedAt?: { epoch: number; batch: number } }): void;
  batch?(progress: BatchProgress): void;
  epoch?(metrics: EpochMetrics): void;
}

export interface TrainSetup {
  config: Config;
  /** Names the config in messages. */
  where: string;
  kernels: Kernels;
  /** A checkpoint to continue from. */
  resume?: WeightsDocument;
  /** Polled after every batch: Ctrl-C sets it. */
  shouldStop?: () => boolean;
  events?: TrainEvents;
}

export interface TrainOutcome {
  /** 'early-stopped': the evaluation metric stopped improving before the last epoch. */
  status: 'completed' | 'early-stopped' | 'interrupted' | 'diverged';
  message?: string;
  history: EpochMetrics[];
  paths: RunPaths;
  network: Network;
  /** With early stopping: the best evaluated epoch, whose weights are in paths.best. */
  best?: BestEpoch;
}

export interface BestEpoch {
  epoch: number;
  metric: 'accuracy' | 'loss';
  value: number;
  evalSet: 'test' | 'validation';
}

/** How long the loop may run before it lets the event loop in (Ctrl-C, progress rendering). */
const YIELD_EVERY_MS = 50;

/**
 * Trains the config's network by minibatch gradient descent with the config's optimizer:
 * forward, backward (weight decay included), optional clipping, and an update at the
 * scheduled learning rate for every batch; an evaluation and a checkpoint after every epoch
 * (as configured), the best weights when early stopping is on, the last weights at the end.
 */
export async function train(setup: TrainSetup): Promise<TrainOutcome> {
  const { config, kernels, events = {} } = setup;
  const paths = runPaths(config.output.weights);

  const { trainSet, evalSet, evalName, classes } = loadRunData(config);

  const { network: net, rng: modelRng } = buildFromConfig(config, trainSet.sampleSize, classes, kernels, setup.where, trainSet.imageShape);
  net.weightDecay = config.training.weightDecay;
  const optimizer = createOptimizer(config.training.optimizer, kernels);
  const stopping = config.training.earlyStopping;
  const stopper = stopping && new EarlyStopping(stopping.patience, stopping.metric === 'accuracy' ? 'max' : 'min');
  if (setup.resume) loadInto(net, setup.resume, setup.where);

  const dataRng = Rng.stream(config.training.seed, 'data');
  const stream = new BatchStream(
    trainSet,
    {
      batchSize: config.data.batchSize,
      shuffle: config.data.shuffle,
      dropLast: config.data.dropLast,
      sampling: config.data.sampling,
      // Pixels are mostly zeros: a first Affine layer takes the batch as lists of the others.
      sparse: net.takesSparseInput,
    },
    dataRng,
    (n) => kernels.alloc(n),
    kernels,
  );
  const batches = stream.batchesPerEpoch;
  const { totalSteps, epochs } = runLength(config.training, batches);
  // A conv net's activations are ~50 times an image (30 maps of 24×24): evaluate in training-size batches to keep memory down.
  const evalBatch = net.layers.some((l) => l instanceof Convolution) ? config.data.batchSize : 500;
  const evaluator = new Evaluator(evalSet, classes, evalBatch, (n) => kernels.alloc(n), kernels);

  const progress: Progress = setup.resume
    ? restore(setup.resume.checkpoint as Checkpoint, setup.where, { net, modelRng, optimizer, stopper })
    : { epoch: 0, batch: 0, step: 0, dataRngAtEpochStart: dataRng.getState(), lossSum: 0, correct: 0, seen: 0, seconds: 0, history: [] };
  if (setup.resume) checkResumedLength(setup.resume.config, config, batches, progress, setup.where);
  // The metrics file starts with the epochs a resumed run has already trained (none for a new run).
  writeFileAtomic(paths.metrics, progress.history.map((m) => `${JSON.stringify(m)}\n`).join(''));

  events.start?.({
    config,
    network: net,
    train: trainSet,
    evalSet,
    epochs,
    batches,
    resumedAt: setup.resume ? { epoch: progress.epoch, batch: progress.batch } : undefined,
  });

  const { schedule, learningRate: baseLr, clipNorm } = config.training;
  // Updated in place: the schedule is asked every batch, and the loop allocates nothing.
  const scheduleAt = { epoch: 0, step: 0, stepsPerEpoch: batches, totalEpochs: epochs };
  const learningRate = () => {
    scheduleAt.epoch = progress.epoch;
    scheduleAt.step = progress.step;
    return learningRateAt(schedule, baseLr, scheduleAt);
  };
  let lr = learningRate();
  const params = net.params();
  const predicted = new Int32Array(config.data.batchSize);
  const save = (file: string, metrics: unknown, checkpoint?: Progress) => {
    const doc = weightsDocument(net, config, trainSet.sampleSize, classes, metrics, trainSet.imageShape);
    if (checkpoint) doc.checkpoint = { ...checkpoint, ...stateOf(modelRng, optimizer, stopper) } satisfies Checkpoint;
    saveWeights(file, doc);
  };
  const best = (): BestEpoch | undefined =>
    stopper && stopper.best !== undefined ? { epoch: stopper.bestEpoch, metric: stopping!.metric, value: stopper.best, evalSet: evalName } : undefined;
  const outcome = (status: TrainOutcome['status'], message?: string): TrainOutcome => ({ status, message, history: progress.history, paths, network: net, best: best() });

  // One progress record, updated in place: the loop allocates nothing per batch.
  const batchProgress: BatchProgress = { epoch: 0, epochs, batch: 0, batches, loss: 0, accuracy: 0, samplesPerSecond: 0, learningRate: lr };
  let lastYield = performance.now();
  for (; progress.epoch < epochs; progress.epoch++) {
    dataRng.setState(progress.dataRngAtEpochStart);
    stream.startEpoch();
    const epochStart = performance.now() - progress.seconds * 1000;
    const lastBatch = Math.min(batches, totalSteps - progress.epoch * batches);

    for (; progress.batch < lastBatch; ) {
      const batch = stream.batch(progress.batch);
      lr = learningRate();
      const loss = net.gradient(batch.x, batch.labels);
      if (!Number.isFinite(loss)) {
        return outcome(
          'diverged',
          `training diverged at epoch ${progress.epoch + 1}, batch ${progress.batch + 1}: the loss became ${loss}. ` +
            `Try a lower learning rate (now ${lr}).` +
            (progress.history.length ? ` The last good checkpoint, ${paths.checkpoint}, is kept.` : ''),
        );
      }
      const probabilities = net.lossLayer.probabilities();
      argmaxRows(probabilities.data, batch.size, probabilities.shape[1], predicted);
      for (let i = 0; i < batch.size; i++) if (predicted[i] === batch.labels[i]) progress.correct++;
      progress.lossSum += loss * batch.size;
      progress.seen += batch.size;

      if (clipNorm !== undefined) clipGradientNorm(params, clipNorm);
      optimizer.step(params, lr);
      progress.batch++;
      progress.step++;

      const now = performance.now();
      progress.seconds = (now - epochStart) / 1000;
      if (events.batch) {
        const p = batchProgress;
        p.epoch = progress.epoch + 1;
        p.batch = progress.batch;
        p.batches = lastBatch;
        p.loss = progress.lossSum / progress.seen;
        p.accuracy = progress.correct / progress.seen;
        p.samplesPerSecond = progress.seen / progress.seconds;
        p.learningRate = lr;
        events.batch(batchProgress);
      }
      if (now - lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (setup.shouldStop?.() && progress.batch < lastBatch) {
        save(paths.checkpoint, progress.history.at(-1) ?? null, progress);
        return outcome('interrupted', `stopped at epoch ${progress.epoch + 1}, batch ${progress.batch}/${lastBatch}; checkpoint saved to ${paths.checkpoint} (continue with --resume ${paths.checkpoint})`);
      }
    }

    const isLast = progress.epoch === epochs - 1;
    const every = config.output.evaluateEvery;
    const evaluation = isLast || (every > 0 && (progress.epoch + 1) % every === 0) ? evaluator.evaluate(net) : null;
    const metrics: EpochMetrics = {
      epoch: progress.epoch + 1,
      epochs,
      step: progress.step,
      learningRate: lr,
      trainLoss: progress.lossSum / progress.seen,
      trainAccuracy: progress.correct / progress.seen,
      evalSet: evaluation ? evalName : null,
      evalLoss: evaluation?.loss ?? null,
      evalAccuracy: evaluation?.accuracy ?? null,
      seconds: (performance.now() - epochStart) / 1000,
    };
    progress.history.push(metrics);
    appendFileSync(paths.metrics, `${JSON.stringify(metrics)}\n`);
    events.epoch?.(metrics);

    let stopEarly = false;
    if (stopper && evaluation) {
      const { improved, stop } = stopper.update(stopping!.metric === 'accuracy' ? evaluation.accuracy : evaluation.loss, metrics.epoch);
      if (improved) save(paths.best, metrics);
      stopEarly = stop && !isLast;
    }

    Object.assign(progress, { batch: 0, lossSum: 0, correct: 0, seen: 0, seconds: 0, dataRngAtEpochStart: dataRng.getState() });
    if (stopEarly) {
      save(paths.weights, metrics);
      const b = best()!;
      return outcome(
        'early-stopped',
        `early stopping: ${evalName} ${b.metric} has not improved for ${stopping!.patience} epoch${stopping!.patience === 1 ? '' : 's'}; ` +
          `the best was epoch ${b.epoch} (${formatMetric(b.metric, b.value)}), its weights are in ${paths.best}`,
      );
    }
    // A checkpoint after the last epoch too, when that epoch is whole: a finished run can then
    // be extended (--resume … --epochs N) without training its last epoch again.
    const checkpointEvery = config.output.checkpointEvery;
    if (checkpointEvery > 0 && lastBatch === batches && (isLast || (progress.epoch + 1) % checkpointEvery === 0)) {
      save(paths.checkpoint, metrics, { ...progress, epoch: progress.epoch + 1 });
    }
    if (setup.shouldStop?.() && !isLast) {
      progress.epoch++;
      save(paths.checkpoint, metrics, progress);
      return outcome('interrupted', `stopped after epoch ${progress.epoch}; checkpoint saved to ${paths.checkpoint} (continue with --resume ${paths.checkpoint})`);
    }
  }

  save(paths.weights, progress.history.at(-1) ?? null);
  return outcome('completed');
}

/** How many batches a run trains, and over how many epochs (the last one may be partial when `iterations` is set). */
function runLength(training: Config['training'], batches: number): { totalSteps: number; epochs: number } {
  const totalSteps = training.iterations ?? batches * (training.epochs ?? 17);
  return { totalSteps, epochs: Math.ceil(totalSteps / batches) };
}

/**
 * A resumed run may be given another length (`nnt train --resume … --epochs N`), but only
 * when that leaves something to train and the schedule does not depend on the length: the
 * rates a cosine schedule used so far were those of the old length, and switching to the new
 * one at the resume point would make the rate jump, giving a run that is neither.
 */
function checkResumedLength(saved: Config, config: Config, batches: number, progress: Progress, where: string): void {
  const before = runLength(saved.training, batches), now = runLength(config.training, batches);
  const { schedule } = config.training;
  if (dependsOnRunLength(schedule) && before.epochs !== now.epochs) {
    const finished = progress.step >= before.totalSteps;
    throw new UserError(
      `${where}: the ${schedule.type} schedule spans the checkpoint's run of ${before.epochs} epochs${finished ? ', which is finished,' : ','} ` +
        `so it cannot be resumed as a ${now.epochs}-epoch run (the learning rate would jump at epoch ${progress.epoch + 1}); ` +
        (finished ? '' : `resume without --epochs to finish the ${before.epochs} epochs, or `) +
        `train ${now.epochs} epochs from the start`,
    );
  }
  if (progress.step >= now.totalSteps) {
    const at = progress.batch > 0 ? `is in epoch ${progress.epoch + 1}` : `has finished epoch ${progress.epoch}`;
    throw new UserError(`${where}: the checkpoint ${at}, so a ${now.epochs}-epoch run has nothing left to train; give --epochs ${progress.epoch + 1} or more`);
  }
}

export function formatMetric(metric: 'accuracy' | 'loss', value: number): string {
  return metric === 'accuracy' ? `accuracy ${(100 * value).toFixed(2)}%` : `loss ${value.toFixed(4)}`;
}

