import { tsKernels } from '../core/ts-kernels';
import { Sigmoid } from '../layers/sigmoid';
import { tracePoints, type ActivationPoint } from './activation';
import { DEFAULT_H } from './check';

export interface SigmoidPoint extends ActivationPoint {
  /** y·(1 − y) written out from y alone: the sigmoid's derivative needs no x, which is why forward caches y. */
  yTimesOneMinusY: number;
}

export interface SigmoidTrace {
  topic: 'sigmoid';
  h: number;
  points: SigmoidPoint[];
}

export const defaultSigmoidInputs = [-4, -1, 0, 1, 4];

export function explainSigmoid(inputs: number[] = defaultSigmoidInputs): SigmoidTrace {
  const points = tracePoints(new Sigmoid('sigmoid', tsKernels), inputs, DEFAULT_H);
  return { topic: 'sigmoid', h: DEFAULT_H, points: points.map((p) => ({ ...p, yTimesOneMinusY: p.y * (1 - p.y) })) };
}
