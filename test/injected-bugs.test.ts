import { createKernels, wasmSupport } from '../src/core/backend';
import type { Kernels } from '../src/core/kernels';
import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { buildNetwork, type LayerSpec } from '../src/net/build';
import { gradientCheck } from '../src/net/gradcheck';
import { checkLayers } from '../src/net/layer-gradcheck';
import { injectedBugs } from './injected-bugs';

// Each injected bug, one at a time, against three checks:
//  - "before": what `nnt gradcheck` did before issue 19: the default config's layers
//    (affine → relu → affine, softmax-with-loss) on the TypeScript kernels, no weight decay;
//  - "default": what it does now: the same on the backend training uses (auto → wasm);
//  - "layers": `nnt gradcheck --layers`, every layer type on every backend.
// The nets are the default config's layer types at a tiny size, on random data, so this runs in seconds.

const wasm = wasmSupport().map((variant) => createKernels('wasm', { variant, threads: 1 }));
afterAll(() => wasm.forEach((k) => k.dispose?.()));

function netCheck(kernels: Kernels, layers: LayerSpec[], weightDecay = 0): boolean {
  const rng = new Rng(7);
  const net = buildNetwork({ inputSize: 6, layers, init: { type: 'std', std: 0.5 } }, kernels, rng);
  net.weightDecay = weightDecay;
  const x = { data: kernels.alloc(4 * 6), shape: [4, 6] };
  for (let i = 0; i < x.data.length; i++) x.data[i] = 2 * rng.uniform() - 1;
  const labels = Int32Array.from({ length: 4 }, () => rng.int(3));
  return gradientCheck(net, x, labels).every((r) => r.passed);
}

const twoLayer: LayerSpec[] = [{ type: 'affine', units: 5 }, { type: 'relu' }, { type: 'affine', units: 3 }];
const checks = {
  before: () => netCheck(tsKernels, twoLayer),
  default: () => netCheck(wasm[0] ?? tsKernels, twoLayer),
  layers: () => checkLayers([tsKernels, ...wasm]).every((r) => r.passed),
};

function caught(inject: () => () => void): Record<keyof typeof checks, boolean> {
  const restore = inject();
  try {
    return { before: !checks.before(), default: !checks.default(), layers: !checks.layers() };
  } finally {
    restore();
  }
}

describe('injected bugs', () => {
  test('without a bug every check passes', () => {
    expect(caught(() => () => undefined)).toEqual({ before: false, default: false, layers: false });
  });

  const results = injectedBugs.map((bug) => ({ bug, caught: caught(bug.inject) }));

  test.each(injectedBugs.filter((b) => b.gradient).map((b) => b.name))('gradcheck --layers catches: %s', (name) => {
    expect(results.find((r) => r.bug.name === name)!.caught.layers).toBe(true);
  });

  test('bugs that leave the gradients right are caught by no gradient check', () => {
    for (const r of results.filter((x) => !x.bug.gradient)) expect(r.caught).toEqual({ before: false, default: false, layers: false });
  });

  test("with the config's weight decay in the loss, the network check catches a missing λ·W", () => {
    const decayBug = injectedBugs.find((b) => b.name.startsWith('weight decay'))!;
    expect(netCheck(tsKernels, twoLayer, 0.1)).toBe(true);
    const restore = decayBug.inject();
    try {
      expect(netCheck(tsKernels, twoLayer, 0.1)).toBe(false);
      expect(netCheck(tsKernels, twoLayer, 0)).toBe(true); // the old check, which left λ out
    } finally {
      restore();
    }
  });

  test('the default check catches the bugs in its own layers, now including the wasm kernels', () => {
    const names = (key: 'before' | 'default') => results.filter((r) => r.caught[key]).map((r) => r.bug.name);
    const ownLayers = /^(ReLU|Affine|SoftmaxWithLoss)/;
    expect(names('before')).toEqual(injectedBugs.filter((b) => ownLayers.test(b.name)).map((b) => b.name));
    if (wasm.length) expect(names('default')).toEqual(injectedBugs.filter((b) => ownLayers.test(b.name) || b.name.startsWith('wasm kernel')).map((b) => b.name));
    // The tally for the closing note: gradient bugs caught by each check.
    const tally = (key: keyof typeof checks) => results.filter((r) => r.bug.gradient && r.caught[key]).length;
    process.stdout.write(`injected gradient bugs: ${injectedBugs.filter((b) => b.gradient).length}; caught before ${tally('before')}, default ${tally('default')}, --layers ${tally('layers')}\n`);
  });
});
