import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { onnx } from 'onnx-proto';
import { UserError } from '../errors';
import type { Config } from '../io/config-schema';
import { validateConfig } from '../io/config';
import type { NamedArray } from '../io/safetensors';
import type { WeightsDocument } from '../io/weights';
import { BATCHNORM_EPS, BatchNorm } from '../layers/batchnorm';
import { outHeight, outWidth, type Window } from '../core/im2col';
import { sizeOf } from '../core/tensor';
import type { LayerSpec } from '../net/build';
import type { Convolution } from '../layers/convolution';
import type { Pooling } from '../layers/pooling';
import { checkExportable, documentFromArrays, layerNames, type ExportedLayerType, type LoadedModel } from './model';

/**
 * nnt's network as an ONNX graph (opset 13), and back.
 *
 *   input "input" (N × inputSize): pixels scaled to [0, 1] (byte / 255), as nnt feeds them
 *   output "logits" (N × classes): the last layer's scores, before softmax
 *   output "probabilities" (N × classes): Softmax(logits) along the last axis
 *
 * Each layer becomes one node named after the layer (affine1 → Gemm "affine1"), its arrays
 * initializers with nnt's names (affine1.W, batchnorm1.running_var). The config and the
 * metrics ride along in the model's metadata_props, so an import restores them.
 * The protobuf is built and parsed by onnx-proto (code generated from the official onnx.proto).
 */
export const ONNX_OPSET = 13;
export const ONNX_INPUT = 'input';
export const ONNX_LOGITS = 'logits';
export const ONNX_PROBABILITIES = 'probabilities';
export type ExportDtype = 'float64' | 'float32';

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

interface Emitter {
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
  arrays: Map<string, NamedArray>;
  elemType: number;
}

type LayerEmitter = (e: Emitter, spec: LayerSpec, name: string, input: string, output: string, model: LoadedModel, index: number) => void;

/** How each layer type becomes ONNX nodes: one entry per type. */
const onnxEmitters: Record<ExportedLayerType, LayerEmitter> = {
  affine: (e, _spec, name, input, output) => {
    e.nodes.push({ opType: 'Gemm', name, input: [input, initializer(e, `${name}.W`), initializer(e, `${name}.b`)], output: [output] });
  },
  relu: (e, _spec, name, input, output) => e.nodes.push({ opType: 'Relu', name, input: [input], output: [output] }),
  sigmoid: (e, _spec, name, input, output) => e.nodes.push({ opType: 'Sigmoid', name, input: [input], output: [output] }),
  // Evaluation-mode Dropout is the identity; the ratio is kept (an optional input) for training elsewhere.
  dropout: (e, spec, name, input, output) => {
    const ratio = `${name}.ratio`;
    e.initializers.push(tensorProto(ratio, [], Float64Array.of((spec as { ratio: number }).ratio), e.elemType));
    e.nodes.push({ opType: 'Dropout', name, input: [input, ratio], output: [output] });
  },
  batchnorm: (e, _spec, name, input, output, model, index) => {
    const eps = (model.net.layers[index] as BatchNorm).eps;
    const inputs = ['gamma', 'beta', 'running_mean', 'running_var'].map((a) => initializer(e, `${name}.${a}`));
    e.nodes.push({ opType: 'BatchNormalization', name, input: [input, ...inputs], output: [output], attribute: [{ name: 'epsilon', type: AttributeType.FLOAT, f: eps }] });
  },
  // nnt's W is FN×C×FH×FW, ONNX's layout for Conv: no transpose.
  conv: (e, _spec, name, input, output, model, index) => {
    const conv = model.net.layers[index] as Convolution;
    const attribute = windowAttributes(conv.size, conv.stride, conv.pad);
    e.nodes.push({ opType: 'Conv', name, input: [input, initializer(e, `${name}.W`), initializer(e, `${name}.b`)], output: [output], attribute });
  },
  pool: (e, _spec, name, input, output, model, index) => {
    const pool = model.net.layers[index] as Pooling;
    if (pool.mode === 'avg') {
      // nnt divides by FH·FW, padding included.
      const attribute = [...windowAttributes(pool.size, pool.stride, pool.pad), { name: 'count_include_pad', type: AttributeType.INT, i: 1 }];
      e.nodes.push({ opType: 'AveragePool', name, input: [input], output: [output], attribute });
      return;
    }
    // nnt's max pool pads with zeros (the book's np.pad), ONNX's MaxPool with −∞: they differ
    // where a window's inputs are all negative. Not Pad(0) + MaxPool: ONNX Runtime's PadFusion
    // folds that into MaxPool's pads (its float32 results then differ by 4e-5 in the tests).
    // Instead Max(MaxPool, border): border is 0 for the windows that reach into the padding
    // (their zeros join the maximum), −∞ elsewhere.
    const attribute = windowAttributes(pool.size, pool.stride, pool.pad);
    if (pool.pad === 0) {
      e.nodes.push({ opType: 'MaxPool', name, input: [input], output: [output], attribute });
      return;
    }
    e.initializers.push(tensorProto(`${name}.border`, pool.outputShape.slice(1), paddingBorder(poolWindow(pool)), e.elemType));
    e.nodes.push({ opType: 'MaxPool', name: `${name}.pool`, input: [input], output: [`${name}.pooled`], attribute });
    e.nodes.push({ opType: 'Max', name, input: [`${name}.pooled`, `${name}.border`], output: [output] });
  },
};

function poolWindow(pool: Pooling): Window {
  const [c, h, w] = pool.inputShape;
  return { n: 1, c, h, w, fh: pool.size[0], fw: pool.size[1], stride: pool.stride, pad: pool.pad };
}

/** OH×OW: 0 where the pool's window reaches into the padding, −∞ where it lies inside the image. */
function paddingBorder(g: Window): Float64Array {
  const oh = outHeight(g), ow = outWidth(g);
  const inside = (o: number, size: number, extent: number) => o * g.stride - g.pad >= 0 && o * g.stride - g.pad + size <= extent;
  const border = new Float64Array(oh * ow);
  for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) border[oy * ow + ox] = inside(oy, g.fh, g.h) && inside(ox, g.fw, g.w) ? -Infinity : 0;
  return border;
}

/** Conv's and the pools' attributes: the window, one stride and one pad for both axes and sides. */
function windowAttributes(size: readonly number[], stride: number, pad: number): onnx.IAttributeProto[] {
  return [ints('kernel_shape', [...size]), ints('strides', [stride, stride]), ints('pads', [pad, pad, pad, pad])];
}

function ints(name: string, values: number[]): onnx.IAttributeProto {
  return { name, type: AttributeType.INTS, ints: values };
}

function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) };
}

/**
 * The input arrives flat (N × inputSize), as nnt feeds it; conv and pool layers need
 * N×C×H×W, affine and batch-norm layers N × features (nnt's normalize each feature, so an
 * image goes flat first). A Reshape or Flatten goes in where the form changes, as in nnt.
 */
function reshapeFor(e: Emitter, spec: LayerSpec, name: string, current: string, image: number[] | undefined, layer: unknown): { current: string; image: number[] | undefined } {
  const wantsImage = spec.type === 'conv' || spec.type === 'pool';
  if (wantsImage && !image) {
    const shape = [...(layer as Convolution | Pooling).inputShape];
    e.initializers.push(int64Tensor(`${name}.input_shape`, [-1, ...shape]));
    e.nodes.push({ opType: 'Reshape', name: `${name}.reshape`, input: [current, `${name}.input_shape`], output: [`${name}.image`] });
    return { current: `${name}.image`, image: shape };
  }
  if ((spec.type === 'affine' || spec.type === 'batchnorm') && image) {
    e.nodes.push({ opType: 'Flatten', name: `${name}.flatten`, input: [current], output: [`${name}.flat`], attribute: [{ name: 'axis', type: AttributeType.INT, i: 1 }] });
    return { current: `${name}.flat`, image: undefined };
  }
  return { current, image };
}

export function toOnnx(model: LoadedModel, dtype: ExportDtype = 'float64'): Uint8Array {
  checkExportable(model, 'ONNX');
  const { doc } = model;
  const elemType = dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
  const e: Emitter = { nodes: [], initializers: [], arrays: new Map(model.arrays.map((a) => [a.name, a])), elemType };
  const names = layerNames(doc.config.layers);
  let current = ONNX_INPUT;
  let image: number[] | undefined;
  doc.config.layers.forEach((spec, i) => {
    ({ current, image } = reshapeFor(e, spec, names[i], current, image, model.net.layers[i]));
    const output = i === names.length - 1 ? ONNX_LOGITS : names[i];
    onnxEmitters[spec.type as ExportedLayerType](e, spec, names[i], current, output, model, i);
    current = output;
  });
  e.nodes.push({ opType: 'Softmax', name: 'softmax', input: [ONNX_LOGITS], output: [ONNX_PROBABILITIES], attribute: [{ name: 'axis', type: AttributeType.INT, i: -1 }] });
  const graph: onnx.IGraphProto = {
    name: doc.config.name ?? 'nnt',
    node: e.nodes,
    initializer: e.initializers,
    input: [valueInfo(ONNX_INPUT, doc.inputSize, elemType)],
    output: [valueInfo(ONNX_PROBABILITIES, doc.classes, elemType), valueInfo(ONNX_LOGITS, doc.classes, elemType)],
    docString: `${ONNX_INPUT}: pixels scaled to [0, 1] (byte / 255); ${ONNX_LOGITS}: scores before softmax; ${ONNX_PROBABILITIES}: softmax of the logits`,
  };
  const proto = onnx.ModelProto.fromObject({
    irVersion: 8,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'nnt',
    producerVersion: require('../../package.json').version,
    graph,
    metadataProps: [
      { key: 'nnt.config', value: JSON.stringify(doc.config) },
      { key: 'nnt.metrics', value: JSON.stringify(doc.metrics ?? null) },
    ],
  });
  return onnx.ModelProto.encode(proto).finish();
}

function initializer(e: Emitter, name: string): string {
  const a = e.arrays.get(name);
  if (!a) throw new Error(`no array ${name} in the network`);
  e.initializers.push(tensorProto(name, a.shape, a.values, e.elemType));
  return name;
}

function tensorProto(name: string, dims: number[], values: Float64Array, elemType: number): onnx.ITensorProto {
  const raw = elemType === DataType.DOUBLE ? new Float64Array(values) : Float32Array.from(values);
  // rawData is little-endian by the spec; typed arrays are in the machine's order (little-endian here).
  return { name, dims, dataType: elemType, rawData: new Uint8Array(raw.buffer) };
}

function valueInfo(name: string, width: number, elemType: number): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } } };
}

// ---- import -------------------------------------------------------------------------------

/** What a node becomes in nnt: a layer (with its arrays, named later), nothing, or the end. */
type Imported = { layer: LayerSpec; arrays: { suffix: string; array: NamedArray }[] } | 'skip' | 'softmax';

interface Reader {
  file: string;
  init: Map<string, onnx.TensorProto>;
  /** The sample's shape as nnt sees it: C×H×W from the first image layer until an affine flattens it. */
  shape: number[];
  /** Whether the ONNX tensor is N×C×H×W now (Conv and the pools need it; Gemm and BatchNormalization need N × features). */
  image: boolean;
  /** True until a Gemm: the features are still the input's. */
  fromInput: boolean;
  /** C×H×W the flat input is reshaped to, for the weights file. */
  inputShape?: number[];
  /** A MaxPool with pads, waiting for the Max that makes its padding nnt's zeros. */
  paddedPool?: { layer: LayerSpec; border: Float64Array; node: string };
}

/** How each supported ONNX node type becomes an nnt layer. */
const onnxImporters: Record<string, (r: Reader, node: onnx.INodeProto) => Imported> = {
  Gemm: (r, node) => {
    const [alpha, beta, transA, transB] = [attr(node, 'alpha', 1), attr(node, 'beta', 1), attr(node, 'transA', 0), attr(node, 'transB', 0)];
    if (alpha !== 1 || beta !== 1 || transA !== 0) throw new UserError(`${r.file}: Gemm ${nodeName(node)} has alpha, beta or transA nnt cannot express (needs 1, 1, 0)`);
    let W = tensorValues(r, node.input![1], node);
    if (W.shape.length !== 2) throw new UserError(`${r.file}: Gemm ${nodeName(node)}: weight ${W.name} has shape ${W.shape.join('×')}, expected a matrix`);
    if (transB) W = transpose(W);
    const [rows, units] = W.shape;
    needsFlat(r, node);
    const width = sizeOf(r.shape);
    if (rows !== width) throw new UserError(`${r.file}: Gemm ${nodeName(node)}: weight ${W.name} has ${rows} rows, its input has ${width} features`);
    const b = node.input![2] ? tensorValues(r, node.input![2], node) : { name: 'b', shape: [units], values: new Float64Array(units) };
    if (b.values.length !== units) throw new UserError(`${r.file}: Gemm ${nodeName(node)}: bias ${b.name} has ${b.values.length} values, expected ${units}`);
    r.shape = [units];
    r.fromInput = false;
    return { layer: { type: 'affine', units }, arrays: [{ suffix: 'W', array: W }, { suffix: 'b', array: { ...b, shape: [units] } }] };
  },
  Relu: () => ({ layer: { type: 'relu' }, arrays: [] }),
  Sigmoid: () => ({ layer: { type: 'sigmoid' }, arrays: [] }),
  Identity: () => 'skip',
  Dropout: (r, node) => {
    const ratio = node.input![1] ? tensorValues(r, node.input![1], node).values[0] : attr(node, 'ratio', 0.5);
    return { layer: { type: 'dropout', ratio }, arrays: [] };
  },
  BatchNormalization: (r, node) => {
    const eps = attr(node, 'epsilon', 1e-5);
    const nntEps = BATCHNORM_EPS;
    // The attribute is a float32: 1e-6 arrives as 9.99999997e-7.
    if (Math.abs(eps - nntEps) > 1e-12) throw new UserError(`${r.file}: BatchNormalization ${nodeName(node)} has epsilon ${eps}, nnt's batch norm uses ${nntEps}`);
    if (attr(node, 'training_mode', 0) !== 0) throw new UserError(`${r.file}: BatchNormalization ${nodeName(node)} is in training mode`);
    needsFlat(r, node);
    const width = sizeOf(r.shape);
    const arrays = ['gamma', 'beta', 'running_mean', 'running_var'].map((suffix, k) => ({ suffix, array: tensorValues(r, node.input![k + 1], node) }));
    for (const { array } of arrays) {
      if (array.values.length !== width) throw new UserError(`${r.file}: BatchNormalization ${nodeName(node)}: ${array.name} has ${array.values.length} values, its input has ${width} features`);
      array.shape = [width];
    }
    return { layer: { type: 'batchnorm' }, arrays };
  },
  Softmax: () => 'softmax',
  Reshape: (r, node) => {
    const target = int64Values(r, node.input![1], node);
    const [c, h, w] = target.slice(1);
    const fits = target.length === 4 && (target[0] === -1 || target[0] === 0) && !r.image && c * h * w === sizeOf(r.shape);
    // Onto the input (no layer has flattened it yet) or back onto the image a Flatten made flat.
    const same = r.shape.length === 3 ? r.shape.join() === [c, h, w].join() : r.inputShape === undefined && r.fromInput;
    if (!fits || !same) throw new UserError(`${r.file}: Reshape ${nodeName(node)} to ${target.join('×')}: nnt reshapes only the input to N×C×H×W (or an image back after a Flatten)`);
    if (r.shape.length === 1) r.inputShape = [c, h, w];
    r.shape = [c, h, w];
    r.image = true;
    return 'skip';
  },
  Flatten: (r, node) => {
    if (!r.image || attr(node, 'axis', 1) !== 1) throw new UserError(`${r.file}: Flatten ${nodeName(node)}: nnt flattens only N×C×H×W images, along axis 1`);
    r.image = false;
    return 'skip';
  },
  Conv: (r, node) => {
    const W = tensorValues(r, node.input![1], node);
    const [filters, c, fh, fw] = W.shape;
    if (W.shape.length !== 4 || !r.image || c !== r.shape[0] || attr(node, 'group', 1) !== 1) {
      throw new UserError(`${r.file}: Conv ${nodeName(node)}: weight ${W.name} of shape ${W.shape.join('×')} does not fit its input ${r.image ? r.shape.join('×') : 'N × features'} (nnt: FN×C×FH×FW, group 1)`);
    }
    const { stride, pad } = window(r, node, [fh, fw]);
    const b = node.input![2] ? tensorValues(r, node.input![2], node) : { name: 'b', shape: [filters], values: new Float64Array(filters) };
    r.shape = windowOutput(r, filters, [fh, fw], stride, pad);
    const layer: LayerSpec = { type: 'conv', filters, size: fh === fw ? fh : [fh, fw], stride, pad };
    return { layer, arrays: [{ suffix: 'W', array: W }, { suffix: 'b', array: { ...b, shape: [filters] } }] };
  },
  AveragePool: (r, node) => {
    const size = kernel(r, node);
    const { stride, pad } = window(r, node, size);
    if (pad > 0 && attr(node, 'count_include_pad', 0) !== 1) throw new UserError(`${r.file}: AveragePool ${nodeName(node)} leaves the padding out of the mean; nnt's divides by FH·FW (count_include_pad 1)`);
    r.shape = windowOutput(r, r.shape[0], size, stride, pad);
    return { layer: poolSpec(size, stride, pad, 'avg'), arrays: [] };
  },
  MaxPool: (r, node) => {
    const size = kernel(r, node);
    const { stride, pad } = window(r, node, size);
    const g: Window = { n: 1, c: r.shape[0], h: r.shape[1], w: r.shape[2], fh: size[0], fw: size[1], stride, pad };
    r.shape = windowOutput(r, r.shape[0], size, stride, pad);
    const layer = poolSpec(size, stride, pad, 'max');
    if (pad === 0) return { layer, arrays: [] };
    r.paddedPool = { layer, border: paddingBorder(g), node: nodeName(node) };
    return 'skip';
  },
  // Only as nnt writes it after a padded MaxPool: max with 0 where the window reaches into the padding.
  Max: (r, node) => {
    const pending = r.paddedPool;
    const border = node.input?.length === 2 && r.init.has(node.input[1]) ? tensorValues(r, node.input[1], node).values : undefined;
    if (!pending || !border || border.join() !== pending.border.join()) {
      throw new UserError(`${r.file}: Max ${nodeName(node)}: nnt reads Max only right after a padded MaxPool, with the 0/−∞ border nnt writes`);
    }
    r.paddedPool = undefined;
    return { layer: pending.layer, arrays: [] };
  },
};

function paddedPoolError(r: Reader): UserError {
  return new UserError(`${r.file}: MaxPool ${r.paddedPool!.node} pads with −∞ and nnt's max pool with 0; nnt reads a padded MaxPool only followed by the Max nnt writes`);
}

function needsFlat(r: Reader, node: onnx.INodeProto): void {
  if (r.image) throw new UserError(`${r.file}: ${node.opType} ${nodeName(node)} reads an N×C×H×W image; nnt needs a Flatten before it`);
}

function kernel(r: Reader, node: onnx.INodeProto): [number, number] {
  const k = ints64(node, 'kernel_shape');
  if (k?.length !== 2 || !r.image) throw new UserError(`${r.file}: ${node.opType} ${nodeName(node)}: nnt pools 2-D windows of N×C×H×W images`);
  return [k[0], k[1]];
}

/** One stride and one pad for both axes and all sides, no dilation or auto_pad, floor: what nnt's windows have. */
function window(r: Reader, node: onnx.INodeProto, size: number[]): { stride: number; pad: number } {
  const strides = ints64(node, 'strides') ?? [1, 1], pads = ints64(node, 'pads') ?? [0, 0, 0, 0];
  const kernelShape = ints64(node, 'kernel_shape') ?? size;
  const plain = (ints64(node, 'dilations') ?? [1, 1]).every((d) => d === 1) && attr(node, 'ceil_mode', 0) === 0 && !node.attribute?.some((a) => a.name === 'auto_pad' && String(a.s) !== 'NOTSET');
  if (!plain || strides[0] !== strides[1] || pads.some((p) => p !== pads[0]) || kernelShape.join() !== size.join()) {
    throw new UserError(`${r.file}: ${node.opType} ${nodeName(node)}: nnt needs one stride and one pad for both axes, no dilation, auto_pad or ceil_mode`);
  }
  return { stride: strides[0], pad: pads[0] };
}

function windowOutput(r: Reader, channels: number, size: number[], stride: number, pad: number): number[] {
  const g: Window = { n: 1, c: r.shape[0], h: r.shape[1], w: r.shape[2], fh: size[0], fw: size[1], stride, pad };
  return [channels, outHeight(g), outWidth(g)];
}

function poolSpec(size: number[], stride: number, pad: number, mode: 'max' | 'avg'): LayerSpec {
  return { type: 'pool', size: size[0] === size[1] ? size[0] : [size[0], size[1]], stride, ...(pad ? { pad } : {}), ...(mode === 'avg' ? { mode } : {}) };
}

function ints64(node: onnx.INodeProto, name: string): number[] | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? (a.ints ?? []).map(toNumber) : undefined;
}

function int64Values(r: Reader, name: string, node: onnx.INodeProto): number[] {
  const t = r.init.get(name);
  if (!t || t.dataType !== DataType.INT64) throw new UserError(`${r.file}: ${node.opType} ${nodeName(node)} reads ${name}, which is not an INT64 initializer`);
  if (t.rawData?.length) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.length / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
  }
  return t.int64Data.map(toNumber);
}

export function readOnnx(file: string): WeightsDocument {
  const name = basename(file);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`${file}: cannot read the file (${code})`);
    throw new UserError(`${name}: not a valid ONNX model (truncated or corrupt: ${(error as Error).message})`);
  }
  // decode fills every repeated field, so the classes' non-optional types hold.
  const graph = model.graph as onnx.GraphProto | null;
  if (!graph || graph.node.length === 0) throw new UserError(`${name}: the ONNX model has no graph nodes`);
  const init = new Map((graph.initializer as onnx.TensorProto[]).map((t) => [t.name, t]));
  const input = (graph.input as onnx.ValueInfoProto[]).find((i) => !init.has(i.name));
  const dims = input?.type?.tensorType?.shape?.dim ?? [];
  const sample = dims.slice(1).map((d) => toNumber(d.dimValue));
  if (!input || ![1, 3].includes(sample.length) || sample.some((d) => d <= 0)) throw new UserError(`${name}: the graph's input is not a batch of vectors (N × features) or images (N×C×H×W)`);
  const unsupported = graph.node.filter((n) => !((n.opType ?? '') in onnxImporters)).map((n) => `${n.opType} (${nodeName(n)})`);
  if (unsupported.length > 0) {
    throw new UserError(`${name}: has ONNX nodes nnt cannot import: ${unsupported.join(', ')}; nnt reads ${Object.keys(onnxImporters).join(', ')}`);
  }
  const inputSize = sizeOf(sample);
  const image = sample.length === 3;
  const reader: Reader = { file: name, init, shape: sample, image, fromInput: true, inputShape: image ? sample : undefined };
  const { layers, arrays } = walkChain(reader, graph.node, input.name);
  return documentFromArrays(importedConfig(model, layers, name), inputSize, arrays, file, metadata(model, 'nnt.metrics') ?? null, reader.inputShape);
}

/** The nodes must form one chain from the input, each reading the previous one's output. */
function walkChain(r: Reader, nodes: onnx.INodeProto[], input: string): { layers: LayerSpec[]; arrays: NamedArray[] } {
  const layers: LayerSpec[] = [];
  const pending: { suffix: string; array: NamedArray }[][] = [];
  let current = input;
  nodes.forEach((node, i) => {
    if (node.input?.[0] !== current) throw new UserError(`${r.file}: node ${nodeName(node)} reads ${node.input?.[0]}, not ${current}: nnt imports a single chain of layers`);
    if (r.paddedPool && node.opType !== 'Max') throw paddedPoolError(r);
    const imported = onnxImporters[node.opType!](r, node);
    if (imported === 'softmax') {
      if (i !== nodes.length - 1) throw new UserError(`${r.file}: Softmax ${nodeName(node)} is not the last node; nnt has softmax only at the output`);
      return;
    }
    current = node.output![0];
    if (imported === 'skip') return;
    layers.push(imported.layer);
    pending.push(imported.arrays);
  });
  if (r.paddedPool) throw paddedPoolError(r);
  const names = layerNames(layers);
  const arrays = pending.flatMap((list, k) => list.map(({ suffix, array }) => ({ ...array, name: `${names[k]}.${suffix}` })));
  return { layers, arrays };
}

/** The config nnt exported with the model when its layers are the ones found, else a plain one. */
function importedConfig(model: onnx.ModelProto, layers: LayerSpec[], name: string): Config {
  const stored = metadata(model, 'nnt.config') as Config | undefined;
  const strip = (ls: readonly LayerSpec[]) => JSON.stringify(ls.map(canonical));
  if (stored && Array.isArray(stored.layers) && strip(stored.layers) === strip(layers)) return validateConfig(stored, `${name} (its nnt.config)`);
  return validateConfig({ name: name.replace(/\.onnx$/, ''), layers }, name);
}

/** A layer spec with its defaults spelled out and no init, so that two ways of writing the same layer compare equal. */
function canonical(l: LayerSpec): unknown {
  const pair = (s: number | [number, number]) => (typeof s === 'number' ? [s, s] : s);
  if (l.type === 'conv') return { type: l.type, filters: l.filters, size: pair(l.size), stride: l.stride ?? 1, pad: l.pad ?? 0 };
  if (l.type === 'pool') return { type: l.type, size: pair(l.size), stride: l.stride ?? pair(l.size)[0], pad: l.pad ?? 0, mode: l.mode ?? 'max' };
  return { ...l, init: undefined };
}

function metadata(model: onnx.ModelProto, key: string): unknown {
  const entry = model.metadataProps.find((p) => p.key === key);
  if (!entry) return undefined;
  try {
    return JSON.parse(entry.value ?? '');
  } catch {
    return undefined;
  }
}

function tensorValues(r: Reader, name: string, node: onnx.INodeProto): NamedArray {
  const t = r.init.get(name);
  if (!t) throw new UserError(`${r.file}: ${node.opType} ${nodeName(node)} reads ${name}, which is not an initializer (a constant)`);
  const shape = t.dims.map(toNumber);
  const count = shape.reduce((p, d) => p * d, 1);
  let values: Float64Array;
  if (t.dataType === DataType.DOUBLE || t.dataType === DataType.FLOAT) {
    const size = t.dataType === DataType.DOUBLE ? 8 : 4;
    const raw = t.rawData?.length ? t.rawData : undefined;
    if (raw) {
      if (raw.length !== count * size) throw new UserError(`${r.file}: initializer ${name} has ${raw.length} bytes, its shape ${shape.join('×')} needs ${count * size}`);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      values = Float64Array.from({ length: count }, (_, i) => (size === 8 ? view.getFloat64(8 * i, true) : view.getFloat32(4 * i, true)));
    } else {
      values = Float64Array.from(t.dataType === DataType.DOUBLE ? t.doubleData : t.floatData);
    }
  } else {
    throw new UserError(`${r.file}: initializer ${name} has data type ${DataType[t.dataType] ?? t.dataType}; nnt reads DOUBLE and FLOAT`);
  }
  if (values.length !== count) throw new UserError(`${r.file}: initializer ${name} has ${values.length} values, its shape ${shape.join('×')} needs ${count}`);
  return { name, shape, values };
}

function transpose(a: NamedArray): NamedArray {
  const [rows, cols] = a.shape;
  const out = new Float64Array(a.values.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a.values[i * cols + j];
  return { name: a.name, shape: [cols, rows], values: out };
}

function attr(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return fallback;
  return a.type === AttributeType.FLOAT ? a.f! : toNumber(a.i!);
}

function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function nodeName(node: onnx.INodeProto): string {
  return node.name || node.output?.[0] || '?';
}
