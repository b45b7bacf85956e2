/**
 * nnt as a library: the math core, the layers, the network and the gradient check.
 * The command-line tool is one client of these exports.
 *
 * The main calls (README, "Library"): loadConfig / validateConfig, networkFromConfig, train
 * (with the events `nnt train` prints), writeWeights / readWeights / loadWeights, predict,
 * evaluate / Evaluator, gradientCheck, explain.
 */
export { loadConfig, validateConfig, parseConfig, resolveConfigPath, shippedConfigNames } from './io/config';
export type { Config, ConfigInput } from './io/config-schema';
export { networkFromConfig } from './net/from-config';
export { train, evaluate, type TrainOptions } from './train/library';
export type { TrainEvents, EpochMetrics, BatchProgress, TrainOutcome, BestEpoch } from './train/trainer';
export { runPaths, type RunPaths } from './train/paths';
export { readWeights, type WeightsDocument } from './io/weights';
export { writeWeights, loadWeights, networkShape } from './net/weights-file';
export { predict, type Prediction } from './net/predict';
export { Evaluator, perClass, type Evaluation } from './train/evaluate';
export * from './core/tensor';
export { type SparseMatrix, type SparseLists, type IndexAllocator, isSparse, allocSparseMatrix, packEntry, toDense } from './core/sparse';
export { type InputBatch, type InputBuffer, type InputForm, type InputSource, inputSource, listsInput, asInput } from './core/input';
export { UserError, UsageError } from './errors';
export { Rng } from './core/rng';
export { type Kernels, type KernelStats, describeStats } from './core/kernels';
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

export { explain, topics as explainTopics, type ExplainTrace, type ExplainOptions, type TopicName } from './explain/topics';
export { explainShopping, type ShoppingTrace, type ShoppingOptions } from './explain/shopping';
export { explainAffine, type AffineTrace } from './explain/affine';
export { explainSoftmaxLoss, type SoftmaxLossTrace } from './explain/softmax-loss';
export { explainRelu, type ReluTrace } from './explain/relu';
export { explainSigmoid, type SigmoidTrace } from './explain/sigmoid';
export { traceScalarGraph, type ScalarGraphTrace, type ScalarNode } from './explain/scalar-graph';
export { renderText as renderExplainText } from './explain/render-text';
export { toGraph as explainGraph, type Graph } from './explain/graph';
export { renderDot } from './explain/dot';
export { traceNetwork, type NetworkTrace } from './explain/network-trace';
export { renderNetworkTrace } from './explain/render-network-trace';
export { plain as plainPaint, type Paint } from './explain/text-format';
export { type Dataset, type DataFileInfo, sliceDataset, gatherBatch, gatherInput, classCounts, PIXEL_SCALE } from './data/dataset';
export { readIdx, readIdxHeader, parseIdxHeader, encodeIdx, isGzip, type IdxFile, type IdxHeader } from './data/idx';
export {
  loadTrainSet,
  loadTestSet,
  splitValidation,
  describeSource,
  resolveDataFile,
  STANDARD_FILE_NAMES,
  type DataSourceSpec,
  type DataFileRole,
} from './data/source';
export { BatchStream, type BatchStreamOptions, type Batch } from './data/batches';
export { textArt } from './data/text-art';
export { Dropout } from './layers/dropout';
export { BatchNorm } from './layers/batchnorm';
export { Convolution, type ImageShape } from './layers/convolution';
export { Pooling, type PoolMode } from './layers/pooling';
export { type Window, outHeight, outWidth } from './core/im2col';
export { BufferedOptimizer, type Optimizer, type OptimizerState } from './optim/optimizer';
export { Sgd } from './optim/sgd';
export { Momentum } from './optim/momentum';
export { Nesterov } from './optim/nesterov';
export { AdaGrad } from './optim/adagrad';
export { RmsProp } from './optim/rmsprop';
export { Adam } from './optim/adam';
export { createOptimizer, defaultLearningRates, optimizerTypes, type OptimizerSpec } from './optim/create';
export { clipGradientNorm } from './optim/clip';
export { learningRateAt, scheduleTypes, type ScheduleSpec, type Warmup, type TrainingProgress } from './optim/schedule';
export { dependsOnRunLength } from './optim/schedule';
export { EarlyStopping, type EarlyStoppingState } from './train/early-stopping';
export { createKernels, defaultThreads, threadsForLoad, wasmSupport, type BackendName, type BackendOptions, type WasmVariant } from './core/backend';
export { compareRuns, sweepRuns, configLabel, type CompareRun, type CompareRow, type CompareOptions } from './train/compare';
export { checkLayers, checkProbe, layerFactories, type LayerFactory, type LayerProbe, type LayerCheckResult } from './net/layer-gradcheck';
export { checkLayer, type LayerReport, type Finding, type CheckLayerOptions } from './check-layer/check';
export { loadLayerModule, type LoadedModule, type LoadedLayer } from './check-layer/load';
export { explainLoss, type LossTrace, type LossOptions } from './explain/loss';
export { explainSigmoidGraph, type SigmoidGraphTrace } from './explain/sigmoid-graph';
export { explainTrainStep, type TrainStepTrace } from './explain/train-step';
export { toKorean as explainTextInKorean } from './explain/korean';
export { renderSvg } from './explain/svg';
export { encodeSafetensors, decodeSafetensors, readSafetensors, writeSafetensors, type NamedArray, type SafetensorsFile, type SafetensorsDtype } from './io/safetensors';
export { saveWeights, loadInto, weightsDocument } from './io/weights';
export { loadModel, documentFromArrays, layerNames, modelImageShape, type LoadedModel } from './export/model';
export { toOnnx, readOnnx, ONNX_OPSET, ONNX_INPUT, ONNX_LOGITS, ONNX_PROBABILITIES, type ExportDtype } from './export/onnx';
export { writeModelSafetensors, readModelSafetensors } from './export/safetensors';
export { writePytorchFolder } from './export/pytorch';
export { startServer, type ServeOptions, type RunningServer } from './serve/server';
export { newestWeights, latestRun, existingWeights, RUNS_DIR } from './io/runs';
export { decodeImage, readImage, encodePng, sniffFormat, headerSize, MAX_PIXELS, type RgbaImage, type ImageFormat } from './image/decode';
export {
  prepareDigit,
  prepareDigitDetailed,
  toGrey,
  medianFilter,
  backgroundLevel,
  toInk,
  boundingBox,
  digitBox,
  STRAY_INK,
  crop,
  fitSize,
  resizeArea,
  centreOfMass,
  centreInField,
  FIELD,
  BOX,
  type GreyImage,
  type Box,
  type PreparedDigit,
} from './image/prepare';
export { classProbabilities, topClasses } from './net/probabilities';
