import { resolve } from 'node:path';
import { UserError } from '../errors';
import { loadRawConfig, validateConfig } from '../io/config';
import type { Config } from '../io/config-schema';
import { readWeights } from '../io/weights';
import { formatMetric, train } from '../train/trainer';
import { createKernels } from '../core/backend';
import { describeStats } from '../core/kernels';
import { progressMode, progressReporter } from './progress';
import { catchInterrupt } from './interrupt';

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
  backend?: 'auto' | 'wasm' | 'ts';
  threads?: number;
  quiet?: boolean;
  json?: boolean;
  verbose?: boolean;
  sweep?: string;
  outDir?: string;
}

/** The config `nnt train` uses without --config: the book's two-layer net. */
export const DEFAULT_CONFIG = resolve(__dirname, '../../configs/two-layer.json');

export async function run(opts: TrainOptions): Promise<void> {
  if (opts.sweep !== undefined) return sweep(opts);
  if (opts.outDir !== undefined) throw new UserError('--out-dir goes with --sweep (one run writes to --out)');
  const { config, where, resume } = resolveConfig(opts);
  const mode = progressMode(opts, Boolean(process.stdout.isTTY));
  const kernels = kernelsFor(config);
  if (mode !== 'json') process.stdout.write(`backend: ${kernels.name}\n`);
  const reporter = progressReporter(mode);

  const interrupt = catchInterrupt(() => reporter.stop());
  try {
    const outcome = await train({ config, where, kernels, resume, shouldStop: interrupt.requested, events: reporter });
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
    interrupt.release();
    if (opts.verbose && kernels.stats) process.stderr.write(`backend ${kernels.name}: ${describeStats(kernels.stats())}\n`);
    kernels.dispose?.();
  }
}

/** The config's backend; a backend that cannot run here is the user's error, not a crash. */
export function kernelsFor(config: Config) {
  try {
    return createKernels(config.training.backend, { threads: config.training.threads });
  } catch (error) {
    throw new UserError(`backend ${config.training.backend}: ${(error as Error).message}`);
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
  return { config: validateConfig(overridden(file, opts), file), where: file };
}

/** `nnt train --sweep FIELD=A,B,C`: one run per value, compared in a table. */
async function sweep(opts: TrainOptions): Promise<void> {
  const clashes = (['resume', 'out'] as const).filter((k) => opts[k] !== undefined);
  if (clashes.length) throw new UserError(`--sweep trains several runs, each in its own folder under --out-dir; it cannot be combined with --${clashes.join(', --')}`);
  const file = opts.config ?? DEFAULT_CONFIG;
  const { sweepRuns } = require('../train/compare') as typeof import('../train/compare');
  const { runComparison } = require('./compare') as typeof import('./compare');
  await runComparison(sweepRuns(overridden(file, opts), file, opts.sweep!), opts);
}

/** The config file's settings with the command-line overrides applied, not yet validated (the overrides may be wrong too). */
export function overridden(file: string, opts: Omit<TrainOptions, 'config' | 'resume'>): Config {
  const read = loadRawConfig(file);
  if (read === null || typeof read !== 'object' || Array.isArray(read)) return validateConfig(read, file); // throws the usual message
  const group = (key: 'training' | 'data' | 'output') => {
    const value = (read as Record<string, unknown>)[key];
    if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) validateConfig(read, file); // throws
    return { ...(value as object) };
  };
  // Typed as a config for the assignments below; validated by the caller.
  const raw = { ...read, training: group('training'), data: group('data'), output: group('output') } as Config;
  if (opts.epochs !== undefined) raw.training = { ...raw.training, epochs: opts.epochs, iterations: undefined };
  if (opts.iterations !== undefined) raw.training = { ...raw.training, iterations: opts.iterations, epochs: undefined };
  if (opts.lr !== undefined) raw.training.learningRate = opts.lr;
  if (opts.seed !== undefined) raw.training.seed = opts.seed;
  if (opts.batchSize !== undefined) raw.data.batchSize = opts.batchSize;
  if (opts.limit !== undefined) raw.data = { ...raw.data, trainLimit: opts.limit, testLimit: Math.min(opts.limit, raw.data.testLimit ?? Infinity) };
  if (opts.out !== undefined) raw.output.weights = opts.out;
  if (opts.backend !== undefined) raw.training.backend = opts.backend;
  if (opts.threads !== undefined) raw.training.threads = opts.threads;
  return stripUndefined(raw);
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
