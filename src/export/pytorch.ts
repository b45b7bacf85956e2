import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import type { SafetensorsDtype } from '../io/safetensors';
import { DATA_FILE_ROLES, resolveDataFile } from '../data/source';
import { BATCHNORM_EPS } from '../layers/batchnorm';
import { checkExportable, modelImageShape, type LoadedModel } from './model';
import { writeModelSafetensors } from './safetensors';

/** The files of templates/pytorch, copied as they are: they read config.json and the weights. */
export const PYTORCH_FILES = ['model.py', 'train.py'] as const;

/**
 * A folder PyTorch picks up from: weights.safetensors (read by model.py with json, struct and
 * torch.frombuffer, so a plain torch needs no extra package), config.json (the nnt config,
 * plus where the data is, batch norm's ε and, for conv nets, the image shape C×H×W), model.py (the network as torch.nn modules) and
 * train.py (continues training with DistributedDataParallel, launched by torchrun).
 */
export function writePytorchFolder(model: LoadedModel, dir: string, dtype: SafetensorsDtype = 'F64'): void {
  checkExportable(model, 'PyTorch');
  mkdirSync(dir, { recursive: true });
  writeModelSafetensors(model, join(dir, 'weights.safetensors'), dtype);
  const { doc } = model;
  const data = Object.fromEntries(DATA_FILE_ROLES.map((role) => [role, resolve(resolveDataFile(doc.config.data, role))]));
  const inputShape = modelImageShape(model.net);
  const exported = {
    config: doc.config, inputSize: doc.inputSize, ...(inputShape ? { inputShape } : {}), classes: doc.classes,
    batchnormEps: BATCHNORM_EPS, data, dtype: dtype === 'F64' ? 'float64' : 'float32',
  };
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(exported, null, 2)}\n`);
  const templates = join(__dirname, '../../templates/pytorch');
  for (const file of PYTORCH_FILES) copyFileSync(join(templates, file), join(dir, file));
}
