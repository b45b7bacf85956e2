import { basename } from 'node:path';
import { Rng } from '../core/rng';
import type { Kernels } from '../core/kernels';
import { gatherBatch } from '../data/dataset';
import { loadTrainSet } from '../data/source';
import { loadConfig } from '../io/config';
import { networkFromConfig } from '../net/from-config';
import { DEFAULT_H, DEFAULT_THRESHOLD, gradientCheck, type GradcheckRow } from '../net/gradcheck';
import { plural, table } from './format';
import { DEFAULT_CONFIG } from './train';
import { kernelsFor } from './run-config';

/** Entries checked per parameter by default: enough to catch a wrong formula, and seconds even for the conv net's 432,000-entry affine weights. */
const DEFAULT_ENTRIES = 200;

interface Options {
  config?: string;
  samples: number;
  seed: number;
  entries?: number | 'all';
  threshold?: number;
  json?: boolean;
  backend?: 'auto' | 'wasm' | 'native' | 'ts';
  layers?: boolean;
}

/**
 * Builds the config's network with its initial weights (the seed's) and its weight decay,
 * takes a few real training samples at random, and compares backprop with numerical
 * gradients of the loss the config trains. The kernels are the ones training would use
 * (the config's backend, `auto` by default) unless --backend says otherwise: a bug in a fast
 * kernel is a bug in training.
 */
export function run(opts: Options): void {
  if (opts.layers) return (require('./gradcheck-layers') as typeof import('./gradcheck-layers')).run(opts);
  const file = opts.config ?? DEFAULT_CONFIG;
  const config = loadConfig(file);
  config.training.seed = opts.seed;
  if (opts.backend) config.training.backend = opts.backend;
  const kernels = kernelsFor(config, file);
  try {
    check(opts, file, config, kernels);
  } finally {
    kernels.dispose?.();
  }
}

function check(opts: Options, file: string, config: ReturnType<typeof loadConfig>, kernels: Kernels): void {
  const train = loadTrainSet(config.data);
  const net = networkFromConfig(config, train.sampleSize, train.classes, kernels, basename(file), train.imageShape);
  net.weightDecay = config.training.weightDecay;

  const rng = Rng.stream(opts.seed, 'gradcheck');
  const picked = Int32Array.from({ length: opts.samples }, () => rng.int(train.count));
  const x = { data: new Float64Array(opts.samples * train.sampleSize), shape: [opts.samples, train.sampleSize] };
  const labels = new Uint8Array(opts.samples);
  gatherBatch(train, picked, 0, opts.samples, x.data, labels);

  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  // Every entry of a large parameter takes two forward passes: by default a seeded sample of each.
  const maxEntries = opts.entries === 'all' ? undefined : (opts.entries ?? DEFAULT_ENTRIES);
  const rows = gradientCheck(net, x, labels, { threshold, maxEntries, rng });
  const passed = rows.every((r) => r.passed);
  const kinks = rows.reduce((s, r) => s + r.kinkCrossings, 0);

  if (opts.json) {
    console.log(JSON.stringify({ config: file, backend: kernels.name, weightDecay: net.weightDecay, h: DEFAULT_H, threshold, seed: opts.seed, samples: Array.from(picked), passed, rows }, null, 2));
  } else {
    const layers = net.layers.map((l) => l.name).join(' → ');
    const decay = net.weightDecay ? `, loss with weight decay λ = ${net.weightDecay}` : '';
    console.log(`gradient check of ${basename(file)} (${layers}${decay}), ${plural(opts.samples, 'MNIST training sample')} [${Array.from(picked).join(', ')}], seed ${opts.seed}, h = ${DEFAULT_H}, backend ${kernels.name}`);
    const sampled = maxEntries === undefined ? 'every entry of each parameter' : `a seeded sample of ${maxEntries} entries of each parameter larger than that`;
    console.log(`checking ${sampled}${maxEntries === undefined ? '' : ' (--entries all: every entry)'}`);
    console.log(
      table(
        ['parameter', 'shape', 'checked', 'kinks', 'mean |diff|', 'max rel error', 'result'],
        rows.map((r) => [
          r.name,
          r.shape.join('×'),
          r.entries < r.shape.reduce((a, b) => a * b, 1) ? `${r.checked} of ${r.entries} sampled` : String(r.checked),
          String(r.kinkCrossings),
          r.meanAbsDiff.toExponential(2),
          r.maxRelError.toExponential(2),
          r.passed ? 'pass' : 'FAIL',
        ]),
      ),
    );
    console.log(`threshold: max relative error < ${threshold.toExponential(0)}; ${passed ? 'all parameters pass' : 'some parameters FAIL'}`);
    if (kinks) console.log(`${plural(kinks, 'entry', 'entries')} skipped: their ±h nudge moved a ReLU input across 0, where the loss has no derivative`);
    const note = refinedNote(rows);
    if (note) console.log(note);
  }
  if (!passed) process.exitCode = 1;
}

/**
 * The note on entries measured again with h/10, counting only parameters that pass: there the
 * finer step explains the pass; on a failing parameter it rescued nothing worth a note.
 */
export function refinedNote(rows: GradcheckRow[]): string | undefined {
  const refined = rows.filter((r) => r.passed).reduce((s, r) => s + r.refined, 0);
  if (!refined) return undefined;
  return (
    `${plural(refined, 'entry', 'entries')} measured again with h = ${DEFAULT_H / 10}: at h the central difference's own error (∝ h²) was above the threshold ` +
    `(the loss curves sharply there); a wrong gradient would not have come closer`
  );
}
