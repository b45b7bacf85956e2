/**
 * Learning-rate schedules: the rate for a step as a pure function of where training is,
 * so a resumed run needs no schedule state, only its epoch and step.
 *
 * The decays change the rate once per epoch (the epoch is 0-based, so the first epoch
 * always runs at the base rate); warm-up works per step.
 */
export type ScheduleSpec = (
  | { type: 'constant' }
  /** × gamma after every `every` epochs: base·gamma^⌊epoch / every⌋. */
  | { type: 'step'; every: number; gamma: number }
  /** × gamma per epoch: base·gamma^epoch. */
  | { type: 'exponential'; gamma: number }
  /**
   * Half a cosine from the base rate down towards `minLr` (default 0) over the run:
   * minLr + (base − minLr)·(1 + cos(π·epoch / totalEpochs)) / 2, as PyTorch's
   * CosineAnnealingLR stepped per epoch. The last epoch is just above minLr, never at it.
   */
  | { type: 'cosine'; minLr?: number }
) &
  Warmup;

/**
 * Linear warm-up: the rate for global step s (0-based) is multiplied by (s + 1) / W for
 * the first W steps, W = warmupSteps or warmupEpochs × steps per epoch (give at most one).
 * The first step gets base/W rather than 0, so no step is wasted. Large early steps with
 * freshly initialized weights and Adam's or batch norm's young statistics are what warm-up
 * is for.
 */
export interface Warmup {
  warmupSteps?: number;
  warmupEpochs?: number;
}

export interface TrainingProgress {
  /** 0-based epoch. */
  epoch: number;
  /** 0-based global step (batches done before this one, over all epochs). */
  step: number;
  stepsPerEpoch: number;
  totalEpochs: number;
}

export const scheduleTypes = ['constant', 'step', 'exponential', 'cosine'] as const satisfies readonly ScheduleSpec['type'][];

export function learningRateAt(spec: ScheduleSpec, baseLr: number, progress: TrainingProgress): number {
  return decayed(spec, baseLr, progress) * warmupFactor(spec, progress);
}

/**
 * Whether the rate at a step depends on the run's total length (`totalEpochs`), not only on
 * where training is. Such a schedule cannot be stretched over more (or fewer) epochs when a run
 * is resumed: the rates already used followed the old length, the rest would follow the new
 * one, and the rate would jump where they meet. Warm-up depends only on the step.
 */
export function dependsOnRunLength(spec: ScheduleSpec): boolean {
  switch (spec.type) {
    case 'cosine':
      return true;
    case 'constant':
    case 'step':
    case 'exponential':
      return false;
    default:
      throw new Error(`unknown schedule type ${(spec as { type: unknown }).type} (expected one of ${scheduleTypes.join(', ')})`);
  }
}

function decayed(spec: ScheduleSpec, baseLr: number, { epoch, totalEpochs }: TrainingProgress): number {
  switch (spec.type) {
    case 'constant':
      return baseLr;
    case 'step':
      if (!(Number.isInteger(spec.every) && spec.every > 0)) throw new RangeError(`step schedule: every must be a positive integer, got ${spec.every}`);
      return baseLr * Math.pow(spec.gamma, Math.floor(epoch / spec.every));
    case 'exponential':
      return baseLr * Math.pow(spec.gamma, epoch);
    case 'cosine': {
      if (!(totalEpochs > 0)) throw new RangeError(`cosine schedule: totalEpochs must be positive, got ${totalEpochs}`);
      const minLr = spec.minLr ?? 0;
      const t = Math.min(epoch, totalEpochs) / totalEpochs;
      return minLr + (baseLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
    default:
      throw new Error(`unknown schedule type ${(spec as { type: unknown }).type} (expected one of ${scheduleTypes.join(', ')})`);
  }
}

function warmupFactor(spec: Warmup, { step, stepsPerEpoch }: TrainingProgress): number {
  if (spec.warmupSteps !== undefined && spec.warmupEpochs !== undefined) {
    throw new RangeError('schedule: give warmupSteps or warmupEpochs, not both');
  }
  const w = spec.warmupSteps ?? (spec.warmupEpochs ?? 0) * stepsPerEpoch;
  if (!(w >= 0)) throw new RangeError(`schedule: warm-up length must be non-negative, got ${w}`);
  return step < w ? (step + 1) / w : 1;
}
