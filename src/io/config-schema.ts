import { z } from 'zod';
import { defaultLearningRates, optimizerTypes, type OptimizerSpec } from '../optim/create';
import { scheduleTypes } from '../optim/schedule';

/**
 * The one definition of a training config. Validation, the TypeScript types and the JSON
 * Schema shipped for editors (configs/config.schema.json) all come from it.
 * Every object is strict: an unknown key (a typo) is an error, never silently ignored.
 */

const positiveInt = z
  .number({ error: 'must be a positive integer' })
  .int({ error: 'must be a positive integer' })
  .positive({ error: 'must be a positive integer' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'must be a positive integer' });
const nonNegativeInt = z
  .number({ error: 'must be a non-negative integer' })
  .int({ error: 'must be a non-negative integer' })
  .nonnegative({ error: 'must be a non-negative integer' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'must be a non-negative integer' });
const positiveNumber = z
  .number({ error: 'must be a positive number' })
  .positive({ error: 'must be a positive number' })
  .max(Number.MAX_VALUE, { error: 'must be a positive number' });
const nonNegativeNumber = z
  .number({ error: 'must be a non-negative number' })
  .nonnegative({ error: 'must be a non-negative number' })
  .max(Number.MAX_VALUE, { error: 'must be a non-negative number' });
const fraction = z
  .number({ error: 'must be a number in [0, 1)' })
  .min(0, { error: 'must be a number in [0, 1)' })
  .lt(1, { error: 'must be a number in [0, 1)' });
const path = z.string({ error: 'must be a file path (a string)' }).min(1, { error: 'must be a non-empty path' });

const windowSize = z.union([positiveInt, z.tuple([positiveInt, positiveInt])], { error: 'must be a positive integer or a pair [height, width]' });

export const initSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('std'), std: positiveNumber.describe('standard deviation of the Gaussian') }),
    z.strictObject({ type: z.literal('xavier') }),
    z.strictObject({ type: z.literal('he') }),
  ],
  { error: 'must be an object such as {"type": "he"} or {"type": "std", "std": 0.01}' },
);

export const layerSchemas = {
  affine: z.strictObject({ type: z.literal('affine'), units: positiveInt.describe('number of outputs'), init: initSchema.optional() }),
  relu: z.strictObject({ type: z.literal('relu') }),
  sigmoid: z.strictObject({ type: z.literal('sigmoid') }),
  dropout: z.strictObject({ type: z.literal('dropout'), ratio: fraction.default(0.5).describe('share of units zeroed in training (inverted dropout)') }),
  batchnorm: z.strictObject({ type: z.literal('batchnorm') }),
  conv: z.strictObject({
    type: z.literal('conv'),
    filters: positiveInt.describe('number of filters (output channels)'),
    size: windowSize.describe('filter height and width: n for n×n, or [h, w]'),
    stride: positiveInt.default(1),
    pad: nonNegativeInt.default(0).describe('zeros added on every side of the input'),
    init: initSchema.optional(),
  }),
  pool: z.strictObject({
    type: z.literal('pool'),
    size: windowSize.describe('window height and width: n for n×n, or [h, w]'),
    stride: positiveInt.optional().describe('default: the window height'),
    pad: nonNegativeInt.default(0),
    mode: z.enum(['max', 'avg'], { error: 'must be "max" or "avg"' }).default('max'),
  }),
};

type LayerSchemas = typeof layerSchemas;
export const layerSchema = z.discriminatedUnion('type', Object.values(layerSchemas) as unknown as [LayerSchemas[keyof LayerSchemas], ...LayerSchemas[keyof LayerSchemas][]]);

export const dataSchema = z.strictObject({
  dir: path.optional().describe('folder with the four IDX files (plain or .gz); default: the embedded MNIST'),
  trainImages: path.optional(),
  trainLabels: path.optional(),
  testImages: path.optional(),
  testLabels: path.optional(),
  batchSize: positiveInt.default(100),
  shuffle: z.boolean({ error: 'must be true or false' }).default(true),
  sampling: z.enum(['epoch', 'random'], { error: 'must be "epoch" or "random"' }).default('epoch')
    .describe('epoch: every sample once per epoch; random: each batch drawn with replacement, as in the book'),
  dropLast: z.boolean({ error: 'must be true or false' }).default(false),
  validation: nonNegativeInt.default(0).describe('hold out the last N training samples for validation'),
  trainLimit: positiveInt.optional().describe('train on the first N training samples only'),
  testLimit: positiveInt.optional().describe('evaluate on the first N test samples only'),
});

const optimizerNames = `${optimizerTypes.slice(0, -1).join(', ')} or ${optimizerTypes.at(-1)}`;
const optimizerObjects = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sgd') }),
  z.strictObject({ type: z.literal('momentum'), momentum: fraction.optional().describe('μ, default 0.9') }),
  z.strictObject({ type: z.literal('nesterov'), momentum: fraction.optional().describe('μ, default 0.9') }),
  z.strictObject({ type: z.literal('adagrad'), eps: positiveNumber.optional().describe('default 1e-7') }),
  z.strictObject({ type: z.literal('rmsprop'), decay: fraction.optional().describe('ρ, default 0.99'), eps: positiveNumber.optional().describe('default 1e-7') }),
  z.strictObject({
    type: z.literal('adam'),
    beta1: fraction.optional().describe('default 0.9'),
    beta2: fraction.optional().describe('default 0.999'),
    eps: positiveNumber.optional().describe('default 1e-8'),
  }),
]);
/** A name (`adam`) or an object with hyper-parameters (`{type: adam, beta1: 0.9}`); always an object once parsed. */
export const optimizerSchema = z.union(
  [z.enum(optimizerTypes).transform((type): OptimizerSpec => ({ type })), optimizerObjects],
  { error: `must be one of ${optimizerNames} (or an object such as {"type": "adam", "beta1": 0.9})` },
);

const warmup = {
  warmupSteps: nonNegativeInt.optional().describe('linear warm-up over the first N batches'),
  warmupEpochs: nonNegativeInt.optional().describe('linear warm-up over the first N epochs'),
};
export const scheduleSchema = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('constant'), ...warmup }),
      z.strictObject({ type: z.literal('step'), every: positiveInt.describe('epochs between decays'), gamma: positiveNumber.describe('factor per decay'), ...warmup }),
      z.strictObject({ type: z.literal('exponential'), gamma: positiveNumber.describe('factor per epoch'), ...warmup }),
      z.strictObject({ type: z.literal('cosine'), minLr: nonNegativeNumber.optional().describe('the rate it decays towards, default 0'), ...warmup }),
    ],
    { error: `must be an object such as {"type": "cosine", "warmupEpochs": 1} (types: ${scheduleTypes.join(', ')})` },
  )
  .superRefine((s, ctx) => {
    if (s.warmupSteps !== undefined && s.warmupEpochs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['warmupEpochs'], message: 'cannot be given together with warmupSteps' });
    }
  });

export const earlyStoppingSchema = z.strictObject(
  {
    patience: positiveInt.describe('stop after this many epochs without improvement'),
    metric: z.enum(['accuracy', 'loss'], { error: 'must be "accuracy" or "loss"' }).default('accuracy').describe('of the validation set (the test set without one)'),
  },
  { error: 'must be an object such as {"patience": 3, "metric": "accuracy"}' },
);

export const trainingSchema = z.strictObject({
  epochs: positiveInt.optional().describe('default 17, unless iterations is given'),
  iterations: positiveInt.optional().describe('total number of batches, instead of epochs'),
  learningRate: positiveNumber.optional().describe("default: the optimizer's book default (0.01; adam 0.001)"),
  optimizer: optimizerSchema.default({ type: 'sgd' }),
  schedule: scheduleSchema.default({ type: 'constant' }).describe('learning-rate schedule'),
  weightDecay: nonNegativeNumber.default(0).describe('λ of L2 weight decay on the weights (not biases), part of the loss'),
  clipNorm: positiveNumber.optional().describe('scale the gradients down when their global norm exceeds this'),
  earlyStopping: earlyStoppingSchema.optional(),
  seed: nonNegativeInt.max(0xffffffff, { error: 'must be an integer from 0 to 4294967295' }).default(1),
  backend: z.enum(['auto', 'wasm', 'native', 'ts'], { error: 'must be "auto", "wasm", "native" or "ts"' }).default('auto'),
  threads: positiveInt.optional().describe('worker threads for the wasm backend; default: the number of cores (native: also its CBLAS threads, default 1)'),
}).transform((t) => ({ ...t, learningRate: t.learningRate ?? defaultLearningRates[t.optimizer.type] }));

/** More layers than any network trained here: a bound, so a runaway config fails with a message. */
export const MAX_LAYERS = 1000;

export const outputSchema = z.strictObject({
  weights: path.default('runs/weights.json').describe('where the final weights go; metrics and checkpoint are written beside it'),
  checkpointEvery: nonNegativeInt.default(1).describe('save a checkpoint every N epochs (0: never)'),
  evaluateEvery: nonNegativeInt.default(1).describe('evaluate on the test/validation set every N epochs (0: only at the end)'),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().optional().describe('a name for the run, shown in the output'),
    inputSize: positiveInt.optional().describe('inputs per sample; default: taken from the data'),
    inputShape: z.array(positiveInt).min(2).max(3).optional()
      .describe('shape of a sample for conv and pool layers, [C, H, W] or [H, W]; default: from the data header (MNIST: 1×28×28)'),
    layers: z
      .array(layerSchema, { error: 'must be a list of layers' })
      .min(1, { error: 'must list at least one layer' })
      .max(MAX_LAYERS, { error: `may list at most ${MAX_LAYERS} layers` }),
    loss: z.literal('softmax-cross-entropy', { error: 'must be "softmax-cross-entropy"' }).default('softmax-cross-entropy'),
    init: initSchema.optional().describe('weight initialisation of affine and conv layers that do not set their own'),
    data: dataSchema.prefault({}),
    training: trainingSchema.prefault({}),
    output: outputSchema.prefault({}),
  }, { error: 'must be an object of settings (a JSON object or a YAML mapping)' })
  .superRefine((config, ctx) => {
    if (config.training.epochs !== undefined && config.training.iterations !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['training', 'iterations'], message: 'cannot be given together with training.epochs' });
    }
    const last = config.layers[config.layers.length - 1];
    if (last && last.type !== 'affine') {
      ctx.addIssue({ code: 'custom', path: ['layers', config.layers.length - 1], message: 'must be an affine layer: the last layer gives the class scores' });
    }
    if (config.training.earlyStopping && config.output.evaluateEvery !== 1) {
      ctx.addIssue({ code: 'custom', path: ['training', 'earlyStopping'], message: 'needs an evaluation after every epoch (output.evaluateEvery: 1)' });
    }
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export const layerTypeNames = Object.keys(layerSchemas);

/** The JSON Schema for editors, generated from the same definition. */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
