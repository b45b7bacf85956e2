import { exp } from '../src/core/exp';
import { Rng } from '../src/core/rng';

// exp.ts is the e^x of the sigmoid kernels (TypeScript and WebAssembly alike): as accurate as
// Math.exp, to within an ulp, over the whole range, with its limits and special values.
test('within one ulp of Math.exp from −745 to 709; e^0 = 1', () => {
  const rng = new Rng(5);
  let worst = 0;
  for (let i = 0; i < 200_000; i++) {
    const x = i < 100_000 ? 1454 * rng.uniform() - 745 : 40 * rng.uniform() - 20;
    const want = Math.exp(x), got = exp(x);
    // An ulp of want: the gap to the next double (2^−52 relative for normal numbers, 2^−1074 for subnormal ones).
    const ulp = Math.max(Math.abs(want) * 2 ** -52, 2 ** -1074);
    worst = Math.max(worst, Math.abs(got - want) / ulp);
  }
  expect(worst).toBeLessThanOrEqual(1);
  expect([exp(0), exp(-0)]).toEqual([1, 1]);
  expect(Math.abs(exp(1) - Math.E)).toBeLessThanOrEqual(Math.E * 2 ** -52);
});

test('limits: 0 below −745, ∞ above 709.79, NaN for NaN; monotone across the rounding of k', () => {
  expect([exp(-746), exp(-1e300), exp(-Infinity)]).toEqual([0, 0, 0]);
  expect([exp(709.79), exp(1e300), exp(Infinity)]).toEqual([Infinity, Infinity, Infinity]);
  expect(exp(709.78)).toBeCloseTo(Math.exp(709.78), -300);
  expect(exp(NaN)).toBeNaN();
  expect(exp(-745.1)).toBe(5e-324);
  // x = (k + ½)·ln2 is where the rounding of k changes: e^x must not step down there.
  for (let k = -1070; k < 1020; k += 7) {
    const x = (k + 0.5) * Math.LN2;
    expect(exp(x + 1e-12)).toBeGreaterThanOrEqual(exp(x - 1e-12));
  }
});
