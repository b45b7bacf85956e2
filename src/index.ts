/**
 * nnt as a library: the math core, the layers, the network and the gradient check.
 * The command-line tool is one client of these exports.
 */
export * from './core/tensor';
export { Rng } from './core/rng';
export type { Kernels } from './core/kernels';
export { tsKernels } from './core/ts-kernels';
export { argmaxRows, map, norm } from './core/ops';

export type { Layer, Param, StateArray } from './layers/layer';
export { MulLayer } from './layers/mul';
export { AddLayer } from './layers/add';
export { Relu } from './layers/relu';
export { Sigmoid } from './layers/sigmoid';
export { Affine } from './layers/affine';
export { SoftmaxWithLoss, type Labels } from './layers/softmax-with-loss';

export { Network } from './net/network';
export { buildNetwork, twoLayerSpec, layerTypes, type NetworkSpec, type LayerSpec, type InitSpec } from './net/build';
export { gradientCheck, inputGradientError, type GradcheckRow, type GradcheckOptions } from './net/gradcheck';
export { createKernels, defaultThreads, wasmSupport, type BackendName, type BackendOptions, type WasmVariant } from './core/backend';
