import { Rng } from '../core/rng';
import { tensor } from '../core/tensor';
import { tsKernels } from '../core/ts-kernels';
import { buildNetwork, twoLayerSpec } from '../net/build';
import { DEFAULT_H, DEFAULT_THRESHOLD, gradientCheck } from '../net/gradcheck';
import { table } from './format';

interface Options {
  samples: number;
  seed: number;
  threshold?: number;
  json?: boolean;
}

export function run(opts: Options): void {
  const rng = new Rng(opts.seed);
  const spec = twoLayerSpec;
  const net = buildNetwork(spec, tsKernels, rng);
  // Until the data module lands: seeded inputs that look like MNIST (mostly zeros, the rest in (0, 1]).
  const x = tensor([opts.samples, spec.inputSize]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform() < 0.8 ? 0 : rng.uniform();
  const labels = Int32Array.from({ length: opts.samples }, () => rng.int(10));
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const rows = gradientCheck(net, x, labels, { threshold });
  const passed = rows.every((r) => r.passed);

  if (opts.json) {
    console.log(JSON.stringify({ h: DEFAULT_H, threshold, samples: opts.samples, seed: opts.seed, passed, rows }, null, 2));
  } else {
    console.log(`gradient check: 784-50-10 ReLU net, ${opts.samples} samples, seed ${opts.seed}, h = ${DEFAULT_H}`);
    console.log(
      table(
        ['parameter', 'shape', 'checked', 'kinks', 'mean |diff|', 'max rel error', 'result'],
        rows.map((r) => [
          r.name,
          r.shape.join('×'),
          String(r.checked),
          String(r.kinkCrossings),
          r.meanAbsDiff.toExponential(2),
          r.maxRelError.toExponential(2),
          r.passed ? 'pass' : 'FAIL',
        ]),
      ),
    );
    console.log(`threshold: max relative error < ${threshold.toExponential(0)}; ${passed ? 'all parameters pass' : 'some parameters FAIL'}`);
    const kinks = rows.reduce((s, r) => s + r.kinkCrossings, 0);
    if (kinks) console.log(`${kinks} entries skipped: their ±h nudge moved a ReLU input across 0, where the loss has no derivative`);
  }
  if (!passed) process.exitCode = 1;
}
