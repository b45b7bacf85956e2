import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { createKernels } from '../src/core/backend';
import type { Kernels } from '../src/core/kernels';
import type { Tensor } from '../src/core/tensor';
import { Relu } from '../src/layers/relu';
import { buildNetwork, type LayerSpec } from '../src/net/build';
import type { Network } from '../src/net/network';
import { randomTensor } from './helpers';

/**
 * A network's passes run ReLU in place (forward over the output of a conv or affine layer,
 * backward over dout): the same numbers, bit for bit, as the layers' own forward and
 * backward, which leave their inputs alone.
 */
const layers: LayerSpec[] = [
  { type: 'conv', filters: 3, size: 3, stride: 1, pad: 1 },
  { type: 'relu' },
  { type: 'pool', size: 2, stride: 2 },
  { type: 'affine', units: 7 },
  { type: 'relu' },
  { type: 'relu' }, // after a ReLU (not outputFree): its own buffer
  { type: 'affine', units: 3 },
];
const labels = Uint8Array.from([0, 1, 2, 1]);

function build(kernels: Kernels): Network {
  return buildNetwork({ inputSize: 2 * 36, inputShape: [2, 6, 6], layers }, kernels, new Rng(5));
}

/** The loss and every gradient by the layers' own forward and backward, one by one (as explain traces them). */
function layerByLayer(net: Network, x: Tensor): { loss: number; grads: Float64Array[] } {
  let out = x;
  for (const layer of net.layers) out = layer.forward(out, true);
  const loss = net.lossLayer.forward(out, labels);
  let dout = net.lossLayer.backward(1);
  for (let i = net.layers.length - 1; i >= 0; i--) dout = net.layers[i].backward(dout);
  return { loss, grads: net.params().map((p) => Float64Array.from(p.grad)) };
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('ReLU in place in a network pass', () => {
  const backends: [string, () => Kernels][] = [['ts', () => tsKernels], ['wasm', () => createKernels('wasm', { threads: 1 })]];
  test.each(backends)('gradient() equals the layer-by-layer pass bit for bit (%s), and the input is left alone', (_, make) => {
    const kernels = make();
    const x = randomTensor([4, 72], new Rng(6));
    const input = Float64Array.from(x.data);
    const a = build(kernels), b = build(kernels);
    const loss = a.gradient(x, labels);
    expect(bits(x.data)).toBe(bits(input));
    const reference = layerByLayer(b, { data: Float64Array.from(input), shape: [4, 2, 6, 6] });
    expect(loss).toBe(reference.loss);
    a.params().forEach((p, k) => expect(bits(p.grad)).toBe(bits(reference.grads[k])));
    // A second pass (buffers reused, overwritten in place) gives the same again.
    expect(a.gradient(x, labels)).toBe(loss);
    a.params().forEach((p, k) => expect(bits(p.grad)).toBe(bits(reference.grads[k])));
    expect(bits(a.predict(x).data)).toBe(bits(b.predict(x).data));
  });

  test('Relu.forward and backward leave x and dout alone; the in-place forms write over them with the same numbers', () => {
    const relu = new Relu('relu1', tsKernels);
    const x = { data: Float64Array.from([-1, 0, -0, 2, NaN, 3]), shape: [1, 6] };
    const y = Array.from(relu.forward(x).data);
    expect(Array.from(x.data)).toEqual([-1, 0, -0, 2, NaN, 3]);
    const dout = { data: Float64Array.from([1, 2, 3, 4, 5, 6]), shape: [1, 6] };
    const dx = Array.from(relu.backward(dout).data);
    expect(Array.from(dout.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(dx).toEqual([0, 0, 0, 4, 0, 6]);

    expect(relu.forwardInPlace(x)).toBe(x);
    expect(Array.from(x.data)).toEqual(y);
    expect(relu.backwardInPlace(dout)).toBe(dout);
    expect(Array.from(dout.data)).toEqual(dx);
  });
});
