import { exp } from '../src/core/exp';
import { Rng } from '../src/core/rng';

// exp.ts is the e^x of the sigmoid and softmax kernels (TypeScript and WebAssembly alike): as
// accurate as Math.exp, to within an ulp, over the whole range, with its limits and special values.
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

// V8's Math.exp is fdlibm's e_exp.c (with Math.E for x = 1), which exp.ts follows step for step:
// the softmax moved from Math.exp to exp.ts without a bit of any run changing.
test('the bits of Math.exp on this engine: across the range, at the boundaries of k, and at its ties', () => {
  const rng = new Rng(9);
  const xs: number[] = [0, -0, 1, -1, 2 ** -28, -(2 ** -28), 709.782712893384, -745.1332191019411, 1e-300, 5e-324, Infinity, -Infinity];
  for (let i = 0; i < 100_000; i++) xs.push(1460 * rng.uniform() - 750, -40 * rng.uniform(), (rng.uniform() - 0.5) * 2 ** -20);
  // Doubles whose high 32 bits are fdlibm's thresholds (2^−28, ln2/2, 1.5·ln2, 709.78), either sign, various low bits.
  const at = new DataView(new ArrayBuffer(8));
  for (const high of [0x3e300000, 0x3fd62e42, 0x3fd62e43, 0x3ff0a2b1, 0x3ff0a2b2, 0x40862e42]) {
    for (let i = 0; i < 2000; i++) {
      at.setUint32(0, (high | (i % 2 ? 0x80000000 : 0)) >>> 0);
      at.setUint32(4, Math.floor(rng.uniform() * 2 ** 32));
      xs.push(at.getFloat64(0));
    }
  }
  for (let k = -1075; k < 1025; k++) for (const d of [-2, -1, 0, 1, 2]) xs.push((k + 0.5) * Math.LN2 * (1 + d * 2 ** -52));
  const differ = xs.filter((x) => !Object.is(exp(x), Math.exp(x)));
  expect(differ).toEqual([]);
});
