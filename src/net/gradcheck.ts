import type { InputBatch } from '../core/input';
import type { Rng } from '../core/rng';
import type { Tensor } from '../core/tensor';
import type { Layer } from '../layers/layer';
import type { Labels } from '../layers/softmax-with-loss';
import type { Network } from './network';

export interface GradcheckOptions {
  /** Step of the central difference; the book's 1e−4. */
  h?: number;
  /** An entry passes when its relative error is below this. */
  threshold?: number;
  /** Check at most this many entries of each parameter, chosen with `rng` (all when unset: large nets take long). */
  maxEntries?: number;
  rng?: Rng;
}

export interface GradcheckRow {
  name: string;
  shape: number[];
  /** Entries nudged: all of them, or `maxEntries` chosen at random. */
  entries: number;
  /** Entries compared (those nudged, less those whose nudge crossed a kink). */
  checked: number;
  /** Entries skipped because a ±h nudge moved some ReLU input across 0 (see below). */
  kinkCrossings: number;
  /**
   * Entries measured again with h/10 because at h the difference's own truncation error
   * (∝ h², large where the loss curves sharply, e.g. batch norm on a tiny batch) exceeded
   * the threshold; the finer estimate is the one compared.
   */
  refined: number;
  /** Mean of |backprop − numerical| over the compared entries. */
  meanAbsDiff: number;
  /** Largest |backprop − numerical| / max(|backprop|, |numerical|, ABS_FLOOR). */
  maxRelError: number;
  passed: boolean;
}

export const DEFAULT_H = 1e-4;
export const DEFAULT_THRESHOLD = 1e-6;
/**
 * The numerical derivative itself carries noise: the loss is rounded to ~1e−16 relative,
 * and dividing by 2h = 2e−4 turns that into ~1e−11 absolute. Relative errors are measured
 * against at least this scale, so a gradient smaller than it is in effect held to an
 * absolute tolerance of ABS_FLOOR × threshold = 1e−10, ten times that noise.
 */
export const ABS_FLOOR = 1e-4;

/**
 * Compares the gradients backprop computes with numerical ones, (L(w+h) − L(w−h)) / 2h,
 * for every entry of every parameter.
 *
 * A ReLU input that lies within h of zero makes the numerical derivative straddle the kink,
 * where the loss is not differentiable; the number it gives is then not a derivative at all.
 * Like Caffe's checker, such entries are detected (a layer's kink sides differ after the
 * nudge from the unnudged pass) and reported as crossings, not counted as errors; the
 * threshold stays tight.
 */
export function gradientCheck(net: Network, x: Tensor | InputBatch, labels: Labels, options: GradcheckOptions = {}): GradcheckRow[] {
  // Dropout must apply one mask to every pass, and the running statistics that batch norm
  // updates on each pass are put back afterwards, so checking leaves the network as it was.
  const saved = net.stateArrays().map((s) => Float64Array.from(s.value));
  net.holdRandomness(true);
  try {
    return checkHeld(net, x, labels, options);
  } finally {
    net.holdRandomness(false);
    net.stateArrays().forEach((s, i) => s.value.set(saved[i]));
  }
}

function checkHeld(net: Network, x: Tensor | InputBatch, labels: Labels, options: GradcheckOptions): GradcheckRow[] {
  const h = options.h ?? DEFAULT_H;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;

  net.gradient(x, labels);
  const analytic = new Map(net.params().map((p) => [p.name, Float64Array.from(p.grad)]));
  const kinkLayers = net.layers.filter((layer) => layer.kinkSides);
  const baseSides = kinkLayers.map((layer) => Uint8Array.from(layer.kinkSides!()));
  const crossedKink = () => kinkLayers.some((layer, i) => !sameBytes(layer.kinkSides!(), baseSides[i]));

  return net.params().map((p) => {
    const grad = analytic.get(p.name)!;
    const w = p.value;
    let checked = 0, kinkCrossings = 0, refined = 0, sumAbsDiff = 0, maxRelError = 0;
    const entries = chooseEntries(w.length, options.maxEntries, options.rng);
    for (const i of entries) {
      const at = (step: number) => numericalAt(net, x, labels, w, i, step, crossedKink);
      let numerical = at(h);
      if (numerical === KINK) {
        kinkCrossings++;
        continue;
      }
      let rel = relativeError(grad[i], numerical);
      if (!(rel < threshold)) {
        // The central difference is off by about h²·f‴/6. If backprop is right, a step ten
        // times smaller shrinks the disagreement a hundredfold; if backprop is wrong, it does not.
        const finer = at(h / 10);
        if (finer !== KINK && relativeError(grad[i], finer) < rel) {
          numerical = finer;
          rel = relativeError(grad[i], finer);
          refined++;
        }
      }
      checked++;
      sumAbsDiff += Math.abs(grad[i] - numerical);
      if (rel > maxRelError || Number.isNaN(rel)) maxRelError = rel;
    }
    return {
      name: p.name,
      shape: p.shape,
      entries: entries.length,
      checked,
      kinkCrossings,
      refined,
      meanAbsDiff: checked ? sumAbsDiff / checked : 0,
      maxRelError,
      passed: maxRelError < threshold,
    };
  });
}

/** All indices 0..n−1, or `max` of them drawn without replacement, in increasing order. */
function chooseEntries(n: number, max: number | undefined, rng: Rng | undefined): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (max === undefined || max >= n) return all;
  if (!rng) throw new Error('gradientCheck: maxEntries needs an rng');
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(n - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.subarray(0, max).sort();
}

const KINK = Symbol('kink');

/** (L(w+step) − L(w−step)) / 2·step for entry i of w, or KINK when a nudge crossed a kink. */
function numericalAt(net: Network, x: Tensor | InputBatch, labels: Labels, w: Float64Array, i: number, step: number, crossedKink: () => boolean): number | typeof KINK {
  const original = w[i];
  w[i] = original + step;
  const lossPlus = net.loss(x, labels, true);
  let crossed = crossedKink();
  w[i] = original - step;
  const lossMinus = net.loss(x, labels, true);
  crossed ||= crossedKink();
  w[i] = original;
  return crossed ? KINK : (lossPlus - lossMinus) / (2 * step);
}

/** The measure every check uses: |backprop − numerical| / max(|backprop|, |numerical|, ABS_FLOOR). */
export function relativeError(backprop: number, numerical: number): number {
  return Math.abs(backprop - numerical) / Math.max(Math.abs(backprop), Math.abs(numerical), ABS_FLOOR);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks a layer's dL/dx on its own: with L = Σ out ⊙ r for a fixed random r, backward(r)
 * must equal the numerical derivative of L in every input entry. Returns the largest
 * relative error (same measure as above).
 */
export function inputGradientError(layer: Layer, x: Tensor, r: Float64Array, h = DEFAULT_H): number {
  layer.holdRandomness?.(true);
  try {
    return inputGradientErrorHeld(layer, x, r, h);
  } finally {
    layer.holdRandomness?.(false);
  }
}

function inputGradientErrorHeld(layer: Layer, x: Tensor, r: Float64Array, h: number): number {
  const weightedSum = () => {
    const out = layer.forward(x, true).data;
    let s = 0;
    for (let i = 0; i < out.length; i++) s += out[i] * r[i];
    return s;
  };
  const shape = [...layer.forward(x, true).shape];
  const dx = Float64Array.from(layer.backward({ data: r, shape }).data);
  let worst = 0;
  for (let i = 0; i < x.data.length; i++) {
    const original = x.data[i];
    x.data[i] = original + h;
    const plus = weightedSum();
    x.data[i] = original - h;
    const minus = weightedSum();
    x.data[i] = original;
    const numerical = (plus - minus) / (2 * h);
    const rel = relativeError(dx[i], numerical);
    if (rel > worst || Number.isNaN(rel)) worst = rel;
  }
  return worst;
}
