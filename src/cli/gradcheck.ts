import { basename } from 'node:path';
import { Rng } from '../core/rng';
import { tsKernels } from '../core/ts-kernels';
import { gatherBatch } from '../data/dataset';
import { loadTrainSet } from '../data/source';
import { loadConfig } from '../io/config';
import { networkFromConfig } from '../net/from-config';
import { DEFAULT_H, DEFAULT_THRESHOLD, gradientCheck } from '../net/gradcheck';
import { table } from './format';
import { DEFAULT_CONFIG } from './train';

/** Entries checked per parameter by default: enough to catch a wrong formula, and seconds even for the conv net's 432,000-entry affine weights. */
const DEFAULT_ENTRIES = 200;

interface Options {
  config?: string;
  samples: number;
  seed: number;
  entries?: number | 'all';
  threshold?: number;
  json?: boolean;
}

/**
 * Builds the config's network with its initial weights (the seed's), takes a few real
 * training samples at random, and compares backprop with numerical gradients.
 * The reference TypeScript kernels are used: the check is about the maths, not the speed.
 */
export function run(opts: Options): void {
  const file = opts.config ?? DEFAULT_CONFIG;
  const config = loadConfig(file);
  config.training.seed = opts.seed;
  const train = loadTrainSet(config.data);
  const net = networkFromConfig(config, train.sampleSize, train.classes, tsKernels, basename(file), train.imageShape);

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
    console.log(JSON.stringify({ config: file, h: DEFAULT_H, threshold, seed: opts.seed, samples: Array.from(picked), passed, rows }, null, 2));
  } else {
    const layers = net.layers.map((l) => l.name).join(' → ');
    console.log(`gradient check of ${basename(file)} (${layers}), ${opts.samples} MNIST training samples [${Array.from(picked).join(', ')}], seed ${opts.seed}, h = ${DEFAULT_H}`);
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
    if (kinks) console.log(`${kinks} entries skipped: their ±h nudge moved a ReLU input across 0, where the loss has no derivative`);
    const refined = rows.reduce((s, r) => s + r.refined, 0);
    if (refined) {
      console.log(
        `${refined} entries measured again with h = ${DEFAULT_H / 10}: at h the central difference's own error (∝ h²) was above the threshold ` +
          `(the loss curves sharply there); a wrong gradient would not have come closer`,
      );
    }
  }
  if (!passed) process.exitCode = 1;
}
