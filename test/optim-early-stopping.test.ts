import { EarlyStopping } from '../src/train/early-stopping';

describe('EarlyStopping', () => {
  test('max mode: stops after `patience` epochs without a strict improvement, remembering the best epoch', () => {
    const es = new EarlyStopping(2, 'max');
    const accuracies = [0.5, 0.7, 0.7, 0.65, 0.8];
    const results = accuracies.map((a, epoch) => es.update(a, epoch));
    expect(results.slice(0, 4)).toEqual([
      { improved: true, stop: false },
      { improved: true, stop: false },
      { improved: false, stop: false }, // equal is not better
      { improved: false, stop: true }, // second epoch without improvement
    ]);
    expect(es.best).toBe(0.8); // the trainer would have stopped at epoch 3; it did not, so epoch 4 counts
    expect(es.bestEpoch).toBe(4);
  });

  test('min mode, with the best epoch reported at the stop', () => {
    const es = new EarlyStopping(3, 'min');
    const losses = [1.0, 0.8, 0.9, 0.85, 0.81, 0.7];
    let stoppedAt = -1;
    for (let epoch = 0; epoch < losses.length && stoppedAt < 0; epoch++) if (es.update(losses[epoch], epoch).stop) stoppedAt = epoch;
    expect(stoppedAt).toBe(4);
    expect(es.best).toBe(0.8);
    expect(es.bestEpoch).toBe(1);
  });

  test('NaN never improves', () => {
    const es = new EarlyStopping(1, 'min');
    expect(es.update(Number.NaN, 0)).toEqual({ improved: false, stop: true });
    expect(es.best).toBeUndefined();
    expect(es.update(2, 1).improved).toBe(true);
  });

  test('getState / setState continue where it was, through JSON', () => {
    const a = new EarlyStopping(3, 'max');
    a.update(0.5, 0);
    a.update(0.4, 1);
    const b = new EarlyStopping(3, 'max');
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    expect(b.getState()).toEqual({ best: 0.5, bestEpoch: 0, epochsWithoutImprovement: 1 });
    expect([b.update(0.45, 2), b.update(0.45, 3)]).toEqual([a.update(0.45, 2), a.update(0.45, 3)]);
    expect(b.update(0.1, 4)).toEqual({ improved: false, stop: true });
    const fresh = new EarlyStopping(3, 'min');
    fresh.setState(JSON.parse(JSON.stringify(new EarlyStopping(3, 'min').getState())));
    expect(fresh.best).toBeUndefined();
  });

  test('bad arguments are refused', () => {
    expect(() => new EarlyStopping(0, 'max')).toThrow(/patience must be a positive integer/);
    expect(() => new EarlyStopping(2, 'up' as 'max')).toThrow(/mode must be 'max' or 'min'/);
  });
});
