import { learningRateAt, type ScheduleSpec } from '../src/optim/schedule';

/** 10 steps per epoch, 10 epochs. */
const at = (spec: ScheduleSpec, epoch: number, step = epoch * 10) => learningRateAt(spec, 0.1, { epoch, step, stepsPerEpoch: 10, totalEpochs: 10 });

describe('learningRateAt', () => {
  test('constant', () => {
    expect([0, 5, 9].map((e) => at({ type: 'constant' }, e))).toEqual([0.1, 0.1, 0.1]);
  });

  test('step decay: × 0.5 every 3 epochs', () => {
    // epochs 0–2: 0.1; 3–5: 0.05; 6–8: 0.025; 9: 0.0125
    const lrs = [0, 2, 3, 5, 6, 9].map((e) => at({ type: 'step', every: 3, gamma: 0.5 }, e));
    [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125].forEach((v, i) => expect(lrs[i]).toBeCloseTo(v, 15));
  });

  test('exponential: × 0.9 per epoch', () => {
    // 0.1, 0.09, 0.081, then 0.1·0.9⁵ = 0.059049
    const lrs = [0, 1, 2, 5].map((e) => at({ type: 'exponential', gamma: 0.9 }, e));
    [0.1, 0.09, 0.081, 0.059049].forEach((v, i) => expect(lrs[i]).toBeCloseTo(v, 15));
  });

  test('cosine from 0.1 to 0.01 over 10 epochs', () => {
    // min + (0.1 − min)·(1 + cos(π·e/10))/2: e = 0 → 0.1; e = 5 → 0.055 (cos = 0);
    // e = 10/3 is not an epoch; e = 9 → 0.01 + 0.09·(1 + cos(0.9π))/2 = 0.01 + 0.09·0.0244717 = 0.0122025
    const spec: ScheduleSpec = { type: 'cosine', minLr: 0.01 };
    expect(at(spec, 0)).toBeCloseTo(0.1, 15);
    expect(at(spec, 5)).toBeCloseTo(0.055, 15);
    expect(at(spec, 9)).toBeCloseTo(0.0122025, 7);
    expect(at({ type: 'cosine' }, 5)).toBeCloseTo(0.05, 15); // minLr defaults to 0
  });

  test('linear warm-up over 4 steps, then the schedule', () => {
    // steps 0..3 get (s + 1)/4 of the rate: 0.025, 0.05, 0.075, 0.1; step 4 on: 0.1
    const spec: ScheduleSpec = { type: 'constant', warmupSteps: 4 };
    const lrs = [0, 1, 2, 3, 4, 50].map((s) => at(spec, Math.floor(s / 10), s));
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1].forEach((v, i) => expect(lrs[i]).toBeCloseTo(v, 15));
  });

  test('warm-up in epochs multiplies the decayed rate', () => {
    // 2 warm-up epochs of 10 steps = 20 steps. Step 15 (epoch 1): exponential gives 0.09, warm-up 16/20 → 0.072
    const spec: ScheduleSpec = { type: 'exponential', gamma: 0.9, warmupEpochs: 2 };
    expect(at(spec, 1, 15)).toBeCloseTo(0.072, 15);
    expect(at(spec, 2, 20)).toBeCloseTo(0.081, 15);
  });

  test('bad specs are refused', () => {
    expect(() => at({ type: 'step', every: 0, gamma: 0.5 }, 1)).toThrow(/every must be a positive integer/);
    expect(() => at({ type: 'constant', warmupSteps: 3, warmupEpochs: 1 }, 1)).toThrow(/not both/);
    expect(() => at({ type: 'linear' } as unknown as ScheduleSpec, 1)).toThrow(/unknown schedule type linear/);
  });
});
