import { relative, isAbsolute } from 'node:path';
import { UsageError, UserError } from '../errors';
import { table } from './format';
import { Rng } from '../core/rng';
import { classCounts, type Dataset } from '../data/dataset';
import { describeSource, loadTestSet, loadTrainSet, type DataSourceSpec } from '../data/source';
import { textArt } from '../data/text-art';

interface Options {
  samples: number;
  seed: number;
  dir?: string;
  json?: boolean;
}

/** `nnt data [info]`: what the dataset holds, and a few of its samples drawn as text. */
export function run(action: string, opts: Options): void {
  if (action !== 'info') throw new UsageError(`data: unknown action '${action}' (the only one is 'info')`);
  const spec: DataSourceSpec = opts.dir === undefined ? {} : { dir: opts.dir };
  const train = loadTrainSet(spec);
  const test = loadTestSet(spec);
  if (train.sampleSize !== test.sampleSize) {
    throw new UserError(`data: training images are ${train.imageShape.join('×')} but test images are ${test.imageShape.join('×')}`);
  }
  const picks = pickSamples(train.count, Math.min(opts.samples, train.count), new Rng(opts.seed));
  const files = [train, test].flatMap((ds) => [
    { role: `${ds.name} images`, ...ds.files!.images },
    { role: `${ds.name} labels`, ...ds.files!.labels },
  ]);
  const counts = { train: classCounts(train), test: classCounts(test) };

  if (opts.json) {
    const samples = picks.map((i) => ({ index: i, label: train.labels[i], art: textArt(train, i) }));
    const info = {
      source: describeSource(spec),
      files,
      counts: { train: train.count, test: test.count },
      imageShape: train.imageShape,
      sampleSize: train.sampleSize,
      classes: train.classes,
      classCounts: counts,
      seed: opts.seed,
      samples,
    };
    console.log(JSON.stringify(info, null, 2));
    return;
  }

  console.log(`dataset: ${describeSource(spec)}`);
  console.log(
    table(
      ['file', 'holds', 'shape', 'stored'],
      files.map((f) => [shortPath(f.path), f.role, f.dims.join('×'), f.compressed ? 'gzip' : 'plain']),
    ),
  );
  console.log(
    `image shape: ${train.imageShape.join('×')} (${train.sampleSize} bytes a sample; the network sees pixel/255 in [0, 1])`,
  );
  console.log(`classes: ${train.classes} (the largest label + 1, over train and test)`);
  const rows = counts.train.map((n, k) => [String(k), String(n), String(counts.test[k])]);
  rows.push(['total', String(train.count), String(test.count)]);
  console.log(table(['class', 'train', 'test'], rows));
  if (picks.length > 0) {
    console.log(`\n${picks.length} training sample${picks.length === 1 ? '' : 's'} (seed ${opts.seed}):`);
    console.log(sideBySide(train, picks));
  }
}

/** n distinct sample indices, drawn with the seeded rng. */
function pickSamples(count: number, n: number, rng: Rng): number[] {
  const picked = new Set<number>();
  while (picked.size < n) picked.add(rng.int(count));
  return [...picked];
}

/** The samples' text art next to each other, as many a line as the terminal is wide. */
function sideBySide(ds: Dataset, picks: number[]): string {
  const arts = picks.map((i) => ({ caption: `#${i}: ${ds.labels[i]}`, lines: textArt(ds, i) }));
  const width = Math.max(...arts.map((a) => Math.max(a.caption.length, a.lines[0].length)));
  const perRow = Math.max(1, Math.floor(((process.stdout.columns || 100) + 3) / (width + 3)));
  const blocks: string[] = [];
  for (let s = 0; s < arts.length; s += perRow) {
    const group = arts.slice(s, s + perRow);
    const height = Math.max(...group.map((a) => a.lines.length));
    const lines = [group.map((a) => a.caption.padEnd(width)).join('   ')];
    for (let l = 0; l < height; l++) lines.push(group.map((a) => (a.lines[l] ?? '').padEnd(width)).join(' | '));
    blocks.push(lines.map((line) => line.trimEnd()).join('\n'));
  }
  return blocks.join('\n\n');
}

/** A path relative to the working directory when it lies inside it (the embedded files do). */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
