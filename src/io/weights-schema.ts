import { z } from 'zod';

/**
 * The weights file and checkpoint as a schema, so that every field of a document read back is
 * checked — not only the arrays, which carry checksums — with the field's path in the message
 * (`checkpoint.epoch must be a non-negative integer, got -5`). Unknown keys are allowed: a
 * newer nnt may add some.
 */

const int = (message: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
const count = int('must be a non-negative integer', 0);
const uint32 = int('must be an integer from 0 to 4294967295', 0, 0xffffffff);
const finite = z.number({ error: 'must be a finite number' });
const nonNegative = finite.nonnegative({ error: 'must be a non-negative number' });
const fraction = finite.min(0, { error: 'must be a number in [0, 1]' }).max(1, { error: 'must be a number in [0, 1]' });

/** Inputs per sample and classes are bounded so that a document cannot ask for absurd memory before its arrays are checked. */
export const MAX_INPUT_SIZE = 1 << 24;

/** A generator's state (xoshiro128**): four 32-bit words, not all zero. */
const rngState = z
  .array(uint32, { error: 'must be a list of 4 integers' })
  .length(4, { error: 'must be a list of 4 integers' })
  .refine((s) => s.some((w) => w !== 0), { error: 'must not be all zeros' });

export const encodedArraySchema = z.object(
  {
    name: z.string({ error: 'must be a string' }),
    shape: z.array(count, { error: 'must be a list of sizes' }).max(8, { error: 'has too many dimensions' }),
    float64le: z.string({ error: 'must be base64 text' }),
    sha256: z.string({ error: 'must be a hex SHA-256' }).regex(/^[0-9a-f]{64}$/, { error: 'must be a hex SHA-256' }),
  },
  { error: 'must be an encoded array {name, shape, float64le, sha256}' },
);

export const epochMetricsSchema = z.object(
  {
    epoch: int('must be a positive integer', 1),
    epochs: int('must be a positive integer', 1),
    step: count,
    learningRate: finite,
    trainLoss: finite,
    trainAccuracy: fraction,
    evalSet: z.enum(['test', 'validation'], { error: 'must be "test", "validation" or null' }).nullable(),
    evalLoss: finite.nullable(),
    evalAccuracy: fraction.nullable(),
    seconds: nonNegative,
    backend: z.string({ error: 'must be a string' }).optional(),
    threads: int('must be a positive integer', 1).optional(),
  },
  { error: 'must be an object of epoch metrics' },
);

export const checkpointSchema = z
  .object(
    {
      epoch: count,
      batch: count,
      step: count,
      dataRngAtEpochStart: rngState,
      lossSum: nonNegative,
      correct: count,
      seen: count,
      seconds: nonNegative,
      history: z.array(epochMetricsSchema, { error: 'must be a list of epoch metrics' }),
      modelRng: rngState,
      optimizer: z.object(
        { type: z.string({ error: 'must be a string' }), step: count, buffers: z.array(encodedArraySchema, { error: 'must be a list of arrays' }) },
        { error: 'must be an object {type, step, buffers}' },
      ),
      earlyStopping: z
        .object({ best: finite.nullable(), bestEpoch: count, epochsWithoutImprovement: count }, { error: 'must be an object or null' })
        .nullable(),
      // The backend and thread count that trained it (absent before nnt recorded them): a resume reuses the count.
      backend: z.string({ error: 'must be a string' }).optional(),
      threads: int('must be a positive integer', 1).optional(),
    },
    { error: 'must be an object (the state of an interrupted run)' },
  )
  .superRefine((c, ctx) => {
    if (c.history.length !== c.epoch) ctx.addIssue({ code: 'custom', path: ['epoch'], message: `is ${c.epoch}, but history lists ${c.history.length} epochs` });
    if (c.correct > c.seen) ctx.addIssue({ code: 'custom', path: ['correct'], message: `is ${c.correct}, more than the ${c.seen} samples seen` });
  });

export const weightsDocumentSchema = z.object(
  {
    createdBy: z.string({ error: 'must be a string' }).optional(),
    config: z.unknown(),
    inputSize: int(`must be an integer from 1 to ${MAX_INPUT_SIZE}`, 1, MAX_INPUT_SIZE),
    inputShape: z
      .array(int(`must be a list of 2 or 3 sizes from 1 to ${MAX_INPUT_SIZE}`, 1, MAX_INPUT_SIZE), { error: 'must be a list of 2 or 3 sizes' })
      .min(2, { error: 'must be a list of 2 or 3 sizes' })
      .max(3, { error: 'must be a list of 2 or 3 sizes' })
      .optional(),
    classes: int('must be an integer from 1 to 256', 1, 256),
    params: z.array(encodedArraySchema, { error: 'must be a list of arrays' }),
    state: z.array(encodedArraySchema, { error: 'must be a list of arrays' }).default([]),
    metrics: z.unknown(),
    checkpoint: checkpointSchema.optional(),
  },
  { error: 'must be a JSON object' },
);
