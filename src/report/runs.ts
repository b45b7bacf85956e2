import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors';
import { readWeights, type WeightsDocument } from '../io/weights';
import type { EpochMetrics } from '../train/trainer';

/**
 * One run to report: its per-epoch metrics and, when they are beside them, its weights. A
 * weights file with no metrics file beside it (an imported model) is a run without epochs.
 */
export interface ReportRun {
  label: string;
  /** The metrics file, or the weights file when there is none. */
  metricsFile: string;
  metrics: EpochMetrics[];
  weightsFile?: string;
  weights?: WeightsDocument;
}

const METRICS = '.metrics.jsonl';

/**
 * The runs named on the command line: a metrics file (`*.metrics.jsonl`), a weights file, or
 * a folder holding metrics files (a run's folder) or folders that do (`nnt compare`'s out-dir).
 * The weights `X.json` beside `X.metrics.jsonl` are read when present.
 */
export function findRuns(paths: string[]): ReportRun[] {
  const files = paths.flatMap(metricsFilesOf);
  const runs = files.map(readRun);
  // A label per run that tells them apart: the folder of `nnt compare`'s runs, else the file's
  // stem; runs of the same name get their folder's name too, then a number.
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.label, (counts.get(run.label) ?? 0) + 1);
  for (const run of runs) {
    if (counts.get(run.label)! > 1 && basename(run.metricsFile) !== 'weights.metrics.jsonl') run.label = `${basename(dirname(run.metricsFile))}/${run.label}`;
  }
  const seen = new Map<string, number>();
  for (const run of runs) {
    const n = (seen.get(run.label) ?? 0) + 1;
    seen.set(run.label, n);
    if (n > 1) run.label = `${run.label} (${n})`;
  }
  return runs;
}

function metricsFilesOf(path: string): string[] {
  if (!existsSync(path)) throw new UserError(`${path}: no such run folder or metrics file`);
  if (statSync(path).isDirectory()) {
    const here = readdirSync(path).filter((f) => f.endsWith(METRICS)).sort().map((f) => join(path, f));
    if (here.length) return here;
    const below = readdirSync(path)
      .sort()
      .map((f) => join(path, f))
      .filter((p) => statSync(p).isDirectory())
      .flatMap((p) => readdirSync(p).filter((f) => f.endsWith(METRICS)).sort().map((f) => join(p, f)));
    if (below.length) return below;
    throw new UserError(`${path}: has no metrics files (*${METRICS}), nor folders that do`);
  }
  if (path.endsWith(METRICS)) return [path];
  if (path.endsWith('.json')) {
    const metrics = `${path.slice(0, -'.json'.length)}${METRICS}`;
    return [existsSync(metrics) ? metrics : path];
  }
  throw new UserError(`${path}: not a run folder, a metrics file (*${METRICS}) or a weights file (*.json)`);
}

function readRun(metricsFile: string): ReportRun {
  if (!metricsFile.endsWith(METRICS)) {
    const label = basename(metricsFile, '.json');
    return { label: label === 'weights' ? basename(dirname(metricsFile)) : label, metricsFile, metrics: [], weightsFile: metricsFile, weights: readWeights(metricsFile) };
  }
  const metrics = readMetrics(metricsFile);
  const stem = metricsFile.slice(0, -METRICS.length);
  const weightsFile = existsSync(`${stem}.json`) ? `${stem}.json` : undefined;
  const weights = weightsFile ? readWeights(weightsFile) : undefined;
  const name = basename(stem);
  const label = name === 'weights' ? basename(dirname(metricsFile)) : name;
  return { label, metricsFile, metrics, weightsFile, weights };
}

/** The epochs of a metrics file, one JSON object a line; a bad line is named by its number. */
export function readMetrics(file: string): EpochMetrics[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new UserError(`${file}: no epochs in the metrics file`);
  return lines.map((line, i) => {
    let m: Partial<EpochMetrics>;
    try {
      m = JSON.parse(line);
    } catch {
      throw new UserError(`${file}: line ${i + 1} is not JSON`);
    }
    if (typeof m !== 'object' || m === null || !Number.isInteger(m.epoch) || typeof m.trainLoss !== 'number') {
      throw new UserError(`${file}: line ${i + 1} is not an epoch's metrics (epoch, trainLoss, … missing)`);
    }
    return m as EpochMetrics;
  });
}
