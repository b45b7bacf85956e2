import { col2im, colShape, im2col, outHeight, outWidth, type Window } from '../src/core/im2col';
import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { Convolution } from '../src/layers/convolution';
import { Pooling } from '../src/layers/pooling';
import { buildNetwork, ShapeError, type LayerSpec } from '../src/net/build';
import { gradientCheck, inputGradientError } from '../src/net/gradcheck';
import { randomTensor } from './helpers';
import { join } from 'node:path';

/** The definition of a convolution, by nested loops: out[n][f][i][j] = b[f] + Σ_c,ky,kx W[f][c][ky][kx] · x_padded[n][c][i·s + ky][j·s + kx]. */
function directConvolution(x: Float64Array, w: Float64Array, b: Float64Array, g: Window, filters: number): Float64Array {
  const oh = outHeight(g), ow = outWidth(g);
  const out = new Float64Array(g.n * filters * oh * ow);
  const pixel = (n: number, c: number, y: number, xx: number) =>
    y < 0 || y >= g.h || xx < 0 || xx >= g.w ? 0 : x[((n * g.c + c) * g.h + y) * g.w + xx];
  for (let n = 0; n < g.n; n++)
    for (let f = 0; f < filters; f++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = b[f];
          for (let c = 0; c < g.c; c++)
            for (let ky = 0; ky < g.fh; ky++)
              for (let kx = 0; kx < g.fw; kx++) {
                s += w[((f * g.c + c) * g.fh + ky) * g.fw + kx] * pixel(n, c, i * g.stride + ky - g.pad, j * g.stride + kx - g.pad);
              }
          out[((n * filters + f) * oh + i) * ow + j] = s;
        }
  return out;
}

const geometries: [string, Window][] = [
  ['1×4×4, 2×2, stride 1', { n: 1, c: 1, h: 4, w: 4, fh: 2, fw: 2, stride: 1, pad: 0 }],
  ['2 images 3×5×5, 3×3, stride 2, pad 1', { n: 2, c: 3, h: 5, w: 5, fh: 3, fw: 3, stride: 2, pad: 1 }],
  ['3 images 2×6×7, 3×2, stride 1, pad 1', { n: 3, c: 2, h: 6, w: 7, fh: 3, fw: 2, stride: 1, pad: 1 }],
  ['1 image 2×7×7, 3×3, stride 2, pad 0', { n: 1, c: 2, h: 7, w: 7, fh: 3, fw: 3, stride: 2, pad: 0 }],
];

describe('im2col and col2im', () => {
  test.each(geometries)('the Convolution layer (im2col · Wᵀ) equals the nested-loop convolution: %s', (_, g) => {
    const rng = new Rng(11);
    const conv = new Convolution('conv1', [g.c, g.h, g.w], 4, [g.fh, g.fw], g.stride, g.pad, tsKernels);
    conv.W.value.set(randomTensor(conv.W.shape, rng).data);
    conv.b.value.set(randomTensor([4], rng).data);
    const x = randomTensor([g.n, g.c * g.h * g.w], rng);
    const out = conv.forward(x);
    expect(out.shape).toEqual([g.n, 4, outHeight(g), outWidth(g)]);
    const expected = directConvolution(x.data, conv.W.value, conv.b.value, g, 4);
    for (let i = 0; i < expected.length; i++) expect(out.data[i]).toBeCloseTo(expected[i], 12);
  });

  test.each(geometries)('col2im is the transpose of im2col: <col2im(d), x> = <d, im2col(x)>, %s', (_, g) => {
    const rng = new Rng(12);
    const [rows, cols] = colShape(g);
    const x = randomTensor([g.n * g.c * g.h * g.w], rng).data, d = randomTensor([rows * cols], rng).data;
    const col = new Float64Array(rows * cols), back = new Float64Array(x.length).fill(NaN);
    im2col(x, col, g);
    col2im(d, back, g);
    let left = 0, right = 0;
    for (let i = 0; i < x.length; i++) left += back[i] * x[i];
    for (let i = 0; i < d.length; i++) right += d[i] * col[i];
    expect(left).toBeCloseTo(right, 10);
  });

  test('im2col of a 1×4×4 image with a 2×2 window: the book\'s matrix, row by row', () => {
    const g: Window = { n: 1, c: 1, h: 4, w: 4, fh: 2, fw: 2, stride: 1, pad: 0 };
    const x = Float64Array.from({ length: 16 }, (_, i) => i + 1);
    const col = new Float64Array(9 * 4);
    im2col(x, col, g);
    expect(Array.from(col.subarray(0, 8))).toEqual([1, 2, 5, 6, 2, 3, 6, 7]);
    expect(Array.from(col.subarray(32))).toEqual([11, 12, 15, 16]);
  });
});

/** Convolution and pooling geometries for the gradient checks: stride 1 and 2, pad 0 and 1, several channels and filters. */
const convCases: [number, number, number, number, number][] = [
  // channels, filters, size, stride, pad (on a 7×7 input)
  [1, 2, 3, 1, 0],
  [2, 3, 3, 2, 1],
  [3, 2, 2, 1, 1],
  [2, 4, 3, 2, 0],
];

describe('gradient checks', () => {
  test.each(convCases)('Convolution dx: %i channels, %i filters of size %i, stride %i, pad %i', (c, f, size, stride, pad) => {
    const rng = new Rng(c * 10 + f);
    const conv = new Convolution('conv1', [c, 7, 7], f, [size, size], stride, pad, tsKernels);
    conv.W.value.set(randomTensor(conv.W.shape, rng).data);
    const x = randomTensor([2, c * 49], rng);
    const outputs = 2 * f * conv.outputShape[1] * conv.outputShape[2];
    expect(inputGradientError(conv, x, randomTensor([outputs], rng).data)).toBeLessThan(1e-7);
  });

  test.each([[2, 2, 0, 'max'], [3, 2, 1, 'max'], [2, 1, 0, 'max'], [3, 2, 1, 'avg'], [2, 2, 0, 'avg']] as const)(
    'Pooling dx: size %i, stride %i, pad %i, %s',
    (size, stride, pad, mode) => {
      const rng = new Rng(size * 7 + stride);
      const h = size === 3 && stride === 2 && pad === 1 ? 7 : size === 2 && stride === 2 ? 8 : 7;
      const pool = new Pooling('pool1', [3, h, h], [size, size], stride, pad, mode, tsKernels);
      const x = randomTensor([2, 3 * h * h], rng); // distinct values: no ties within h
      const outputs = 2 * 3 * pool.outputShape[1] * pool.outputShape[2];
      expect(inputGradientError(pool, x, randomTensor([outputs], rng).data)).toBeLessThan(1e-7);
    },
  );

  test.each(convCases)('a conv net (conv → relu → conv → pool → affine) passes: %i channels, %i filters, size %i, stride %i, pad %i', (c, f, size, stride, pad) => {
    const layers: LayerSpec[] = [
      { type: 'conv', filters: f, size, stride, pad },
      { type: 'relu' },
      { type: 'conv', filters: 2, size: 2, stride: 1, pad: 1 },
      { type: 'pool', size: 2, stride: 1 },
      { type: 'affine', units: 3 },
    ];
    const net = buildNetwork({ inputSize: c * 49, inputShape: [c, 7, 7], layers }, tsKernels, new Rng(21));
    const rng = new Rng(22);
    const x = randomTensor([3, c * 49], rng);
    const rows = gradientCheck(net, x, Uint8Array.from([0, 1, 2]));
    expect(rows.map((r) => r.name)).toEqual(['conv1.W', 'conv1.b', 'conv2.W', 'conv2.b', 'affine1.W', 'affine1.b']);
    for (const r of rows) {
      expect(r.checked).toBeGreaterThan(0);
      expect(r.passed).toBe(true);
    }
  });

  test('a max pool with tied inputs: the gradient goes to the first; nudges that change the winner are counted as kinks', () => {
    const pool = new Pooling('pool1', [1, 2, 2], [2, 2], 2, 0, 'max', tsKernels);
    const out = pool.forward({ data: Float64Array.from([3, 5, 5, 1]), shape: [1, 4] });
    expect(Array.from(out.data)).toEqual([5]);
    expect(Array.from(pool.backward({ data: Float64Array.from([2]), shape: [1, 1, 1, 1] }).data)).toEqual([0, 2, 0, 0]);

    // Two conv outputs tied for a pool's maximum (w0·1 = w1·1): nudging w0 down, or w1 up,
    // hands the maximum to the other, so each of them is one kink crossing, not an error.
    const net = buildNetwork({ inputSize: 8, inputShape: [2, 2, 2], layers: [
      { type: 'conv', filters: 1, size: 1 }, { type: 'pool', size: 2, stride: 2 }, { type: 'affine', units: 2 },
    ] }, tsKernels, new Rng(3));
    net.param('conv1.W').value.set([0.5, 0.5]);
    const x = { data: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0]), shape: [1, 8] };
    const rows = gradientCheck(net, x, Uint8Array.from([1]));
    expect(rows.find((r) => r.name === 'conv1.W')!.kinkCrossings).toBe(2);
    expect(rows.every((r) => r.passed)).toBe(true);
  });
});

describe('shapes at build time', () => {
  const build = (layers: LayerSpec[]) => () => buildNetwork({ inputSize: 784, layers }, tsKernels, new Rng(1));

  test('the SimpleConvNet: 1×28×28 → conv 30×24×24 → pool 30×12×12 → affine 4320×100', () => {
    const net = buildNetwork({ inputSize: 784, inputShape: [28, 28], layers: [
      { type: 'conv', filters: 30, size: 5 }, { type: 'relu' }, { type: 'pool', size: 2, stride: 2 },
      { type: 'affine', units: 100 }, { type: 'relu' }, { type: 'affine', units: 10 },
    ] }, tsKernels, new Rng(1));
    expect(net.params().map((p) => `${p.name} ${p.shape.join('×')}`)).toEqual([
      'conv1.W 30×1×5×5', 'conv1.b 30', 'affine1.W 4320×100', 'affine1.b 100', 'affine2.W 100×10', 'affine2.b 10',
    ]);
    // He before ReLU: std √(2 / 25) for a 1×5×5 window.
    const w = net.param('conv1.W').value;
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.2);
    expect(std).toBeLessThan(0.36);
  });

  test('a pool that does not tile its input names the layer and the numbers', () => {
    expect(build([{ type: 'conv', filters: 2, size: 6 }, { type: 'pool', size: 2, stride: 2 }, { type: 'affine', units: 10 }]))
      .toThrow(new ShapeError('layers[1]: a 2×2 pool with stride 2 does not tile the 23×23 output of conv1'));
  });

  test('a window larger than the image, and a conv after an affine', () => {
    expect(build([{ type: 'conv', filters: 2, size: 29 }, { type: 'affine', units: 10 }])).toThrow(/layers\[0\]: a 29×29 convolution with stride 1 does not fit in the 28×28 input/);
    expect(build([{ type: 'affine', units: 10 }, { type: 'conv', filters: 2, size: 3 }, { type: 'affine', units: 10 }]))
      .toThrow(/layers\[1\]: a conv layer needs images \(C×H×W\), but the output of affine1 is a vector of 10 values/);
  });
});

describe('the memory preflight counts conv and pool layers', () => {
  const { checkNetworkMemory } = require('../src/train/preflight') as typeof import('../src/train/preflight');
  const { loadConfig, validateConfig } = require('../src/io/config') as typeof import('../src/io/config');
  const withLayers = (layers: unknown[]) => validateConfig({ layers, training: { backend: 'wasm' } }, 'c.json');

  test('SimpleConvNet (configs/simple-convnet.yaml) passes at its batch size', () => {
    const config = loadConfig(join(__dirname, '../configs/simple-convnet.yaml'));
    expect(() => checkNetworkMemory(config, 784, 100, 'simple-convnet.yaml', [28, 28])).not.toThrow();
  });

  test("a huge conv is refused before anything is allocated: by its filters' weights, or by the batch's activations", () => {
    // 2e7 filters over the whole 28×28 image: 785 weights each, with gradients, two optimizer buffers and one image's dW.
    const wide = withLayers([{ type: 'conv', filters: 2e7, size: 28 }, { type: 'relu' }, { type: 'affine', units: 10 }]);
    expect(() => checkNetworkMemory(wide, 784, 1, 'c.json', [28, 28])).toThrow(/^c\.json: layers\[0\]\.filters: 20000000 filters of 1×28×28 need 630 GB for weights, gradients and optimizer state \(.* in all\), more than the .* nnt can use here$/);
    const big = withLayers([{ type: 'conv', filters: 30, size: 5 }, { type: 'relu' }, { type: 'conv', filters: 30, size: 5 }, { type: 'affine', units: 10 }]);
    expect(() => checkNetworkMemory(big, 784, 100, 'c.json', [28, 28])).not.toThrow();
    // The batch's activations: 784 + 2·17280 + 12000 + 10 values a sample, forward and backward: 758 kB a sample.
    expect(() => checkNetworkMemory(big, 784, 100_000, 'c.json', [28, 28])).toThrow(/^c\.json: data\.batchSize: 100000 samples a batch need 76 GB of activations/);
  });

  test('a layer that does not fit ends the count (the builder names it), instead of counting nonsense', () => {
    const bad = withLayers([{ type: 'affine', units: 50 }, { type: 'conv', filters: 1e7, size: 5 }, { type: 'affine', units: 10 }]);
    expect(() => checkNetworkMemory(bad, 784, 100, 'c.json', [28, 28])).not.toThrow();
  });
});
