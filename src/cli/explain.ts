import * as fs from 'node:fs';
import chalk from 'chalk';
import { renderDot } from '../explain/dot';
import { toGraph } from '../explain/graph';
import { renderText } from '../explain/render-text';
import { columns, type Paint } from '../explain/text-format';
import { explain, topics, type ExplainOptions } from '../explain/topics';
import { UserError } from './errors';

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
}

// chalk 4 switches itself off when stdout is not a terminal (and honours NO_COLOR / FORCE_COLOR).
const paint: Paint = { title: chalk.bold, forward: chalk.cyan, backward: chalk.magenta, ok: chalk.green, bad: chalk.red.bold, note: chalk.dim };

export function run(topic: string | undefined, flags: Flags): void {
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
