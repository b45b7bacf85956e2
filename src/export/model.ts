import { basename } from 'node:path';
import { sameShape } from '../core/tensor';
import { tsKernels } from '../core/ts-kernels';
import { UserError } from '../errors';
import type { Config } from '../io/config-schema';
import type { NamedArray } from '../io/safetensors';
import { Affine } from '../layers/affine';
import { Convolution } from '../layers/convolution';
import { Pooling } from '../layers/pooling';
import { loadInto, readWeights, weightsDocument, type WeightsDocument } from '../io/weights';
import type { LayerSpec } from '../net/build';
import { networkFromConfig } from '../net/from-config';
import type { Network } from '../net/network';

/** A weights file read and loaded into its network: what every exporter starts from. */
export interface LoadedModel {
  doc: WeightsDocument;
  net: Network;
  /** The network's arrays in the weights file's order: parameters, then state. */
  arrays: NamedArray[];
  /** The weights file's name, for messages. */
  file?: string;
}

/** The layer types the ONNX and PyTorch exporters write (as ONNX nodes, as model.py's modules). */
export const EXPORTED_LAYER_TYPES = ['affine', 'relu', 'sigmoid', 'batchnorm', 'dropout', 'conv', 'pool'] as const;
export type ExportedLayerType = (typeof EXPORTED_LAYER_TYPES)[number];

/** Refuses, naming the first layer the exporter has no translation for, before anything is written. */
export function checkExportable(model: LoadedModel, format: string): void {
  const layers = model.doc.config.layers;
  const i = layers.findIndex((l) => !(EXPORTED_LAYER_TYPES as readonly string[]).includes(l.type));
  if (i < 0) return;
  throw new UserError(
    `${model.file ?? 'the weights'}: layers[${i}] (${layerNames(layers)[i]}) is a ${layers[i].type} layer, which ${format} export does not handle (it handles ${EXPORTED_LAYER_TYPES.join(', ')})`,
  );
}

export function loadModel(file: string): LoadedModel {
  const doc = readWeights(file);
  const net = networkFromConfig(doc.config, doc.inputSize, doc.classes, tsKernels, basename(file), doc.inputShape);
  loadInto(net, doc, file);
  const arrays = [...net.params(), ...net.stateArrays()].map((a) => ({ name: a.name, shape: [...a.shape], values: a.value }));
  return { doc, net, arrays, file: basename(file) };
}

/**
 * C×H×W of one sample when the network reads images (a conv or pool layer sees them before
 * any affine flattens them), else undefined: what the exporters reshape the flat input to.
 */
export function modelImageShape(net: Network): [number, number, number] | undefined {
  const first = net.layers.find((l) => l instanceof Convolution || l instanceof Pooling || l instanceof Affine);
  return first instanceof Convolution || first instanceof Pooling ? [...first.inputShape] : undefined;
}

/** The names buildNetwork gives the layers: each type numbered from 1 (affine1, relu1, affine2). */
export function layerNames(layers: readonly LayerSpec[]): string[] {
  const counts = new Map<string, number>();
  return layers.map((l) => {
    const count = (counts.get(l.type) ?? 0) + 1;
    counts.set(l.type, count);
    return `${l.type}${count}`;
  });
}

/** The number of classes a config's network outputs: the units of its last affine layer. */
export function classesOf(layers: readonly LayerSpec[], where: string): number {
  const last = [...layers].reverse().find((l) => l.type === 'affine');
  if (!last || last.type !== 'affine') throw new UserError(`${where}: the network has no affine layer, so no class scores`);
  return last.units;
}

/**
 * An nnt weights document from arrays found elsewhere (an ONNX graph, a safetensors file).
 * Arrays are matched to the network's by name when every name is there, else by order;
 * shapes are checked either way.
 */
export function documentFromArrays(
  config: Config, inputSize: number, arrays: NamedArray[], file: string, metrics: unknown, inputShape?: readonly number[],
): WeightsDocument {
  const name = basename(file);
  const net = networkFromConfig(config, inputSize, classesOf(config.layers, name), tsKernels, name, inputShape);
  const targets = [...net.params(), ...net.stateArrays()];
  const byName = new Map(arrays.map((a) => [a.name, a]));
  const matchByName = targets.every((t) => byName.has(t.name));
  if (!matchByName && arrays.length !== targets.length) {
    throw new UserError(
      `${name}: has ${arrays.length} arrays and not all of the network's names (${targets.map((t) => t.name).join(', ')}); by order the network needs ${targets.length}`,
    );
  }
  targets.forEach((target, i) => {
    const source = matchByName ? byName.get(target.name)! : arrays[i];
    if (!sameShape(source.shape, target.shape)) {
      throw new UserError(`${name}: ${source.name} has shape ${source.shape.join('×')}, the network's ${target.name} needs ${target.shape.join('×')}`);
    }
    target.value.set(source.values);
  });
  if (matchByName && arrays.length > targets.length) {
    const used = new Set(targets.map((t) => t.name));
    throw new UserError(`${name}: has arrays the network does not use: ${arrays.filter((a) => !used.has(a.name)).map((a) => a.name).join(', ')}`);
  }
  return weightsDocument(net, config, inputSize, classesOf(config.layers, name), metrics, inputShape);
}
