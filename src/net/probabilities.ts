import type { Network } from './network';

/**
 * Softmax probabilities of `n` samples (row-major in x, `size` values each), in evaluation
 * mode, in batches so a whole test set needs only one batch of activations at a time.
 */
export function classProbabilities(net: Network, x: Float64Array, n: number, size: number, batchSize = 500): Float64Array {
  let out: Float64Array | undefined;
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const scores = net.predict({ data: x.subarray(start * size, (start + m) * size), shape: [m, size] }, false);
    const c = scores.shape[1];
    out ??= new Float64Array(n * c);
    for (let i = 0; i < m; i++) softmaxInto(scores.data.subarray(i * c, (i + 1) * c), out.subarray((start + i) * c, (start + i + 1) * c));
  }
  return out ?? new Float64Array(0);
}

/** softmax(scores) into out, shifted by the maximum so exp cannot overflow (one row; `nnt serve` uses it for one drawing). */
export function softmaxInto(scores: Float64Array, out: Float64Array): void {
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  let sum = 0;
  for (let k = 0; k < scores.length; k++) sum += out[k] = Math.exp(scores[k] - max);
  for (let k = 0; k < scores.length; k++) out[k] /= sum;
}

/** The `k` most probable classes of one row of probabilities, most probable first. */
export function topClasses(probabilities: ArrayLike<number>, k: number): { label: number; probability: number }[] {
  return Array.from(probabilities, (probability, label) => ({ label, probability }))
    .sort((a, b) => b.probability - a.probability || a.label - b.label)
    .slice(0, k);
}
