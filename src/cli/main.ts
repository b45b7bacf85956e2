import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

/**
 * The command line. Each command lives in its own file, loaded only when it runs, so
 * `nnt --help` starts fast. Errors become one line on stderr and a non-zero exit code.
 */
export function main(argv: string[]): void {
  const program = new Command()
    .name('nnt')
    .description('Train neural networks by backpropagation, from scratch, on a Float64Array math core.')
    .version(require('../../package.json').version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  withTrainingOverrides(
    program
      .command('train')
      .description('train a network from a config (default: the book\'s two-layer net on the embedded MNIST)')
      .option('-c, --config <file>', 'config file, JSON or YAML (default: configs/two-layer.json)'),
    'random seed (weights, data order)',
  )
    .option('-o, --out <file>', 'weights file; metrics and checkpoint go beside it')
    .option('--resume <checkpoint>', 'continue an interrupted run from its checkpoint')
    .addOption(new Option('--backend <name>', 'kernels: wasm (SIMD), ts (reference), auto (wasm when it works)').choices(['auto', 'wasm', 'ts']))
    .option('--threads <n>', 'threads for the wasm kernels (default: the number of cores)', positiveInt)
    .option('-q, --quiet', 'print only one line per epoch')
    .option('--json', 'print one JSON object per epoch, nothing else')
    .option('--sweep <field=a,b,...>', 'train one run per value of a config field (e.g. training.optimizer=sgd,adam) and compare them')
    .option('--out-dir <dir>', 'with --sweep: each run writes into its own folder here (default: runs/compare)')
    .action((opts) => (require('./train') as typeof import('./train')).run(opts));

  withTrainingOverrides(
    program
      .command('compare')
      .description('train several configs with the same seed and data order, and compare loss, accuracy and time in a table')
      .argument('<configs...>', 'config files, JSON or YAML'),
    "the seed of every run (default: the first config's)",
  )
    .option('--out-dir <dir>', 'each run writes into its own folder here (default: runs/compare)')
    .option('-q, --quiet', 'print only the epoch lines and the table')
    .option('--json', 'print the table as JSON, nothing else')
    .action((files, opts) => (require('./compare') as typeof import('./compare')).run(files, opts));

  program
    .command('eval')
    .description('accuracy, loss, confusion matrix and per-class precision/recall of saved weights on the test set')
    .argument('<weights>', 'a weights file written by nnt train (or a checkpoint)')
    .option('--data <dir>', 'other IDX files (same layout as MNIST) instead of the config\'s test set')
    .option('--limit <n>', 'use only the first N test samples', positiveInt)
    .option('--show-errors <n>', 'draw N misclassified digits as text art', nonNegativeInt)
    .option('--json', 'print the results as JSON')
    .action((file, opts) => (require('./eval') as typeof import('./eval')).run(file, opts));

  program
    .command('gradcheck')
    .description('compare backprop gradients with numerical ones, for every parameter of a network')
    .option('-c, --config <file>', 'the network to check (default: configs/two-layer.json)')
    .option('--samples <n>', 'number of MNIST training samples', positiveInt, 3)
    .option('--seed <n>', 'seed for the weights and the choice of samples', nonNegativeInt, 1)
    .option('--entries <n>', 'check at most N entries of each parameter, chosen at random (default 200); "all" checks every entry', entriesOption)
    .option('--threshold <x>', 'largest relative error that passes', positiveNumber)
    .option('--json', 'print the rows as JSON')
    .action((opts) => (require('./gradcheck') as typeof import('./gradcheck')).run(opts));

  program
    .command('explain [topic]')
    .description('show the computational graph with numbers: forward values, backward gradients, numerical checks')
    .option('--apples <n>', 'shopping: number of apples (2)')
    .option('--apple-price <x>', 'shopping: price of one apple (100)')
    .option('--oranges <n>', 'shopping: number of oranges (3)')
    .option('--orange-price <x>', 'shopping: price of one orange (150)')
    .option('--tax <x>', 'shopping: tax factor (1.1)')
    .option('--seed <n>', 'affine, softmax-loss: seed of the small example numbers (1)')
    .option('--at <x,y,...>', 'relu, sigmoid: inputs to evaluate at')
    .option('--json', 'print the whole trace as JSON')
    .option('--dot [file]', 'write a Graphviz graph (forward values and gradients on the edges) to file, or stdout')
    .option('-c, --config <file>', 'instead of a topic: one real MNIST sample through this config\'s network, layer by layer')
    .option('--weights <file>', 'like --config, with the trained weights (and config) of this file')
    .option('--sample <k>', 'with --config/--weights: which training sample (0)')
    .action((topic, opts) => (require('./explain') as typeof import('./explain')).run(topic, opts));

  program
    .command('data')
    .description('show the dataset: its files, counts, image shape, class counts, and a few samples as text art')
    .argument('[action]', "what to do (only 'info')", 'info')
    .option('--samples <n>', 'number of training samples to draw', nonNegativeInt, 3)
    .option('--seed <n>', 'seed for the choice of samples', nonNegativeInt, 1)
    .option('--dir <dir>', 'read the four IDX files (standard MNIST names, plain or .gz) from DIR instead of the embedded MNIST')
    .option('--json', 'print the information as JSON')
    .action((action, opts) => (require('./data') as typeof import('./data')).run(action, opts));

  program.parseAsync(argv).catch(handleError);
}

/** The flags that override a config's usual knobs, shared by train and compare. */
function withTrainingOverrides(command: Command, seedHelp: string): Command {
  return command
    .option('--epochs <n>', 'number of epochs', positiveInt)
    .option('--iterations <n>', 'number of batches in all, instead of epochs', positiveInt)
    .option('--lr <x>', 'learning rate', positiveNumber)
    .option('--batch-size <n>', 'samples per batch', positiveInt)
    .option('--seed <n>', seedHelp, nonNegativeInt)
    .option('--limit <n>', 'use only the first N training and test samples (quick runs)', positiveInt);
}

function handleError(error: unknown): void {
  if (error instanceof CommanderError) {
    // commander has already printed its message (or the help / version).
    process.exitCode = error.exitCode;
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`nnt: ${message}\n`);
  if (process.env.NNT_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

function entriesOption(value: string): number | 'all' {
  return value === 'all' ? 'all' : positiveInt(value);
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer.');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('must be a positive number.');
  return n;
}
