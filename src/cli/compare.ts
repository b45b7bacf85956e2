import { UserError } from '../errors';
import { table } from './format';
import { validateConfig } from '../io/config';
import { catchInterrupt } from './interrupt';
import { compareRuns, configLabel, type CompareRow, type CompareRun } from '../train/compare';
import { progressMode, progressReporter } from './progress';
import { kernelsFor, overridden, type TrainOptions } from './run-config';

export interface CompareOptions extends Pick<TrainOptions, 'epochs' | 'iterations' | 'lr' | 'batchSize' | 'seed' | 'limit' | 'quiet' | 'json'> {
  outDir?: string;
}

const DEFAULT_OUT_DIR = 'runs/compare';

/** `nnt compare CONFIG...`: the configs, with the same overrides, side by side. */
export async function run(files: string[], opts: CompareOptions): Promise<void> {
  if (files.length < 1) throw new UserError('compare: give one or more config files');
  const runs: CompareRun[] = files.map((file) => {
    const config = validateConfig(overridden(file, opts), file);
    return { label: configLabel(config, file), config, where: file };
  });
  await runComparison(runs, opts);
}

/** Trains the runs one after the other, reporting each as `nnt train` does, then prints the table. */
export async function runComparison(runs: CompareRun[], opts: CompareOptions): Promise<void> {
  const mode = progressMode({ quiet: opts.quiet || opts.json }, Boolean(process.stdout.isTTY));
  let reporter: ReturnType<typeof progressReporter> | undefined;
  const interrupt = catchInterrupt(() => reporter?.stop());
  // One backend for every run, so their times compare.
  const kernels = kernelsFor(runs[0].config, runs[0].where);
  try {
    if (!opts.json) process.stdout.write(`backend: ${kernels.name}\n`);
    const rows = await compareRuns(runs, {
      kernels,
      outDir: opts.outDir ?? DEFAULT_OUT_DIR,
      seed: opts.seed,
      shouldStop: interrupt.requested,
      events: (run, index, outDir) => {
        if (opts.json) return {};
        process.stdout.write(`${index ? '\n' : ''}run ${index + 1}/${runs.length}: ${run.label} (seed ${run.config.training.seed}) → ${outDir}\n`);
        return (reporter = progressReporter(mode));
      },
    });
    reporter?.stop();
    const interrupted = rows.find((r) => r.status === 'interrupted');
    if (interrupted) throw new UserError(`${interrupted.label}: ${interrupted.message}; the comparison is incomplete`, interrupt.exitCode());
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    process.stdout.write(`\n${comparisonTable(rows)}\n`);
    for (const r of rows) if (r.status === 'diverged' || r.status === 'early-stopped') process.stdout.write(`${r.label}: ${r.message}\n`);
  } finally {
    interrupt.release();
    kernels.dispose?.();
  }
}

export function comparisonTable(rows: CompareRow[]): string {
  const sets = new Set(rows.map((r) => r.evalSet).filter((s) => s !== null));
  const set = sets.size === 1 ? [...sets][0] : 'eval';
  const num = (x: number | null, f: (x: number) => string) => (x === null ? '-' : f(x));
  return table(
    ['run', 'status', 'epochs', 'train loss', `${set} acc`, `${set} loss`, 'time', 'metrics'],
    rows.map((r) => [
      r.label,
      r.status,
      String(r.epochs),
      num(r.trainLoss, (x) => x.toFixed(4)),
      num(r.evalAccuracy, (x) => `${(100 * x).toFixed(2)}%`),
      num(r.evalLoss, (x) => x.toFixed(4)),
      `${r.seconds.toFixed(1)}s`,
      r.metrics,
    ]),
  );
}
