import type { Kernels } from '../core/kernels';
import { inputSource } from '../core/input';
import { argmaxRows } from '../core/ops';
import { Rng } from '../core/rng';
import { BatchStream } from '../data/batches';
import type { Dataset } from '../data/dataset';
import type { Config } from '../io/config-schema';
import { DeferredArrays, loadInto, weightsDocument, type WeightsDocument } from '../io/weights';
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
import type { RunPaths } from './paths';
import { RunFiles } from './run-files';
import type { EpochMetrics } from './epoch-metrics';
import { checkRunData, checkRunMemory, runWarnings } from './preflight';

export type { EpochMetrics } from './epoch-metrics';


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
  /** Told of settings that are allowed but odd (a batch larger than the data, a rate that grows). */
  warn?: (message: string) => void;
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
/** A loss this many times the run's first one has exploded, even while still finite. */
const EXPLODED_LOSS_FACTOR = 100;

/** Everything a run works with, set up before its first batch. */
interface Run {
  setup: TrainSetup;
  config: Config;
  files: RunFiles;
  net: Network;
  modelRng: Rng;
  optimizer: ReturnType<typeof createOptimizer>;
  stopper: EarlyStopping | undefined;
  dataRng: Rng;
  stream: BatchStream;
  evaluator: Evaluator;
  evalName: 'test' | 'validation';
  sampleSize: number;
  /** C×H×W of a sample when the data says (MNIST), saved with the weights for conv nets. */
  imageShape: readonly number[] | undefined;
  classes: number;
  batches: number;
  totalSteps: number;
  epochs: number;
  progress: Progress;
  /** Updated in place: the schedule is asked every batch, and the loop allocates nothing. */
  scheduleAt: { epoch: number; step: number; stepsPerEpoch: number; totalEpochs: number };
  lr: number;
  params: ReturnType<Network['params']>;
  predicted: Int32Array;
  /** One progress record, updated in place: the loop allocates nothing per batch. */
  batchProgress: BatchProgress;
  /** The loss the run started at (its first epoch's), to tell an exploding loss. */
  firstLoss: number | undefined;
}

/**
 * Trains the config's network by minibatch gradient descent with the config's optimizer:
 * forward, backward (weight decay included), optional clipping, and an update at the
 * scheduled learning rate for every batch; an evaluation and a checkpoint after every epoch
 * (as configured), the best weights when early stopping is on, the last weights at the end.
 * The run's files are locked while it runs, and each is replaced whole or not at all.
 */
export async function train(setup: TrainSetup): Promise<TrainOutcome> {
  const files = new RunFiles(setup.config.output.weights);
  try {
    return await trainEpochs(prepare(setup, files));
  } finally {
    files.release();
  }
}

/** Loads and checks the data, builds the network and its optimizer, and restores a checkpoint: all before the first batch. */
function prepare(setup: TrainSetup, files: RunFiles): Run {
  const { config, kernels } = setup;
  const { trainSet, evalSet, evalName, classes } = loadRunData(config);
  checkRunData(config, trainSet, evalSet);
  checkRunMemory(config, trainSet, setup.where);
  for (const warning of runWarnings(config, trainSet)) setup.warn?.(`${setup.where}: ${warning}`);

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
    },
    dataRng,
    // In the form the first layer wants (lists of the nonzero pixels for an affine one), in the backend's memory.
    inputSource(kernels, net.inputForm),
  );
  const batches = stream.batchesPerEpoch;
  const { totalSteps, epochs } = runLength(config.training, batches);
  // A conv net's activations are ~50 times an image (30 maps of 24×24): evaluate in training-size batches to keep memory down.
  const evalBatch = net.layers.some((l) => l instanceof Convolution) ? config.data.batchSize : 500;
  const evaluator = new Evaluator(evalSet, classes, evalBatch, kernels);

  const progress: Progress = setup.resume
    ? restore(setup.resume.checkpoint as Checkpoint, setup.where, { net, modelRng, optimizer, stopper, batches, epochs })
    : { epoch: 0, batch: 0, step: 0, dataRngAtEpochStart: dataRng.getState(), lossSum: 0, correct: 0, seen: 0, seconds: 0, history: [] };
  if (setup.resume) checkResumedLength(setup.resume.config, config, batches, progress, setup.where);
  if (setup.resume) warnOtherBackend(setup.resume.checkpoint as Checkpoint, setup);

  setup.events?.start?.({
    config,
    network: net,
    train: trainSet,
    evalSet,
    epochs,
    batches,
    resumedAt: setup.resume ? { epoch: progress.epoch, batch: progress.batch } : undefined,
  });
  const scheduleAt = { epoch: 0, step: 0, stepsPerEpoch: batches, totalEpochs: epochs };
  const run: Run = {
    setup, config, files, net, modelRng, optimizer, stopper, dataRng, stream, evaluator, evalName,
    sampleSize: trainSet.sampleSize, imageShape: trainSet.imageShape, classes, batches, totalSteps, epochs, progress, scheduleAt, lr: 0,
    params: net.params(),
    predicted: new Int32Array(config.data.batchSize),
    batchProgress: { epoch: 0, epochs, batch: 0, batches, loss: 0, accuracy: 0, samplesPerSecond: 0, learningRate: 0 },
    firstLoss: progress.history[0]?.trainLoss,
  };
  run.lr = run.batchProgress.learningRate = learningRate(run);
  return run;
}

async function trainEpochs(run: Run): Promise<TrainOutcome> {
  const { progress, stream, dataRng, setup } = run;
  let lastYield = performance.now();
  for (; progress.epoch < run.epochs; progress.epoch++) {
    dataRng.setState(progress.dataRngAtEpochStart);
    stream.startEpoch();
    const epochStart = performance.now() - progress.seconds * 1000;
    const lastBatch = Math.min(run.batches, run.totalSteps - progress.epoch * run.batches);

    for (; progress.batch < lastBatch; ) {
      const failed = step(run);
      if (failed) return failed;
      const now = performance.now();
      progress.seconds = (now - epochStart) / 1000;
      reportBatch(run, lastBatch);
      if (now - lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (setup.shouldStop?.() && progress.batch < lastBatch) {
        save(run, run.files.paths.checkpoint, progress.history.at(-1) ?? null, progress);
        const at = `stopped at epoch ${progress.epoch + 1}, batch ${progress.batch}/${lastBatch}`;
        return outcome(run, 'interrupted', `${at}; ${checkpointSaved(run)}`);
      }
    }
    const ended = endEpoch(run, lastBatch, epochStart);
    if (ended) return ended;
  }
  save(run, run.files.paths.weights, progress.history.at(-1) ?? null);
  return outcome(run, 'completed');
}

/** One batch: forward, backward, clipping, update. Returns an outcome only when the loss has diverged. */
function step(run: Run): TrainOutcome | undefined {
  const { progress, net, predicted } = run;
  const batch = run.stream.batch(progress.batch);
  run.lr = learningRate(run);
  const loss = net.gradient(batch.x, batch.labels);
  run.firstLoss ??= loss;
  if (!Number.isFinite(loss) || loss > EXPLODED_LOSS_FACTOR * run.firstLoss) return diverged(run, loss);
  const probabilities = net.lossLayer.probabilities();
  argmaxRows(probabilities.data, batch.size, probabilities.shape[1], predicted);
  for (let i = 0; i < batch.size; i++) if (predicted[i] === batch.labels[i]) progress.correct++;
  progress.lossSum += loss * batch.size;
  progress.seen += batch.size;

  const { clipNorm } = run.config.training;
  if (clipNorm !== undefined) clipGradientNorm(run.params, clipNorm);
  run.optimizer.step(run.params, run.lr);
  progress.batch++;
  progress.step++;
  return undefined;
}

function diverged(run: Run, loss: number): TrainOutcome {
  const { progress } = run;
  const how = Number.isFinite(loss) ? `, more than ${EXPLODED_LOSS_FACTOR} times the ${run.firstLoss!.toPrecision(4)} it started at` : '';
  return outcome(
    run,
    'diverged',
    `training diverged at epoch ${progress.epoch + 1}, batch ${progress.batch + 1}: the loss became ${loss}${how}. ` +
      `Try a lower learning rate (now ${run.lr}).` +
      (progress.history.length ? ` The last good checkpoint, ${run.files.paths.checkpoint}, is kept.` : ''),
  );
}

function reportBatch(run: Run, lastBatch: number): void {
  const batchEvent = run.setup.events?.batch;
  if (!batchEvent) return;
  const { progress } = run;
  const p = run.batchProgress;
  p.epoch = progress.epoch + 1;
  p.batch = progress.batch;
  p.batches = lastBatch;
  p.loss = progress.lossSum / progress.seen;
  p.accuracy = progress.correct / progress.seen;
  p.samplesPerSecond = progress.seen / progress.seconds;
  p.learningRate = run.lr;
  batchEvent(p);
}

/**
 * The epoch's end: its evaluation, its metrics line, early stopping, its checkpoint, and a
 * stop requested during its last batch. Returns an outcome when the run ends here.
 */
function endEpoch(run: Run, lastBatch: number, epochStart: number): TrainOutcome | undefined {
  const { progress, config, files, stopper } = run;
  const isLast = progress.epoch === run.epochs - 1;
  const every = config.output.evaluateEvery;
  const evaluation = isLast || (every > 0 && (progress.epoch + 1) % every === 0) ? run.evaluator.evaluate(run.net) : null;
  const metrics: EpochMetrics = {
    epoch: progress.epoch + 1,
    epochs: run.epochs,
    step: progress.step,
    learningRate: run.lr,
    trainLoss: progress.lossSum / progress.seen,
    trainAccuracy: progress.correct / progress.seen,
    evalSet: evaluation ? run.evalName : null,
    evalLoss: evaluation?.loss ?? null,
    evalAccuracy: evaluation?.accuracy ?? null,
    seconds: (performance.now() - epochStart) / 1000,
    backend: run.setup.kernels.name,
    threads: run.setup.kernels.threadCount ?? 1,
  };
  progress.history.push(metrics);
  files.writeMetrics(progress.history);
  run.setup.events?.epoch?.(metrics);

  let stopEarly = false;
  const stopping = config.training.earlyStopping;
  if (stopper && stopping && evaluation) {
    const { improved, stop } = stopper.update(stopping.metric === 'accuracy' ? evaluation.accuracy : evaluation.loss, metrics.epoch);
    if (improved) save(run, files.paths.best, metrics);
    stopEarly = stop && !isLast;
  }

  Object.assign(progress, { batch: 0, lossSum: 0, correct: 0, seen: 0, seconds: 0, dataRngAtEpochStart: run.dataRng.getState() });
  if (stopEarly) {
    save(run, files.paths.weights, metrics);
    const b = best(run)!;
    return outcome(
      run,
      'early-stopped',
      `early stopping: ${run.evalName} ${b.metric} has not improved for ${stopping!.patience} epoch${stopping!.patience === 1 ? '' : 's'}; ` +
        `the best was epoch ${b.epoch} (${formatMetric(b.metric, b.value)}), its weights are in ${files.paths.best}`,
    );
  }
  // A checkpoint after the last epoch too, when that epoch is whole: a finished run can then
  // be extended (--resume … --epochs N) without training its last epoch again.
  const checkpointEvery = config.output.checkpointEvery;
  if (checkpointEvery > 0 && lastBatch === run.batches && (isLast || (progress.epoch + 1) % checkpointEvery === 0)) {
    save(run, files.paths.checkpoint, metrics, { ...progress, epoch: progress.epoch + 1 });
  }
  if (run.setup.shouldStop?.() && !isLast) {
    progress.epoch++;
    save(run, files.paths.checkpoint, metrics, progress);
    return outcome(run, 'interrupted', `stopped after epoch ${progress.epoch}; ${checkpointSaved(run)}`);
  }
  return undefined;
}

function learningRate(run: Run): number {
  const { scheduleAt, progress } = run;
  const { schedule, learningRate: baseLr } = run.config.training;
  scheduleAt.epoch = progress.epoch;
  scheduleAt.step = progress.step;
  return learningRateAt(schedule, baseLr, scheduleAt);
}

/** Writes the weights (and a checkpoint's state) straight from the arrays: see DeferredArrays. */
function save(run: Run, file: string, metrics: unknown, checkpoint?: Progress): void {
  const arrays = new DeferredArrays();
  const doc = weightsDocument(run.net, run.config, run.sampleSize, run.classes, metrics, run.imageShape, arrays.encode);
  if (checkpoint) {
    doc.checkpoint = { ...checkpoint, ...stateOf(run.modelRng, run.optimizer, run.stopper, run.setup.kernels, arrays.encode) } satisfies Checkpoint;
  }
  run.files.save(file, doc, arrays);
}

function checkpointSaved(run: Run): string {
  const file = run.files.paths.checkpoint;
  return `checkpoint saved to ${file} (continue with --resume ${file})`;
}

function best(run: Run): BestEpoch | undefined {
  const { stopper } = run;
  const stopping = run.config.training.earlyStopping;
  return stopper && stopping && stopper.best !== undefined
    ? { epoch: stopper.bestEpoch, metric: stopping.metric, value: stopper.best, evalSet: run.evalName }
    : undefined;
}

function outcome(run: Run, status: TrainOutcome['status'], message?: string): TrainOutcome {
  return { status, message, history: run.progress.history, paths: run.files.paths, network: run.net, best: best(run) };
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

/**
 * A run's bits depend on its backend (not on its thread count: every kernel gives each entry
 * the same sum on any number of threads): a checkpoint resumed on another continues a
 * different run, which is allowed (the machine may have changed) but said, in one line.
 */
function warnOtherBackend(checkpoint: Checkpoint, setup: TrainSetup): void {
  const { name } = setup.kernels;
  if (checkpoint.backend === undefined || withoutThreads(checkpoint.backend) === withoutThreads(name)) return;
  setup.warn?.(
    `${setup.where}: the checkpoint was trained on ${checkpoint.backend}, this run uses ${name}: ` +
      'its weights will differ (by rounding) from those of an uninterrupted run',
  );
}

/** A backend's name without its thread count ("wasm-relaxed-simd ×2 threads" → "wasm-relaxed-simd"). */
function withoutThreads(backend: string): string {
  return backend.replace(/ ×\d+ threads?/, '');
}

export function formatMetric(metric: 'accuracy' | 'loss', value: number): string {
  return metric === 'accuracy' ? `accuracy ${(100 * value).toFixed(2)}%` : `loss ${value.toFixed(4)}`;
}

