import { resolve } from 'node:path';
import { UserError } from './errors';
import { loadConfig, validateConfig } from '../io/config';
import type { Config } from '../io/config-schema';
import { readWeights } from '../io/weights';
import { formatMetric, train } from '../train/trainer';
import { tsKernels } from '../core/ts-kernels';
import { progressMode, progressReporter } from './progress';

export interface TrainOptions {
  config?: string;
  epochs?: number;
  iterations?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  out?: string;
  limit?: number;
  resume?: string;
  quiet?: boolean;
  json?: boolean;
}

/** The config `nnt train` uses without --config: the book's two-layer net. */
export const DEFAULT_CONFIG = resolve(__dirname, '../../configs/two-layer.json');

export async function run(opts: TrainOptions): Promise<void> {
  const { config, where, resume } = resolveConfig(opts);
  const mode = progressMode(opts, Boolean(process.stdout.isTTY));
  const reporter = progressReporter(mode);

  // Ctrl-C: finish the current batch, save a checkpoint, exit non-zero. A second Ctrl-C quits at once.
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    reporter.stop();
    process.stderr.write('\nnnt: stopping after this batch (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    const outcome = await train({ config, where, kernels: tsKernels, resume, shouldStop: () => stopRequested, events: reporter });
    reporter.stop();
    if (outcome.status === 'diverged') throw new UserError(outcome.message!);
    if (outcome.status === 'interrupted') throw new UserError(outcome.message!, 130);
    const last = outcome.history.at(-1);
    if (mode !== 'json') {
      if (outcome.status === 'early-stopped') process.stdout.write(`${outcome.message}\n`);
      else if (outcome.best) {
        const b = outcome.best;
        process.stdout.write(`best ${b.evalSet} ${formatMetric(b.metric, b.value)} at epoch ${b.epoch}; its weights are in ${outcome.paths.best}\n`);
      }
      process.stdout.write(`${outcome.best ? 'last weights' : 'weights'} saved to ${outcome.paths.weights}; metrics in ${outcome.paths.metrics}\n`);
      if (last?.evalAccuracy != null) process.stdout.write(`final ${last.evalSet} accuracy: ${(100 * last.evalAccuracy).toFixed(2)}%\n`);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The config with the command-line overrides applied, validated as one. */
function resolveConfig(opts: TrainOptions): { config: Config; where: string; resume?: ReturnType<typeof readWeights> } {
  if (opts.resume) {
    const changed = (['config', 'lr', 'batchSize', 'seed', 'limit', 'iterations'] as const).filter((k) => opts[k] !== undefined);
    if (changed.length) {
      throw new UserError(`--resume continues the checkpoint's own run; it cannot be combined with --${changed.map(kebab).join(', --')}`);
    }
    const doc = readWeights(opts.resume);
    if (!doc.checkpoint) throw new UserError(`${opts.resume}: has no checkpoint section (a final weights file cannot be resumed)`);
    const raw = structuredClone(doc.config) as Config;
    if (opts.epochs !== undefined) raw.training = { ...raw.training, epochs: opts.epochs, iterations: undefined };
    if (opts.out !== undefined) raw.output = { ...raw.output, weights: opts.out };
    return { config: validateConfig(stripUndefined(raw), opts.resume), where: opts.resume, resume: doc };
  }
  const file = opts.config ?? DEFAULT_CONFIG;
  const raw = structuredClone(loadConfig(file)) as Config;
  if (opts.epochs !== undefined) raw.training = { ...raw.training, epochs: opts.epochs, iterations: undefined };
  if (opts.iterations !== undefined) raw.training = { ...raw.training, iterations: opts.iterations, epochs: undefined };
  if (opts.lr !== undefined) raw.training.learningRate = opts.lr;
  if (opts.seed !== undefined) raw.training.seed = opts.seed;
  if (opts.batchSize !== undefined) raw.data.batchSize = opts.batchSize;
  if (opts.limit !== undefined) raw.data = { ...raw.data, trainLimit: opts.limit, testLimit: Math.min(opts.limit, raw.data.testLimit ?? Infinity) };
  if (opts.out !== undefined) raw.output.weights = opts.out;
  return { config: validateConfig(stripUndefined(raw), file), where: file };
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
