import type { Config } from '../io/config-schema';
import { sliceDataset, type Dataset } from '../data/dataset';
import { loadTestSet, loadTrainSet, splitValidation } from '../data/source';

export interface RunData {
  trainSet: Dataset;
  /** What each epoch is evaluated on: the validation split when there is one, else the test set. */
  evalSet: Dataset;
  evalName: 'test' | 'validation';
  classes: number;
}

/** The datasets a config trains and evaluates on, with its limits and validation split applied. */
export function loadRunData(config: Config): RunData {
  const { data } = config;
  let trainSet = loadTrainSet(data);
  if (data.trainLimit !== undefined) trainSet = sliceDataset(trainSet, 0, Math.min(data.trainLimit, trainSet.count), 'train');
  if (data.validation > 0) {
    const split = splitValidation(trainSet, data.validation);
    return { trainSet: split.train, evalSet: split.validation, evalName: 'validation', classes: Math.max(split.train.classes, split.validation.classes) };
  }
  let evalSet = loadTestSet(data);
  if (data.testLimit !== undefined) evalSet = sliceDataset(evalSet, 0, Math.min(data.testLimit, evalSet.count), 'test');
  return { trainSet, evalSet, evalName: 'test', classes: Math.max(trainSet.classes, evalSet.classes) };
}
