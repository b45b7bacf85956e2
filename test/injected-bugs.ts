import { WasmKernels } from '../src/core/wasm-kernels';
import { AddLayer } from '../src/layers/add';
import { Affine } from '../src/layers/affine';
import { BatchNorm } from '../src/layers/batchnorm';
import { Dropout } from '../src/layers/dropout';
import type { Tensor } from '../src/core/tensor';
import { MulLayer } from '../src/layers/mul';
import { Relu } from '../src/layers/relu';
import { Sigmoid } from '../src/layers/sigmoid';
import { SoftmaxWithLoss } from '../src/layers/softmax-with-loss';
import { Network } from '../src/net/network';
import { BufferedOptimizer } from '../src/optim/optimizer';

/**
 * Bugs a developer could write, injected one at a time by replacing a method (a layer's
 * backward, a kernel of the WebAssembly backend, an optimizer's update) and put back by the
 * returned function. `gradient: false` marks bugs that leave every gradient right (they
 * break training some other way), which no gradient check can catch.
 */
export interface InjectedBug {
  name: string;
  gradient: boolean;
  inject(): () => void;
}

type Proto = Record<string, unknown>;

/** Replaces proto[method] by wrap(original); returns the undo. */
function patch(target: object, method: string, wrap: (original: (...a: any[]) => any) => (this: any, ...a: any[]) => any): () => void {
  const proto = target as Proto;
  const original = proto[method] as (...a: any[]) => any;
  proto[method] = wrap(original);
  return () => {
    proto[method] = original;
  };
}

/** Two injections as one (a layer's backward and its in-place form); returns the undo of both. */
function both(...undos: (() => void)[]): () => void {
  return () => undos.forEach((undo) => undo());
}

/** After the original backward, change the tensor it returned (and the layer's grads) with `edit`. */
function afterBackward(cls: { prototype: object }, edit: (self: any, dx: Tensor, dout: Tensor) => void): () => void {
  return patch(cls.prototype, 'backward', (original) =>
    function (this: any, dout: Tensor) {
      const dx = original.call(this, dout);
      edit(this, dx, dout);
      return dx;
    },
  );
}

export const injectedBugs: InjectedBug[] = [
  { name: 'ReLU backward forgets the mask', gradient: true, inject: () => both(afterBackward(Relu, (_s, dx, dout) => dx.data.set(dout.data)), patch(Relu.prototype, 'backwardInPlace', () => (dout: Tensor) => dout)) },
  { name: 'Sigmoid backward drops (1 − y)', gradient: true, inject: () => afterBackward(Sigmoid, (s, dx, dout) => s.out.data.forEach((y: number, i: number) => (dx.data[i] = dout.data[i] * y))) },
  { name: 'Affine db is the first row of dout, not the column sums', gradient: true, inject: () => afterBackward(Affine, (s, _dx, dout) => s.b.grad.set(dout.data.subarray(0, s.b.grad.length))) },
  { name: 'Affine dW divided by the batch size', gradient: true, inject: () => afterBackward(Affine, (s, _dx, dout) => s.W.grad.forEach((g: number, i: number, a: Float64Array) => (a[i] = g / dout.shape[0]))) },
  { name: 'Affine dx uses W without the transpose (square W: wrong values)', gradient: true, inject: () => afterBackward(Affine, (_s, dx) => dx.data.reverse()) },
  { name: 'BatchNorm backward drops the − mean(dxc) term', gradient: true, inject: () => afterBackward(BatchNorm, (s, dx) => { if (s.trained) { const [n, d] = dx.shape; for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) dx.data[i * d + j] += s.sums[d + j]; } }) }, // sums: dsum, then mean(dxc)
  { name: 'BatchNorm dγ left at zero', gradient: true, inject: () => afterBackward(BatchNorm, (s) => s.gamma.grad.fill(0)) },
  { name: 'BatchNorm dβ is the mean of dout, not the sum', gradient: true, inject: () => afterBackward(BatchNorm, (s, _dx, dout) => s.beta.grad.forEach((g: number, j: number, a: Float64Array) => (a[j] = g / dout.shape[0]))) },
  { name: 'Dropout backward ignores the mask', gradient: true, inject: () => afterBackward(Dropout, (_s, dx, dout) => dx.data.set(dout.data)) },
  { name: 'Dropout backward forgets the 1/(1 − ratio) scale', gradient: true, inject: () => afterBackward(Dropout, (s, dx) => { if (s.trained) dx.data.forEach((g: number, i: number, a: Float64Array) => (a[i] = g * (1 - s.ratio))); }) },
  { name: 'SoftmaxWithLoss backward forgets the /N', gradient: true, inject: () => patch(SoftmaxWithLoss.prototype, 'backward', (o) => function (this: any, dout = 1) { const dx = o.call(this, dout); dx.data.forEach((g: number, i: number, a: Float64Array) => (a[i] = g * dx.shape[0])); return dx; }) },
  { name: 'MulLayer backward swaps x and y', gradient: true, inject: () => patch(MulLayer.prototype, 'backward', () => function (this: any, d: number) { return [d * this.x, d * this.y]; }) },
  { name: 'AddLayer backward returns [dout, 0]', gradient: true, inject: () => patch(AddLayer.prototype, 'backward', () => (d: number) => [d, 0]) },
  { name: 'weight decay gradient missing (no λ·W)', gradient: true, inject: () => patch(Network.prototype, 'addDecayGradient', () => () => undefined) },
  // dy is copied first: run in place (Relu.backwardInPlace), dx is dy.
  { name: 'wasm kernel: ReLU backward passes every gradient', gradient: true, inject: () => patch(WasmKernels.prototype, 'reluBackward', (o) => function (this: any, y: Float64Array, dy: Float64Array, dx: Float64Array, n: number) { const passed = Float64Array.from(dy.subarray(0, n)); o.call(this, y, dy, dx, n); dx.set(passed); }) },
  { name: 'wasm kernel: matmulTransA (dW) drops the last row of the batch', gradient: true, inject: () => patch(WasmKernels.prototype, 'matmulTransA', (o) => function (this: any, a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number) { o.call(this, a, b, c, m > 1 ? m - 1 : m, k, n); }) },
  { name: 'wasm kernel: columnSums (db) skips the first row', gradient: true, inject: () => patch(WasmKernels.prototype, 'columnSums', (o) => function (this: any, x: Float64Array, out: Float64Array, rows: number, cols: number) { o.call(this, x.subarray(cols), out, rows - 1, cols); }) },
  { name: 'optimizer: the update adds the gradient (ascent)', gradient: false, inject: () => patch(BufferedOptimizer.prototype, 'step', (o) => function (this: any, params: any[], lr: number, ...rest: unknown[]) { return o.call(this, params, -lr, ...rest); }) },
  { name: 'BatchNorm running mean never updated (evaluation uses 0)', gradient: false, inject: () => patch(BatchNorm.prototype, 'forward', (o) => function (this: any, x: Tensor, training: boolean) { const saved = Float64Array.from(this.runningMean.value); const out = o.call(this, x, training); this.runningMean.value.set(saved); return out; }) },
];
