import { relativeError } from '../net/gradcheck';

/**
 * Says in plain words how a gradient differs from the central difference: a constant factor
 * (with a guess at its cause where a simple ratio explains it), zeros, or which entries.
 */
export function diagnose(name: string, shape: number[], backprop: number[], numerical: number[], batch?: number): string {
  if (backprop.some((v) => !Number.isFinite(v))) return `${name} contains ${backprop.find((v) => !Number.isFinite(v))}: something undefined or divided by zero in backward?`;
  if (backprop.every((v) => v === 0)) return `${name} is all zeros, but the central difference is not (e.g. ${fmt(numerical[0])})`;
  const factor = constantFactor(backprop, numerical);
  if (factor !== undefined) return `${name} is off by a factor of about ${fmt(factor)}${cause(factor, batch)}`;
  const wrong = backprop.map((v, i) => i).filter((i) => !(relativeError(backprop[i], numerical[i]) < 1e-6));
  const worst = wrong.reduce((w, i) => (Math.abs(backprop[i] - numerical[i]) > Math.abs(backprop[w] - numerical[w]) ? i : w), wrong[0]);
  const where = shape.length ? ` at ${index(shape, worst)}` : '';
  return `${name} is wrong in ${wrong.length} of ${backprop.length} entries; e.g.${where} backward gives ${fmt(backprop[worst])}, the central difference ${fmt(numerical[worst])}`;
}

/** backprop / numerical when it is the same (to 0.1%) at every entry that is not ~0. */
function constantFactor(backprop: number[], numerical: number[]): number | undefined {
  const ratios = backprop.map((v, i) => (Math.abs(numerical[i]) > 1e-8 ? v / numerical[i] : NaN)).filter((r) => !Number.isNaN(r));
  if (ratios.length === 0) return undefined;
  const f = ratios[0];
  return ratios.every((r) => Math.abs(r - f) <= 1e-3 * Math.abs(f)) ? f : undefined;
}

function cause(f: number, batch?: number): string {
  const near = (x: number) => Math.abs(f - x) <= 1e-3 * Math.abs(x);
  if (near(-1)) return ' (−1: the sign is flipped; a minus missing or one too many?)';
  if (batch && near(1 / batch)) return `: divided by the batch size (${batch}) once too often (twice, or outside the loss layer)?`;
  if (batch && near(batch)) return `: the division by the batch size (${batch}) is missing?`;
  if (near(2) || near(0.5)) return ' (2: the 2 of d(x²)/dx = 2x missing or doubled?)';
  return '';
}

function index(shape: number[], i: number): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return `[${idx.join('][')}]`;
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}
