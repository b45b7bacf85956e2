import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { applyConventions, handleError } from './conventions';
import { shippedConfigNames } from '../io/shipped-configs';

/**
 * The command line. Each command lives in its own file, loaded only when it runs, so
 * `nnt --help` starts fast. Errors become one line on stderr and an exit code (see
 * conventions.ts); bare `nnt` prints the help on stdout and exits 0.
 */
export function main(argv: string[]): void {
  // A reader that stops early (`nnt data | head`) is not an error: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const program = buildProgram();
  if (argv.length <= 2) {
    process.stdout.write(program.helpInformation());
    return;
  }
  program.parseAsync(argv).catch(handleError);
}

/** Every command and flag; `nnt completion` reads them from here too. */
export function buildProgram(): Command {
  const program = new Command()
    .name('nnt')
    .description('Train neural networks by backpropagation, from scratch, on a Float64Array math core.')
    .version(require('../../package.json').version);

  withTrainingOverrides(
    program
      .command('train')
      .description('train a network from a config (default: the book\'s two-layer net on the embedded MNIST)')
      .option('-c, --config <file>', configHelp('config file, JSON or YAML (default: two-layer)')),
    'random seed (weights, data order)',
  )
    .option('-o, --out <file>', 'weights file; metrics and checkpoint go beside it')
    .option('--resume <checkpoint>', 'continue an interrupted run from its checkpoint')
    .addOption(new Option('--backend <name>', 'kernels: wasm (SIMD), native (wasm + the system\'s CBLAS, if built), ts (reference), auto (wasm when it works)').choices(['auto', 'wasm', 'native', 'ts']))
    .option('--threads <n>', 'threads for the wasm kernels (default: one, and one more per core the load average leaves idle)', positiveInt)
    .option('-q, --quiet', 'print only the epoch lines (no progress, header or summary)')
    .option('--json', 'print one JSON document when the run ends (status, files, every epoch\'s metrics), nothing else')
    .option('--verbose', 'at the end, say on stderr what the backend did: TypeScript fallbacks (slow paths), thread windows')
    .option('--sweep <field=a,b,...>', 'train one run per value of a config field (e.g. training.optimizer=sgd,adam) and compare them')
    .option('--out-dir <dir>', 'with --sweep: each run writes into its own folder here (default: runs/compare)')
    .action((opts) => (require('./train') as typeof import('./train')).run(opts));

  withTrainingOverrides(
    program
      .command('compare')
      .description('train several configs with the same seed and data order, and compare loss, accuracy and time in a table')
      .argument('<configs...>', configHelp('config files, JSON or YAML')),
    "the seed of every run (default: the first config's)",
  )
    .option('--out-dir <dir>', 'each run writes into its own folder here (default: runs/compare)')
    .option('-q, --quiet', 'print only each run\'s first line, its epoch lines, and the table')
    .option('--json', 'print the table as JSON, nothing else')
    .action((files, opts) => (require('./compare') as typeof import('./compare')).run(files, opts));

  program
    .command('eval')
    .description('accuracy, loss, confusion matrix and per-class precision/recall of saved weights on the test set')
    .argument('[weights]', 'a weights file written by nnt train (or a checkpoint); default: the most recent one under runs/')
    .option('--data <dir>', 'other IDX files (same layout as MNIST) instead of the config\'s test set')
    .option('--limit <n>', 'use only the first N test samples', positiveInt)
    .option('--show-errors <n>', 'draw N misclassified digits as text art', nonNegativeInt)
    .option('--json', 'print the results as JSON')
    .action((file, opts) => (require('./eval') as typeof import('./eval')).run(file, opts));

  program
    .command('gradcheck')
    .description('compare backprop gradients with numerical ones, for every parameter of a network')
    .option('-c, --config <file>', configHelp('the network to check (default: two-layer)'))
    .option('--samples <n>', 'number of MNIST training samples', positiveInt, 3)
    .option('--seed <n>', 'seed for the weights and the choice of samples', nonNegativeInt, 1)
    .option('--entries <n>', 'check at most N entries of each parameter, chosen at random (default 200); "all" checks every entry', entriesOption)
    .option('--threshold <x>', 'largest relative error that passes', positiveNumber)
    .option('--json', 'print the rows as JSON')
    .addOption(new Option('--backend <name>', 'kernels to check (default: the config\'s, as training uses them)').choices(['auto', 'wasm', 'native', 'ts']))
    .option('--layers', 'check every layer type on its own, on every backend, in one table')
    .action((opts) => (require('./gradcheck') as typeof import('./gradcheck')).run(opts));

  program
    .command('check-layer')
    .description('check a layer you wrote (a JS or TS class with forward and backward) against numerical gradients, in plain words')
    .argument('<file>', 'a module exporting layer classes (see README: check your own layer)')
    .option('--layer <name>', 'check only this exported class')
    .option('--seed <n>', 'seed of the random inputs', nonNegativeInt, 1)
    .option('--json', 'print the findings as JSON')
    .action((file, opts) => (require('./check-layer') as typeof import('./check-layer')).run(file, opts));

  program
    .command('explain [topic]')
    .description('show the computational graph with numbers: forward values, backward gradients, numerical checks')
    .option('--apples <n>', 'shopping: number of apples (2)')
    .option('--apple-price <x>', 'shopping: price of one apple (100)')
    .option('--oranges <n>', 'shopping: number of oranges (3)')
    .option('--orange-price <x>', 'shopping: price of one orange (150)')
    .option('--tax <x>', 'shopping: tax factor (1.1)')
    .option('--budget <x>', 'loss: what we meant to pay (700)')
    .option('--seed <n>', 'affine, softmax-loss, train-step: seed of the small example numbers (1)')
    .option('--at <x,y,...>', 'relu, sigmoid: inputs to evaluate at')
    .option('--json', 'print the whole trace as JSON')
    .option('--dot [file]', 'write a Graphviz graph (forward values and gradients on the edges) to file, or stdout')
    .option('--svg <file>', 'draw the graph as an SVG picture (Graphviz compiled to WebAssembly; nothing to install)')
    .option('--lang <code>', 'language of the prose: en or ko (default: from LANG)')
    .option('-c, --config <file>', configHelp('instead of a topic: one real MNIST sample through this config\'s network, layer by layer'))
    .option('--weights <file>', 'like --config, with the trained weights (and config) of this file')
    .option('--sample <k>', 'with --config/--weights: which training sample (0), the first of the batch')
    .option('--batch <n>', 'with --config/--weights: samples in the traced batch (1; 8 for a batch-norm net in training mode)')
    .option('--eval', 'with --config/--weights: evaluation mode (batch norm\'s running averages, no dropout)')
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

  program
    .command('serve')
    .description('a local page: draw a digit for the network, watch it train, look inside, step through the graphs')
    .option('-c, --config <file>', 'the config the Train panel trains (default: configs/two-layer.json)')
    .option('--weights <file>', 'weights for the Draw panel (default: the newest weights file under runs/)')
    .option('--port <n>', 'port (default: a free one)', nonNegativeInt)
    .option('--host <host>', 'address to listen on (default 127.0.0.1; anything else is reachable by others)')
    .option('--open', 'open the page in the browser')
    .option('--epochs <n>', 'number of epochs of the Train panel\'s run', positiveInt)
    .option('--limit <n>', 'train on the first N training and test samples (quick runs)', positiveInt)
    .option('-o, --out <file>', 'weights file of the Train panel\'s run; metrics and checkpoint go beside it')
    .addOption(new Option('--backend <name>', 'kernels for training: wasm, native, ts, auto').choices(['auto', 'wasm', 'native', 'ts']))
    .option('--threads <n>', 'threads for the wasm kernels', positiveInt)
    .action((opts) => (require('./serve') as typeof import('./serve')).run(opts));

  program
    .command('predict')
    .description('the classes a trained network sees in PNG/JPEG pictures of digits (prepared as MNIST was), or in test sample N')
    .argument('<weights>', 'a weights file written by nnt train')
    .argument('[images...]', 'PNG or JPEG pictures, any size, dark on light or light on dark')
    .option('--index <n,...>', 'predict test sample N (or samples N,M,...) instead of pictures', indexList)
    .option('--top <k>', 'number of classes to list', positiveInt, 3)
    .option('--show', 'draw the 28×28 the network saw as text art')
    .option('--json', 'print the predictions as one JSON value')
    .action((weights, images, opts) => (require('./predict') as typeof import('./predict')).run(weights, images, opts));

  program
    .command('report')
    .description('an HTML report with charts (and SVG/PNG figures) of one or more runs: curves, confusion matrix, wrong digits, first-layer weights')
    .argument('<runs...>', 'run folders, metrics files (*.metrics.jsonl) or weights files')
    .option('-o, --out <file>', 'the HTML file; the figures go into a folder beside it', 'report.html')
    .option('--png', 'also write each figure as PNG')
    .option('--limit <n>', 'evaluate on the first N test samples only', positiveInt)
    .option('--terminal', 'print the curves as text charts instead of writing files')
    .action((runs, opts) => (require('./report') as typeof import('./report')).run(runs, opts));

  program
    .command('export')
    .description('write saved weights as ONNX, safetensors, or a PyTorch folder (model.py, train.py for torchrun)')
    .argument('<weights>', 'a weights file written by nnt train (or nnt import)')
    .addOption(new Option('--format <format>', 'what to write').choices(['onnx', 'safetensors', 'pytorch']).makeOptionMandatory())
    .option('-o, --out <path>', 'the file to write (a folder for pytorch)')
    .addOption(new Option('--dtype <type>', 'number type of the arrays').choices(['float64', 'float32']).default('float64'))
    .action((file, opts) => (require('./export') as typeof import('./export')).run(file, opts));

  program
    .command('import')
    .description('an nnt weights file from an ONNX model or a safetensors file, for eval, explain --weights and report')
    .argument('<file>', 'a .onnx or .safetensors file')
    .option('-o, --out <file>', 'the weights file to write')
    .option('-c, --config <file>', 'safetensors: the network the tensors belong to (default: the config nnt stored in the file)')
    .addOption(new Option('--format <format>', 'the file\'s format (default: by extension or content)').choices(['onnx', 'safetensors']))
    .action((file, opts) => (require('./import') as typeof import('./import')).run(file, opts));

  program
    .command('completion')
    .description('print a shell completion script (commands, flags, shipped config names): eval "$(nnt completion bash)"')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action((shell) => (require('./completion') as typeof import('./completion')).run(shell, program));

  return applyConventions(program);
}

/** Help for a --config flag: what it takes, with the shipped configs listed. */
export function configHelp(what: string): string {
  return `${what}: a path, or the name of a shipped config: ${shippedConfigNames().join(', ')}`;
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

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function entriesOption(value: string): number | 'all' {
  return value === 'all' ? 'all' : positiveInt(value);
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

/** "3" or "3,18,61": test sample indices. */
function indexList(value: string): number[] {
  return value.split(',').map((part) => nonNegativeInt(part.trim()));
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}
