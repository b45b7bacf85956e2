import type { Param } from '../layers/layer';

/**
 * Gradient clipping by global norm: when the norm of all gradients taken together exceeds
 * maxNorm, every gradient is scaled by the same factor so it equals maxNorm. The direction
 * of the step is kept; only its length is capped (one bad batch cannot throw the weights far).
 * Returns the norm before clipping, which is worth logging.
 */
export function clipGradientNorm(params: Param[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradientNorm: maxNorm must be positive, got ${maxNorm}`);
  let sumSquares = 0;
  for (const p of params) {
    const g = p.grad;
    for (let i = 0; i < g.length; i++) sumSquares += g[i] * g[i];
  }
  const norm = Math.sqrt(sumSquares);
  if (norm > maxNorm) {
    const scale = maxNorm / norm;
    for (const p of params) {
      const g = p.grad;
      for (let i = 0; i < g.length; i++) g[i] *= scale;
    }
  }
  return norm;
}
