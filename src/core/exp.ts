/**
 * e^x written out, so that the WebAssembly kernels (which have no exp instruction) can do the
 * very same operations and give the very same bits: `$exp` in wasm/kernels.wat is this
 * function on two values at a time (the sigmoid and softmax kernels).
 *
 * fdlibm's e_exp.c (Sun Microsystems, 1993), the method of most C libraries, and of V8's
 * Math.exp (src/base/ieee754.cc, which also returns Math.E for x = 1): on V8 the two give the
 * same bits, so the softmax's probabilities are those it had on Math.exp.
 *   1. x = k·ln2 + r, |r| ≤ ln2/2, with ln2 split in two (LN2_HI has 32 trailing zero bits, so
 *      k·LN2_HI is exact). k is picked by |x|'s high 32 bits, as fdlibm does: 0 up to ln2/2,
 *      ±1 up to 1.5·ln2, beyond that x·log₂e ± ½ truncated. Below 2^−28, e^x = 1 + x.
 *   2. e^r from a rational approximation: c = r − r²·P(r²), e^r = 1 − ((r·c/(c − 2) − r)),
 *      written as fdlibm does to keep hi and lo apart. Error below 1 ulp.
 *   3. e^x = 2^k·e^r, as two power-of-two factors (each a normal number, so that results
 *      near overflow or in the subnormal range are rounded once, as fdlibm's are).
 * Arguments are clamped to [−746, 710] first (beyond, the result is 0 or ∞ anyway); NaN stays NaN.
 * Each step is one IEEE operation in both languages: no fused multiply-add, the same order.
 */

const LOG2E = 1.4426950408889634; // 1/ln2, fdlibm's invln2
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;
/** |x|'s high 32 bits at which fdlibm's k changes: below 2^−28, ln2/2, 1.5·ln2. */
export const HIGH_TINY = 0x3e300000, HIGH_HALF_LN2 = 0x3fd62e42, HIGH_3HALF_LN2 = 0x3ff0a2b2;

/** 2^k for integers −600 ≤ k ≤ 600, from their bits (exact): POW2[k + 600]. */
const POW2 = (() => {
  const table = new Float64Array(1201);
  const view = new DataView(table.buffer);
  for (let k = -600; k <= 600; k++) view.setBigUint64((k + 600) * 8, BigInt(k + 1023) << 52n, true);
  return table;
})();

/** A double's high 32 bits, sign cleared. */
const bits = new DataView(new ArrayBuffer(8));
function highWord(x: number): number {
  bits.setFloat64(0, x);
  return bits.getUint32(0) & 0x7fffffff;
}

export function exp(x: number): number {
  if (x === 1) return Math.E;
  x = Math.min(Math.max(x, -746), 710);
  const hx = highWord(x);
  if (hx < HIGH_TINY) return 1 + x;
  const k = hx <= HIGH_HALF_LN2 ? 0 : hx < HIGH_3HALF_LN2 ? (x < 0 ? -1 : 1) : Math.trunc(x * LOG2E + (x < 0 ? -0.5 : 0.5));
  const hi = x - k * LN2_HI;
  const lo = k * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  // 2^k as 2^k1 · 2^(k − k1), k1 = ⌊k/2⌋: both factors normal for every clamped x.
  const k1 = Math.floor(k / 2);
  return y * POW2[k1 + 600] * POW2[k - k1 + 600];
}
