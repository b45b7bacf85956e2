import { appendFileSync } from 'node:fs';
import type { Kernels } from '../core/kernels';
import { argmaxRows } from '../core/ops';
import { Rng } from '../core/rng';
import { BatchStream } from '../data/batches';
import { sliceDataset, type Dataset } from '../data/dataset';
import { loadTestSet, loadTrainSet, splitValidation, type DataSourceSpec } from '../data/source';
import { writeFileAtomic } from '../io/atomic';
import type { Config } from '../io/config-schema';
import { loadInto, saveWeights, weightsDocument, type WeightsDocument } from '../io/weights';
import { networkFromConfig } from '../net/from-config';
import type { Network } from '../net/network';
import { Evaluator } from './evaluate';
import { runPaths, type RunPaths } from './paths';

export interface EpochMetrics {
  epoch: number;
  epochs: number;
  step: number;
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
  start?(info: { network: Network; train: Dataset; evalSet: Dataset; epochs: number; batches: number; resumedAt?: { epoch: number; batch: number } }): void;
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
  status: 'completed' | 'interrupted' | 'diverged';
  message?: string;
  history: EpochMetrics[];
  paths: RunPaths;
  network: Network;
}

/** Where a run stands: what a checkpoint saves so a resumed run continues bit for bit. */
interface Progress {
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

/** How long the loop may run before it lets the event loop in (Ctrl-C, progress rendering). */
const YIELD_EVERY_MS = 50;

/**
 * Trains the config's network by minibatch SGD: forward, backward and update for every batch,
 * an evaluation and a checkpoint after every epoch (as configured), the weights at the end.
 */
export async function train(setup: TrainSetup): Promise<TrainOutcome> {
  const { config, kernels, events = {} } = setup;
  const paths = runPaths(config.output.weights);
  const source: DataSourceSpec = config.data;

  let trainSet = loadTrainSet(source);
  if (config.data.trainLimit !== undefined) trainSet = sliceDataset(trainSet, 0, Math.min(config.data.trainLimit, trainSet.count), 'train');
  let evalSet: Dataset;
  let evalName: 'test' | 'validation';
  if (config.data.validation > 0) {
    ({ train: trainSet, validation: evalSet } = splitValidation(trainSet, config.data.validation));
    evalName = 'validation';
  } else {
    evalSet = loadTestSet(source);
    if (config.data.testLimit !== undefined) evalSet = sliceDataset(evalSet, 0, Math.min(config.data.testLimit, evalSet.count), 'test');
    evalName = 'test';
  }
  const classes = Math.max(trainSet.classes, evalSet.classes);

  const net = networkFromConfig(config, trainSet.sampleSize, classes, kernels, setup.where);
  if (setup.resume) loadInto(net, setup.resume, setup.where);

  const dataRng = Rng.stream(config.training.seed, 'data');
  const stream = new BatchStream(
    trainSet,
    { batchSize: config.data.batchSize, shuffle: config.data.shuffle, dropLast: config.data.dropLast, sampling: config.data.sampling },
    dataRng,
    (n) => kernels.alloc(n),
  );
  const batches = stream.batchesPerEpoch;
  const totalSteps = config.training.iterations ?? batches * (config.training.epochs ?? 17);
  const epochs = Math.ceil(totalSteps / batches);
  const evaluator = new Evaluator(evalSet, classes, 500, (n) => kernels.alloc(n));

  const progress: Progress = setup.resume
    ? (setup.resume.checkpoint as Progress)
    : { epoch: 0, batch: 0, step: 0, dataRngAtEpochStart: dataRng.getState(), lossSum: 0, correct: 0, seen: 0, seconds: 0, history: [] };
  if (setup.resume) writeFileAtomic(paths.metrics, progress.history.map((m) => `${JSON.stringify(m)}\n`).join(''));
  else writeFileAtomic(paths.metrics, '');

  events.start?.({
    network: net,
    train: trainSet,
    evalSet,
    epochs,
    batches,
    resumedAt: setup.resume ? { epoch: progress.epoch, batch: progress.batch } : undefined,
  });

  const lr = config.training.learningRate;
  const params = net.params();
  const predicted = new Int32Array(config.data.batchSize);
  const save = (file: string, metrics: unknown, checkpoint?: Progress) => {
    const doc = weightsDocument(net, config, trainSet.sampleSize, classes, metrics);
    if (checkpoint) doc.checkpoint = checkpoint;
    saveWeights(file, doc);
  };
  const outcome = (status: TrainOutcome['status'], message?: string): TrainOutcome => ({ status, message, history: progress.history, paths, network: net });

  let lastYield = performance.now();
  for (; progress.epoch < epochs; progress.epoch++) {
    dataRng.setState(progress.dataRngAtEpochStart);
    stream.startEpoch();
    const epochStart = performance.now() - progress.seconds * 1000;
    const lastBatch = Math.min(batches, totalSteps - progress.epoch * batches);

    for (; progress.batch < lastBatch; ) {
      const batch = stream.batch(progress.batch);
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

      for (const p of params) {
        const w = p.value, g = p.grad;
        for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
      }
      progress.batch++;
      progress.step++;

      const now = performance.now();
      progress.seconds = (now - epochStart) / 1000;
      events.batch?.({
        epoch: progress.epoch + 1,
        epochs,
        batch: progress.batch,
        batches: lastBatch,
        loss: progress.lossSum / progress.seen,
        accuracy: progress.correct / progress.seen,
        samplesPerSecond: progress.seen / progress.seconds,
        learningRate: lr,
      });
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

    Object.assign(progress, { batch: 0, lossSum: 0, correct: 0, seen: 0, seconds: 0, dataRngAtEpochStart: dataRng.getState() });
    const checkpointEvery = config.output.checkpointEvery;
    if (!isLast && checkpointEvery > 0 && (progress.epoch + 1) % checkpointEvery === 0) {
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
