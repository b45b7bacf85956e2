import * as fs from 'node:fs';
import chalk from 'chalk';
import { renderDot } from '../explain/dot';
import { toGraph } from '../explain/graph';
import { renderText } from '../explain/render-text';
import { columns, type Paint } from '../explain/text-format';
import { explain, topics, type ExplainOptions } from '../explain/topics';
import { UsageError, UserError } from '../errors';

/** Flags arrive as strings (commander leaves them unparsed) and are checked here, by name. */
interface Flags {
  apples?: string;
  applePrice?: string;
  oranges?: string;
  orangePrice?: string;
  tax?: string;
  seed?: string;
  at?: string;
  json?: boolean;
  dot?: string | true;
  config?: string;
  weights?: string;
  sample?: string;
  batch?: string;
  budget?: string;
  eval?: boolean;
  lang?: string;
  svg?: string;
}

// chalk 4 switches itself off when stdout is not a terminal and reads FORCE_COLOR, but not NO_COLOR:
// the CLI sets chalk.level for that and --no-color (src/cli/conventions.ts).
const paint: Paint = { title: chalk.bold, forward: chalk.cyan, backward: chalk.magenta, ok: chalk.green, bad: chalk.red.bold, note: chalk.dim };

export async function run(topic: string | undefined, flags: Flags): Promise<void> {
  if (flags.lang !== undefined && !['en', 'ko'].includes(flags.lang)) throw new UsageError(`--lang: expected en or ko, got '${flags.lang}'`);
  if (flags.config !== undefined || flags.weights !== undefined) {
    if (topic !== undefined) throw new UsageError(`explain ${topic} is a fixed example; --config and --weights go without a topic`);
    if (flags.svg !== undefined) throw new UsageError('--svg draws the fixed examples; for a network use the text or --json');
    return runNetwork(flags);
  }
  if (topic === undefined) {
    if (flags.json) console.log(JSON.stringify(topics.map(({ name, summary }) => ({ name, summary })), null, 2));
    else if (language(flags.lang) === 'ko') {
      const { koreanSummaries } = require('../explain/korean') as typeof import('../explain/korean');
      console.log(['nnt explain <주제>: 계산 그래프를 숫자와 함께, 순전파와 역전파로', ...columns(['topic', ''], topics.map((t) => [t.name, koreanSummaries[t.name] ?? t.summary])).slice(1).map((l) => '  ' + l)].join('\n'));
    } else console.log(['nnt explain <topic>: the computational graph, forward and backward, with numbers', ...columns(['topic', ''], topics.map((t) => [t.name, t.summary])).slice(1).map((l) => '  ' + l)].join('\n'));
    return;
  }
  const toStdout = flags.dot === true || flags.dot === '-';
  if (toStdout && flags.json) throw new UsageError('--json and --dot without a file both write to stdout; give --dot a file name');

  const trace = explain(topic, options(flags));
  const lang = language(flags.lang);
  if (flags.svg !== undefined) {
    const { renderSvg } = require('../explain/svg') as typeof import('../explain/svg');
    writeFile(flags.svg, await renderSvg(renderDot(toGraph(trace))));
    if (flags.json || flags.dot !== undefined) {
      /* the other outputs follow */
    } else {
      console.log(lang === 'ko' ? `${flags.svg} 파일을 썼습니다` : `wrote ${flags.svg}`);
      return;
    }
  }
  if (flags.dot !== undefined) {
    const dot = renderDot(toGraph(trace));
    if (toStdout) process.stdout.write(dot);
    else writeFile(flags.dot as string, dot);
  }
  if (flags.json) console.log(JSON.stringify(trace, null, 2));
  else if (flags.dot === undefined || !toStdout) {
    if (flags.dot === undefined) console.log(lang === 'ko' ? translate(renderText(trace, paint)) : renderText(trace, paint));
    else console.log(`wrote ${flags.dot} (render it with: dot -Tsvg ${flags.dot} -o graph.svg)`);
  }
}

/**
 * One real MNIST training sample through the user's own network (initial weights from the
 * config's seed, or trained ones from --weights): every layer forward and backward, and what
 * one step of the config's optimizer changes, at its learning rate, with its weight decay and
 * gradient clipping. The optimizer is a fresh one: a weights file keeps no optimizer state.
 */
function runNetwork(flags: Flags): void {
  const { basename } = require('node:path') as typeof import('node:path');
  const { loadConfig } = require('../io/config') as typeof import('../io/config');
  const { readWeights, loadInto } = require('../io/weights') as typeof import('../io/weights');
  const { networkFromConfig } = require('../net/from-config') as typeof import('../net/from-config');
  const { loadTrainSet } = require('../data/source') as typeof import('../data/source');
  const { gatherBatch } = require('../data/dataset') as typeof import('../data/dataset');
  const { tsKernels } = require('../core/ts-kernels') as typeof import('../core/ts-kernels');
  const { traceNetwork } = require('../explain/network-trace') as typeof import('../explain/network-trace');
  const { renderNetworkTrace } = require('../explain/render-network-trace') as typeof import('../explain/render-network-trace');
  const { createOptimizer } = require('../optim/create') as typeof import('../optim/create');
  if (flags.dot !== undefined) throw new UsageError('--dot draws the fixed examples; for a network use the text or --json');

  const { existingWeights } = require('../io/runs') as typeof import('../io/runs');
  const doc = flags.weights !== undefined ? readWeights(existingWeights(flags.weights)) : undefined;
  const where = basename(flags.weights ?? flags.config!);
  const config = doc?.config ?? loadConfig(flags.config!);
  const train = loadTrainSet(config.data);
  const net = networkFromConfig(config, doc?.inputSize ?? train.sampleSize, doc?.classes ?? train.classes, tsKernels, where, doc?.inputShape ?? train.imageShape);
  if (doc) loadInto(net, doc, flags.weights!);
  net.weightDecay = config.training.weightDecay;

  const { batch, training } = traceMode(net, flags);
  const k = number(flags.sample, '--sample') ?? 0;
  if (!Number.isInteger(k) || k < 0 || k + batch > train.count) throw new UsageError(`--sample: expected a training sample index from 0 to ${train.count - batch}, got '${flags.sample}'`);
  const x = { data: new Float64Array(batch * train.sampleSize), shape: [batch, train.sampleSize] };
  const labels = new Uint8Array(batch);
  gatherBatch(train, Int32Array.from({ length: batch }, (_, i) => k + i), 0, batch, x.data, labels);
  const { optimizer, learningRate, clipNorm, schedule } = config.training;
  const trace = traceNetwork(net, x, labels, learningRate, { optimizer: createOptimizer(optimizer, tsKernels), clipNorm, training });
  const samples = batch === 1 ? `training sample ${k} (a ${labels[0]})` : `training samples ${k}–${k + batch - 1} (labels ${Array.from(labels).join(', ')})`;
  if (flags.json) console.log(JSON.stringify({ source: where, sample: k, ...(batch === 1 ? { label: labels[0] } : { samples: batch, labels: Array.from(labels) }), ...trace }, null, 2));
  else {
    console.log(`${where}: ${samples} through the network${doc ? ' with its trained weights' : ', initial weights from the seed'}`);
    console.log(`${trace.mode} mode: ${modeNote(net, training, batch)}\n`);
    console.log(renderNetworkTrace(trace, paint));
    const warmup = schedule.warmupSteps || schedule.warmupEpochs;
    if (schedule.type !== 'constant' || warmup) {
      console.log(paint.note(`(lr is the config's base learning rate; its ${schedule.type} schedule${warmup ? ' with warm-up' : ''} changes it during training)`));
    }
  }
}

/**
 * Batch norm normalizes each feature over the batch in training mode: over a batch of one it
 * outputs β and every gradient below it is 0. So a batch-norm net is traced on a batch of 8
 * in training mode, or on one sample in evaluation mode (--eval).
 */
function traceMode(net: import('../net/network').Network, flags: Flags): { batch: number; training: boolean } {
  const training = !flags.eval;
  const batchNorm = net.layers.some((l) => l.constructor.name === 'BatchNorm');
  const batch = number(flags.batch, '--batch') ?? (training && batchNorm ? 8 : 1);
  if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`--batch: expected a positive integer, got '${flags.batch}'`);
  if (training && batchNorm && batch === 1) {
    throw new UsageError('--batch 1 in training mode: batch norm would normalize each feature over one sample (its output is β, every gradient below it 0); use --batch 2 or more, or --eval');
  }
  return { batch, training };
}

function modeNote(net: import('../net/network').Network, training: boolean, batch: number): string {
  const kinds = new Set(net.layers.map((l) => l.constructor.name));
  const parts: string[] = [];
  if (kinds.has('BatchNorm')) parts.push(training ? `batch norm normalizes each feature over these ${batch} samples` : 'batch norm uses its running mean and variance');
  if (kinds.has('Dropout')) parts.push(training ? 'dropout drops units' : 'dropout passes every unit');
  if (!parts.length) parts.push(training ? 'as in a training step' : 'as in evaluation');
  return parts.join('; ') + (training ? '' : ' (as nnt eval predicts)');
}

/** --lang, else LANG / LC_ALL / LC_MESSAGES starting with "ko", else English. */
function language(flag: string | undefined): 'en' | 'ko' {
  if (flag === 'en' || flag === 'ko') return flag;
  const env = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
  return /^ko/i.test(env) ? 'ko' : 'en';
}

function translate(text: string): string {
  const { toKorean } = require('../explain/korean') as typeof import('../explain/korean');
  return toKorean(text);
}

function options(flags: Flags): ExplainOptions {
  const shopping = {
    apples: number(flags.apples, '--apples'),
    applePrice: number(flags.applePrice, '--apple-price'),
    oranges: number(flags.oranges, '--oranges'),
    orangePrice: number(flags.orangePrice, '--orange-price'),
    tax: number(flags.tax, '--tax'),
  };
  const given = Object.fromEntries(Object.entries(shopping).filter(([, v]) => v !== undefined));
  const budget = number(flags.budget, '--budget');
  const seed = number(flags.seed, '--seed');
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new UsageError(`--seed: expected a non-negative integer, got '${flags.seed}'`);
  const at = flags.at === undefined ? undefined : flags.at.split(',').map((s) => number(s.trim(), '--at')!);
  if (at && at.length === 0) throw new UsageError('--at: expected a comma-separated list of numbers');
  return {
    ...(Object.keys(given).length > 0 && { shopping: given }),
    ...(seed !== undefined && { seed }),
    ...(at && { at }),
    ...(budget !== undefined && { budget }),
  };
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got '${value}'`);
  return n;
}

function writeFile(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (error) {
    throw new UserError(`cannot write ${file}: ${(error as Error).message}`);
  }
}
