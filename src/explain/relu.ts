import { tsKernels } from '../core/ts-kernels';
import { Relu } from '../layers/relu';
import { tracePoints, type ActivationPoint } from './activation';
import { DEFAULT_H } from './check';

export interface ReluPoint extends ActivationPoint {
  /** The mask forward cached: 1 where x > 0, the only places backward lets the gradient through. */
  mask: number;
  /** x lies within h of 0, so x ± h straddles the kink and the central difference is no derivative. */
  nearKink: boolean;
}

export interface ReluTrace {
  topic: 'relu';
  h: number;
  points: ReluPoint[];
}

/** Well clear of 0 (by much more than h), where ReLU has a derivative. */
export const defaultReluInputs = [-2, -0.5, 0.3, 1, 2.5];

export function explainRelu(inputs: number[] = defaultReluInputs): ReluTrace {
  const layer = new Relu('relu', tsKernels);
  const points = tracePoints(layer, inputs, DEFAULT_H);
  layer.forward({ data: Float64Array.from(inputs), shape: [1, inputs.length] });
  const mask = layer.kinkSides();
  return {
    topic: 'relu',
    h: DEFAULT_H,
    points: points.map((p, i) => ({ ...p, mask: mask[i], nearKink: Math.abs(p.x) < DEFAULT_H })),
  };
}
