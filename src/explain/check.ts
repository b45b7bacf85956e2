import { DEFAULT_H, DEFAULT_THRESHOLD, relativeError } from '../net/gradcheck';

/** A gradient from backprop beside the numerical one, judged like `nnt gradcheck` judges them. */
export interface NumericalCheck {
  backprop: number;
  numerical: number;
  /** |backprop − numerical| / max(|backprop|, |numerical|, 1e−4), as in the gradient check. */
  relError: number;
  passed: boolean;
}

export { DEFAULT_H };

/**
 * The central difference (f(v + h) − f(v − h)) / 2h of a whole graph's output `f` in one
 * entry `v` that `set` changes; the entry is put back afterwards. Its error is O(h²), against
 * O(h) for the one-sided difference.
 */
export function centralDifference(f: () => number, get: () => number, set: (v: number) => void, h = DEFAULT_H): number {
  const original = get();
  set(original + h);
  const plus = f();
  set(original - h);
  const minus = f();
  set(original);
  return (plus - minus) / (2 * h);
}

/** An entry of a typed array as the `get`/`set` pair `centralDifference` nudges. */
export function entryOf(a: Float64Array, i: number): [get: () => number, set: (v: number) => void] {
  return [() => a[i], (v) => (a[i] = v)];
}

export function compare(backprop: number, numerical: number, threshold = DEFAULT_THRESHOLD): NumericalCheck {
  const relError = relativeError(backprop, numerical);
  return { backprop, numerical, relError, passed: relError < threshold };
}
