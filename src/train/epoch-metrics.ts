/** One line of the metrics file: how an epoch went. */
export interface EpochMetrics {
  epoch: number;
  epochs: number;
  step: number;
  /** The learning rate of the epoch's last batch (schedules change it). */
  learningRate: number;
  /** Running mean of the batch losses and accuracies seen during the epoch (before each update). */
  trainLoss: number;
  trainAccuracy: number;
  /** 'test' or 'validation', or null when this epoch was not evaluated. */
  evalSet: 'test' | 'validation' | null;
  evalLoss: number | null;
  evalAccuracy: number | null;
  seconds: number;
  /**
   * The backend that trained the epoch (Kernels.name) and its thread count: the bits of a
   * run depend on both, so a repeated or resumed run can match them. Absent in files
   * written before nnt recorded them.
   */
  backend?: string;
  threads?: number;
}
