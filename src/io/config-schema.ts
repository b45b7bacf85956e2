import { z } from 'zod';

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
const path = z.string({ error: 'must be a file path (a string)' }).min(1, { error: 'must be a non-empty path' });

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
};

export const layerSchema = z.discriminatedUnion('type', Object.values(layerSchemas) as unknown as [typeof layerSchemas.affine, typeof layerSchemas.relu, typeof layerSchemas.sigmoid]);

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

export const trainingSchema = z.strictObject({
  epochs: positiveInt.optional().describe('default 17, unless iterations is given'),
  iterations: positiveInt.optional().describe('total number of batches, instead of epochs'),
  learningRate: positiveNumber.default(0.1),
  optimizer: z.enum(['sgd'], { error: 'must be "sgd"' }).default('sgd'),
  seed: nonNegativeInt.max(0xffffffff, { error: 'must be an integer from 0 to 4294967295' }).default(1),
  backend: z.enum(['auto', 'wasm', 'ts'], { error: 'must be "auto", "wasm" or "ts"' }).default('auto'),
  threads: positiveInt.optional().describe('worker threads for the wasm backend; default: the number of cores'),
});

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
    layers: z.array(layerSchema, { error: 'must be a list of layers' }).min(1, { error: 'must list at least one layer' }),
    loss: z.literal('softmax-cross-entropy', { error: 'must be "softmax-cross-entropy"' }).default('softmax-cross-entropy'),
    init: initSchema.optional().describe('weight initialisation of affine layers that do not set their own'),
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
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export const layerTypeNames = Object.keys(layerSchemas);

/** The JSON Schema for editors, generated from the same definition. */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
