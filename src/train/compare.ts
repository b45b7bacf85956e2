import { basename, extname, join } from 'node:path';
import YAML from 'yaml';
import { UserError } from '../errors';
import type { Kernels } from '../core/kernels';
import { validateConfig } from '../io/config';
import type { Config } from '../io/config-schema';
import { train, type TrainEvents, type TrainOutcome } from './trainer';

/** One run of a comparison: a validated config and the name it goes by in the table. */
export interface CompareRun {
  label: string;
  config: Config;
  where: string;
}

export interface CompareRow {
  label: string;
  status: TrainOutcome['status'];
  /** Epochs trained (fewer than configured when stopped early). */
  epochs: number;
  trainLoss: number | null;
  evalSet: 'test' | 'validation' | null;
  evalAccuracy: number | null;
  evalLoss: number | null;
  /** Wall-clock seconds of the whole run, evaluations included. */
  seconds: number;
  weights: string;
  metrics: string;
  message?: string;
}

export interface CompareOptions {
  kernels: Kernels;
  /** Each run writes its weights, metrics and checkpoint into its own folder here. */
  outDir: string;
  /** The seed every run uses; default: the first config's. */
  seed?: number;
  /** Progress events for run `index`. */
  events?: (run: CompareRun, index: number, outDir: string) => TrainEvents;
  /** Polled after every batch; the current run saves a checkpoint and the comparison ends. */
  shouldStop?: () => boolean;
  /** Told of odd but allowed settings of a run (see TrainSetup.warn). */
  warn?: (message: string) => void;
}

/**
 * Trains several configs one after the other, with the same seed, so that runs with the same
 * data settings see the same initial weights (for the same layers) and the same batches in the
 * same order: what differs between rows is what differs between the configs.
 */
export async function compareRuns(runs: CompareRun[], options: CompareOptions): Promise<CompareRow[]> {
  const seed = options.seed ?? runs[0]?.config.training.seed ?? 1;
  const folders = uniqueFolders(runs.map((r) => r.label));
  const rows: CompareRow[] = [];
  for (const [index, run] of runs.entries()) {
    const outDir = join(options.outDir, folders[index]);
    const config: Config = {
      ...run.config,
      training: { ...run.config.training, seed },
      output: { ...run.config.output, weights: join(outDir, 'weights.json') },
    };
    const started = performance.now();
    const outcome = await train({
      config,
      where: run.where,
      kernels: options.kernels,
      shouldStop: options.shouldStop,
      warn: options.warn,
      events: options.events?.({ ...run, config }, index, outDir),
    });
    const last = outcome.history.at(-1);
    rows.push({
      label: run.label,
      status: outcome.status,
      epochs: outcome.history.length,
      trainLoss: last?.trainLoss ?? null,
      evalSet: last?.evalSet ?? null,
      evalAccuracy: last?.evalAccuracy ?? null,
      evalLoss: last?.evalLoss ?? null,
      seconds: (performance.now() - started) / 1000,
      weights: outcome.paths.weights,
      metrics: outcome.paths.metrics,
      message: outcome.message,
    });
    if (outcome.status === 'interrupted') break;
  }
  return rows;
}

/**
 * The configs of a sweep: `training.optimizer=sgd,momentum,adam` sets that field of the raw
 * (unvalidated) config to each value in turn. Values are read as YAML, so numbers stay
 * numbers and `{type: adam, beta1: 0.95}` is an object; commas inside braces or brackets do
 * not split values.
 */
export function sweepRuns(raw: unknown, where: string, sweep: string): CompareRun[] {
  const eq = sweep.indexOf('=');
  const path = sweep.slice(0, eq).trim();
  if (eq <= 0 || !/^[A-Za-z$][\w$]*(\.[A-Za-z$][\w$]*)*$/.test(path)) {
    throw new UserError(`--sweep ${sweep}: expected FIELD=VALUE,VALUE,... such as training.optimizer=sgd,adam`);
  }
  const values = splitValues(sweep.slice(eq + 1));
  if (values.length < 1 || values.some((v) => v === '')) throw new UserError(`--sweep ${sweep}: give one or more values, separated by commas`);
  const key = path.split('.').at(-1)!;
  return values.map((text) => {
    let value: unknown;
    try {
      value = YAML.parse(text);
    } catch {
      value = text;
    }
    const config = structuredClone(raw) as Record<string, unknown>;
    setPath(config, path.split('.'), value);
    try {
      return { label: `${key}=${text}`, config: validateConfig(config, where), where };
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`${error.message} (with --sweep ${path}=${text})`);
      throw error;
    }
  });
}

/** A label for a config file in a comparison: its `name`, or the file name without extension. */
export function configLabel(config: Config, file: string): string {
  return config.name ?? basename(file, extname(file));
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    if (node[key] === null || typeof node[key] !== 'object' || Array.isArray(node[key])) {
      throw new UserError(`--sweep: ${keys.join('.')} does not name a field (${key} is not a group of settings)`);
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

function splitValues(text: string): string[] {
  const values: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '{' || c === '[') depth++;
    if (c === '}' || c === ']') depth--;
    if (c === ',' && depth === 0) {
      values.push(current.trim());
      current = '';
    } else current += c;
  }
  values.push(current.trim());
  return values;
}

/** Folder names from labels: safe characters only, and distinct. */
function uniqueFolders(labels: string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((label) => {
    const base = label.replace(/=/g, '-').replace(/[^\w.-]+/g, '_').replace(/^[._]+|_+$/g, '') || 'run';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}
