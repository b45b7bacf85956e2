import { Rng } from '../src/core/rng';

describe('Rng', () => {
  test('the same seed gives the same sequence; another seed another', () => {
    const a = new Rng(123), b = new Rng(123), c = new Rng(124);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  test('uniform is in [0, 1) with mean near 1/2; gaussian has mean 0 and variance 1', () => {
    const rng = new Rng(1);
    const n = 100000;
    let su = 0, sg = 0, sg2 = 0, outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      if (!(u >= 0 && u < 1)) outside++; // one expect for all: 100,000 expects took 5 s
      su += u;
      const g = rng.gaussian();
      sg += g;
      sg2 += g * g;
    }
    expect(outside).toBe(0);
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sg / n)).toBeLessThan(0.01);
    expect(Math.abs(sg2 / n - 1)).toBeLessThan(0.02);
  });

  test('shuffle is a permutation, and a saved state replays exactly', () => {
    const rng = new Rng(9);
    const state = rng.getState();
    const a = Int32Array.from({ length: 100 }, (_, i) => i);
    rng.shuffle(a);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    rng.setState(state);
    const b = Int32Array.from({ length: 100 }, (_, i) => i);
    rng.shuffle(b);
    expect(b).toEqual(a);
  });
});
