/**
 * Early stopping: stop once the validation metric has not improved for `patience` epochs
 * in a row. Pure bookkeeping; keeping the best weights is the trainer's job, told by
 * `improved`.
 */
export interface EarlyStoppingState {
  /** null before the first update (JSON has no ±Infinity). */
  best: number | null;
  bestEpoch: number;
  /** Epochs since the last improvement. */
  epochsWithoutImprovement: number;
}

export class EarlyStopping {
  /** The best metric seen so far; undefined before the first update. */
  best: number | undefined;
  /** Epoch of `best`; −1 before the first update. */
  bestEpoch = -1;
  private epochsWithoutImprovement = 0;

  /** `mode` says which way is better: 'max' for accuracy, 'min' for loss. */
  constructor(
    readonly patience: number,
    readonly mode: 'max' | 'min',
  ) {
    if (!(Number.isInteger(patience) && patience > 0)) throw new RangeError(`early stopping: patience must be a positive integer, got ${patience}`);
    if (mode !== 'max' && mode !== 'min') throw new RangeError(`early stopping: mode must be 'max' or 'min', got ${String(mode)}`);
  }

  /** Records one epoch's metric. Only a strict improvement counts; NaN never does. */
  update(metric: number, epoch: number): { improved: boolean; stop: boolean } {
    const improved =
      !Number.isNaN(metric) && (this.best === undefined || (this.mode === 'max' ? metric > this.best : metric < this.best));
    if (improved) {
      this.best = metric;
      this.bestEpoch = epoch;
      this.epochsWithoutImprovement = 0;
    } else {
      this.epochsWithoutImprovement++;
    }
    return { improved, stop: this.epochsWithoutImprovement >= this.patience };
  }

  getState(): EarlyStoppingState {
    return { best: this.best ?? null, bestEpoch: this.bestEpoch, epochsWithoutImprovement: this.epochsWithoutImprovement };
  }

  setState(state: EarlyStoppingState): void {
    if (!(Number.isInteger(state.epochsWithoutImprovement) && state.epochsWithoutImprovement >= 0)) {
      throw new Error(`early stopping state: epochsWithoutImprovement must be a non-negative integer, got ${state.epochsWithoutImprovement}`);
    }
    this.best = state.best ?? undefined;
    this.bestEpoch = state.bestEpoch;
    this.epochsWithoutImprovement = state.epochsWithoutImprovement;
  }
}
