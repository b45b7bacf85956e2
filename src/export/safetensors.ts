import { basename } from 'node:path';
import { UserError } from '../errors';
import type { Config } from '../io/config-schema';
import { validateConfig } from '../io/config';
import { readSafetensors, writeSafetensors, type SafetensorsDtype } from '../io/safetensors';
import type { WeightsDocument } from '../io/weights';
import { documentFromArrays, modelImageShape, type LoadedModel } from './model';

/**
 * The network's arrays as safetensors, under nnt's names (affine1.W is inputs × units,
 * conv1.W is FN×C×FH×FW, batchnorm1.running_var …), with the config, metrics and sizes (and
 * a conv net's image shape, nnt.inputShape) in __metadata__ as strings (the format allows
 * only string values there).
 */
export function writeModelSafetensors(model: LoadedModel, file: string, dtype: SafetensorsDtype = 'F64'): void {
  const { doc } = model;
  const image = modelImageShape(model.net);
  writeSafetensors(file, model.arrays, {
    format: 'nnt',
    'nnt.config': JSON.stringify(doc.config),
    'nnt.metrics': JSON.stringify(doc.metrics ?? null),
    'nnt.inputSize': String(doc.inputSize),
    'nnt.classes': String(doc.classes),
    ...(image ? { 'nnt.inputShape': JSON.stringify(image) } : {}),
  }, dtype);
}

/**
 * An nnt weights document from a safetensors file and a config (given, or the one nnt stored
 * in __metadata__). Tensors are matched by name when all of nnt's names are there, else by
 * their order in the file; shapes are checked.
 */
export function readModelSafetensors(file: string, config?: Config): WeightsDocument {
  const name = basename(file);
  const st = readSafetensors(file);
  if (!config) {
    const stored = parseJson(st.metadata['nnt.config']);
    if (stored === undefined) throw new UserError(`${name}: has no nnt.config in its __metadata__; give the network with --config`);
    config = validateConfig(stored, `${name} (its nnt.config)`);
  }
  const first = st.tensors.find((t) => t.shape.length === 2);
  const inputSize = config.inputSize ?? Number(st.metadata['nnt.inputSize'] ?? first?.shape[0]);
  if (!Number.isInteger(inputSize) || inputSize <= 0) throw new UserError(`${name}: cannot tell the input size (no matrix among the tensors); set inputSize in the config`);
  const stored = parseJson(st.metadata['nnt.inputShape']);
  if (stored !== undefined && !(Array.isArray(stored) && stored.length === 3 && stored.every((d) => Number.isInteger(d) && d > 0))) {
    throw new UserError(`${name}: __metadata__ nnt.inputShape must be C×H×W as a JSON list of 3 positive integers, got ${st.metadata['nnt.inputShape']}`);
  }
  const inputShape = config.inputShape ?? (stored as number[] | undefined);
  return documentFromArrays(config, inputSize, st.tensors, file, parseJson(st.metadata['nnt.metrics']) ?? null, inputShape);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
