import { availableParallelism } from 'node:os';
import { createKernels } from '../core/backend';
import { UserError } from '../errors';
import { loadRawConfig, validateConfig } from '../io/config';
import type { Config } from '../io/config-schema';

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
  backend?: 'auto' | 'wasm' | 'native' | 'ts';
  threads?: number;
  quiet?: boolean;
  json?: boolean;
  verbose?: boolean;
  sweep?: string;
  outDir?: string;
}

/** More threads than this many per core only add memory and contention (each has its own scratch). */
const THREADS_PER_CORE = 4;

/** The config's backend; a backend that cannot run here is the user's error, not a crash. */
export function kernelsFor(config: Config, where: string) {
  checkThreads(config.training.threads, where);
  try {
    return createKernels(config.training.backend, { threads: config.training.threads });
  } catch (error) {
    throw new UserError(`backend ${config.training.backend}: ${(error as Error).message}`);
  }
}

/** A thread count far beyond the cores is refused: it would take memory and time, not give speed. */
export function checkThreads(threads: number | undefined, where: string): void {
  const cores = availableParallelism();
  const max = THREADS_PER_CORE * cores;
  if (threads !== undefined && threads > max) {
    throw new UserError(`${where}: training.threads (--threads) is ${threads}, more than ${THREADS_PER_CORE}× the ${cores} cores; give at most ${max}`);
  }
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

/** The value without its undefined fields (the overrides leave some); NaN and Infinity stay what they are, for the messages. */
export function stripUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripUndefined) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, stripUndefined(v)])) as T;
}

/** A setting that is allowed but odd: one line on stderr, and the run goes on. */
export function printWarning(message: string): void {
  process.stderr.write(`nnt: warning: ${message}\n`);
}
