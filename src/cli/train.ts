import os from 'node:os';
import { resolve } from 'node:path';
import { UsageError, UserError } from '../errors';
import { loadRawConfig, validateConfig } from '../io/config';
import type { Config } from '../io/config-schema';
import { readWeights } from '../io/weights';
import type { Checkpoint } from '../train/checkpoint';
import { formatMetric, train, type TrainOutcome } from '../train/trainer';
import { kernelsFor, overridden, printWarning, stripUndefined, type TrainOptions } from './run-config';
import { defaultThreads } from '../core/backend';
import { describeStats, type Kernels } from '../core/kernels';
import { progressMode, progressReporter } from './progress';
import { catchInterrupt } from './interrupt';
import { existingWeights } from '../io/runs';

export type { TrainOptions } from './run-config';

/** Why a run without --threads took fewer threads than there are cores (threadsForLoad), or "". */
export function fewerThreads(kernels: Kernels, asked: number | undefined): string {
  const cores = defaultThreads(), threads = kernels.threadCount;
  if (asked !== undefined || threads === undefined || threads >= cores) return '';
  return ` (${threads} of ${cores} cores: the load average is ${os.loadavg()[0].toFixed(1)}; --threads to choose)`;
}

/** The config `nnt train` uses without --config: the book's two-layer net. */
export const DEFAULT_CONFIG = resolve(__dirname, '../../configs/two-layer.json');

export async function run(opts: TrainOptions): Promise<void> {
  if (opts.sweep !== undefined) return sweep(opts);
  if (opts.outDir !== undefined) throw new UsageError('--out-dir goes with --sweep (one run writes to --out)');
  const { config, where, resume } = resolveConfig(opts);
  const mode = progressMode(opts, Boolean(process.stdout.isTTY));
  const kernels = kernelsFor(config, where);
  const chatty = mode === 'bar' || mode === 'lines';
  if (chatty) process.stdout.write(`backend: ${kernels.name}${fewerThreads(kernels, config.training.threads)}\n`);
  const reporter = progressReporter(mode);

  const interrupt = catchInterrupt(() => reporter.stop());
  try {
    const outcome = await train({ config, where, kernels, resume, shouldStop: interrupt.requested, events: reporter, warn: printWarning });
    reporter.stop();
    if (mode === 'json') process.stdout.write(`${JSON.stringify(outcomeDocument(outcome, where), null, 2)}\n`);
    if (outcome.status === 'diverged') throw new UserError(outcome.message!);
    if (outcome.status === 'interrupted') throw new UserError(outcome.message!, interrupt.exitCode());
    if (chatty) printResult(outcome);
    else if (mode === 'quiet' && outcome.status === 'early-stopped') process.stdout.write(`${outcome.message}\n`); // why the epoch lines end early
  } finally {
    interrupt.release();
    if (opts.verbose && kernels.stats) process.stderr.write(`backend ${kernels.name}: ${describeStats(kernels.stats())}\n`);
    kernels.dispose?.();
  }
}

/** What `nnt train --json` prints: one document, when the run ends (the metrics file grows epoch by epoch meanwhile). */
export function outcomeDocument(outcome: TrainOutcome, where: string) {
  const { status, message, paths, best, history } = outcome;
  const files = { weights: paths.weights, metrics: paths.metrics, checkpoint: paths.checkpoint };
  return { config: where, status, ...(message !== undefined && { message }), ...files, ...(best && { best: { ...best, weights: paths.best } }), epochs: history };
}

function printResult(outcome: TrainOutcome): void {
  const last = outcome.history.at(-1);
  if (outcome.status === 'early-stopped') process.stdout.write(`${outcome.message}\n`);
  else if (outcome.best) {
    const b = outcome.best;
    process.stdout.write(`best ${b.evalSet} ${formatMetric(b.metric, b.value)} at epoch ${b.epoch}; its weights are in ${outcome.paths.best}\n`);
  }
  process.stdout.write(`${outcome.best ? 'last weights' : 'weights'} saved to ${outcome.paths.weights}; metrics in ${outcome.paths.metrics}\n`);
  if (last?.evalAccuracy != null) process.stdout.write(`final ${last.evalSet} accuracy: ${(100 * last.evalAccuracy).toFixed(2)}%\n`);
}

/** The config with the command-line overrides applied, validated as one. */
function resolveConfig(opts: TrainOptions): { config: Config; where: string; resume?: ReturnType<typeof readWeights> } {
  if (opts.resume) {
    const changed = (['config', 'lr', 'batchSize', 'seed', 'limit', 'iterations'] as const).filter((k) => opts[k] !== undefined);
    if (changed.length) {
      throw new UsageError(`--resume continues the checkpoint's own run; it cannot be combined with --${changed.map(kebab).join(', --')}`);
    }
    const doc = readWeights(existingWeights(opts.resume));
    if (!doc.checkpoint) throw new UserError(`${opts.resume}: has no checkpoint section (a final weights file cannot be resumed)`);
    const raw = structuredClone(doc.config) as Config;
    if (opts.epochs !== undefined) raw.training = { ...raw.training, epochs: opts.epochs, iterations: undefined };
    if (opts.out !== undefined) raw.output = { ...raw.output, weights: opts.out };
    // The run's own backend and thread count unless told otherwise (the trainer warns when they differ).
    if (opts.backend !== undefined) raw.training = { ...raw.training, backend: opts.backend };
    const threads = opts.threads ?? (doc.checkpoint as Checkpoint).threads;
    if (threads !== undefined) raw.training = { ...raw.training, threads };
    return { config: validateConfig(stripUndefined(raw), opts.resume), where: opts.resume, resume: doc };
  }
  const file = opts.config ?? DEFAULT_CONFIG;
  return { config: validateConfig(overridden(file, opts), file), where: file };
}

/** `nnt train --sweep FIELD=A,B,C`: one run per value, compared in a table. */
async function sweep(opts: TrainOptions): Promise<void> {
  const clashes = (['resume', 'out'] as const).filter((k) => opts[k] !== undefined);
  if (clashes.length) throw new UsageError(`--sweep trains several runs, each in its own folder under --out-dir; it cannot be combined with --${clashes.join(', --')}`);
  const file = opts.config ?? DEFAULT_CONFIG;
  const { sweepRuns } = require('../train/compare') as typeof import('../train/compare');
  const { runComparison } = require('./compare') as typeof import('./compare');
  await runComparison(sweepRuns(overridden(file, opts), file, opts.sweep!), opts);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
