import * as fs from 'node:fs';
import chalk from 'chalk';
import { renderDot } from '../explain/dot';
import { toGraph } from '../explain/graph';
import { renderText } from '../explain/render-text';
import { columns, type Paint } from '../explain/text-format';
import { explain, topics, type ExplainOptions } from '../explain/topics';
import { UserError } from '../errors';

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
}

// chalk 4 switches itself off when stdout is not a terminal (and honours NO_COLOR / FORCE_COLOR).
const paint: Paint = { title: chalk.bold, forward: chalk.cyan, backward: chalk.magenta, ok: chalk.green, bad: chalk.red.bold, note: chalk.dim };

export function run(topic: string | undefined, flags: Flags): void {
  if (flags.config !== undefined || flags.weights !== undefined) {
    if (topic !== undefined) throw new UserError(`explain ${topic} is a fixed example; --config and --weights go without a topic`);
    return runNetwork(flags);
  }
  if (topic === undefined) {
    if (flags.json) console.log(JSON.stringify(topics.map(({ name, summary }) => ({ name, summary })), null, 2));
    else console.log(['nnt explain <topic>: the computational graph, forward and backward, with numbers', ...columns(['topic', ''], topics.map((t) => [t.name, t.summary])).slice(1).map((l) => '  ' + l)].join('\n'));
    return;
  }
  const toStdout = flags.dot === true || flags.dot === '-';
  if (toStdout && flags.json) throw new UserError('--json and --dot without a file both write to stdout; give --dot a file name');

  const trace = explain(topic, options(flags));
  if (flags.dot !== undefined) {
    const dot = renderDot(toGraph(trace));
    if (toStdout) process.stdout.write(dot);
    else writeFile(flags.dot as string, dot);
  }
  if (flags.json) console.log(JSON.stringify(trace, null, 2));
  else if (flags.dot === undefined || !toStdout) {
    if (flags.dot === undefined) console.log(renderText(trace, paint));
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
  if (flags.dot !== undefined) throw new UserError('--dot draws the fixed examples; for a network use the text or --json');

  const doc = flags.weights !== undefined ? readWeights(flags.weights) : undefined;
  const where = basename(flags.weights ?? flags.config!);
  const config = doc?.config ?? loadConfig(flags.config!);
  const train = loadTrainSet(config.data);
  const net = networkFromConfig(config, doc?.inputSize ?? train.sampleSize, doc?.classes ?? train.classes, tsKernels, where, doc?.inputShape ?? train.imageShape);
  if (doc) loadInto(net, doc, flags.weights!);
  net.weightDecay = config.training.weightDecay;

  const k = number(flags.sample, '--sample') ?? 0;
  if (!Number.isInteger(k) || k < 0 || k >= train.count) throw new UserError(`--sample: expected a training sample index from 0 to ${train.count - 1}, got '${flags.sample}'`);
  const x = { data: new Float64Array(train.sampleSize), shape: [1, train.sampleSize] };
  const labels = new Uint8Array(1);
  gatherBatch(train, [k], 0, 1, x.data, labels);
  const { optimizer, learningRate, clipNorm, schedule } = config.training;
  const trace = traceNetwork(net, x, labels, learningRate, { optimizer: createOptimizer(optimizer, tsKernels), clipNorm });
  if (flags.json) console.log(JSON.stringify({ source: where, sample: k, label: labels[0], ...trace }, null, 2));
  else {
    console.log(`${where}: training sample ${k} (a ${labels[0]}) through the network${doc ? ' with its trained weights' : ', initial weights from the seed'}\n`);
    console.log(renderNetworkTrace(trace, paint));
    const warmup = schedule.warmupSteps || schedule.warmupEpochs;
    if (schedule.type !== 'constant' || warmup) {
      console.log(paint.note(`(lr is the config's base learning rate; its ${schedule.type} schedule${warmup ? ' with warm-up' : ''} changes it during training)`));
    }
  }
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
  const seed = number(flags.seed, '--seed');
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new UserError(`--seed: expected a non-negative integer, got '${flags.seed}'`);
  const at = flags.at === undefined ? undefined : flags.at.split(',').map((s) => number(s.trim(), '--at')!);
  if (at && at.length === 0) throw new UserError('--at: expected a comma-separated list of numbers');
  return {
    ...(Object.keys(given).length > 0 && { shopping: given }),
    ...(seed !== undefined && { seed }),
    ...(at && { at }),
  };
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UserError(`${flag}: expected a number, got '${value}'`);
  return n;
}

function writeFile(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (error) {
    throw new UserError(`cannot write ${file}: ${(error as Error).message}`);
  }
}
