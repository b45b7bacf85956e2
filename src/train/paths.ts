import { dirname, basename, extname, join } from 'node:path';

/** The files of one run, all beside the weights: runs/weights.json → runs/weights.metrics.jsonl, … */
export interface RunPaths {
  weights: string;
  checkpoint: string;
  metrics: string;
  /** The weights of the best evaluated epoch (written when early stopping is on). */
  best: string;
  /** Holds the PID of the run writing these files (see RunFiles). */
  lock: string;
}

export function runPaths(weightsFile: string): RunPaths {
  const ext = extname(weightsFile);
  const stem = join(dirname(weightsFile), basename(weightsFile, ext === '.json' ? ext : ''));
  return { weights: weightsFile, checkpoint: `${stem}.checkpoint.json`, metrics: `${stem}.metrics.jsonl`, best: `${stem}.best.json`, lock: `${stem}.lock` };
}
