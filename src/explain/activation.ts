import { tensor } from '../core/tensor';
import type { Layer } from '../layers/layer';
import { centralDifference, compare, DEFAULT_H, entryOf, type NumericalCheck } from './check';

export interface ActivationPoint {
  x: number;
  y: number;
  /** dy/dx from the layer's backward with dout = 1. */
  local: number;
  check: NumericalCheck;
}

/**
 * An element-wise layer at a few inputs: forward, the local derivative its backward gives
 * for dout = 1, and the central difference of y at each x. With L = Σ y, a nudge of x_i
 * moves only y_i, so each entry of dL/dx is that input's own derivative.
 */
export function tracePoints(layer: Layer, xs: number[], h = DEFAULT_H): ActivationPoint[] {
  const x = tensor([1, xs.length], xs);
  const y = Array.from(layer.forward(x, true).data);
  const ones = tensor([1, xs.length], xs.map(() => 1));
  const local = Array.from(layer.backward(ones).data);
  const sum = () => layer.forward(x, true).data.reduce((s, v) => s + v, 0);
  return xs.map((xi, i) => ({ x: xi, y: y[i], local: local[i], check: compare(local[i], centralDifference(sum, ...entryOf(x.data, i), h)) }));
}
