// Random and mutated inputs to every loader: each loads, or throws a UserError whose message
// names the file — never another exception (a TypeError, a RangeError, a stack overflow).
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Rng } from '../src/core/rng';
import { tsKernels } from '../src/core/ts-kernels';
import { readIdx, readIdxHeader, encodeIdx } from '../src/data/idx';
import { UserError } from '../src/errors';
import { loadConfig, validateConfig } from '../src/io/config';
import { loadInto, readWeights, weightsDocument } from '../src/io/weights';
import { networkFromConfig } from '../src/net/from-config';
import { createOptimizer } from '../src/optim/create';
import { restore, stateOf, type Checkpoint } from '../src/train/checkpoint';

const dir = mkdtempSync(join(tmpdir(), 'nnt-fuzz-'));
const RUNS = { numRuns: 150, seed: 12 };
let n = 0;

/** Runs `load` on the file; passes when it returns or throws a UserError naming the file. */
function loadsOrNamesFile(file: string, load: () => unknown): void {
  try {
    load();
  } catch (error) {
    if (!(error instanceof UserError)) throw new Error(`${basename(file)}: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    expect(error.message).toContain(basename(file));
    expect(error.message).not.toContain('\n');
  }
}

const anyValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-5, 0, 1e12, 1e300, 2 ** 53, -1, 0.5, Number.NaN),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);

/** Every path to a value in a JSON document (depth-bounded). */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (prefix.length > 0) out.push(prefix);
  if (value !== null && typeof value === 'object' && prefix.length < 6) {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

/** A copy of `doc` with the value at one of its paths replaced (or deleted when `replacement` is undefined). */
function mutated(doc: unknown, pathIndex: number, replacement: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  const all = paths(copy);
  const path = all[pathIndex % all.length];
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  if (replacement === undefined) delete parent[path.at(-1)!];
  else parent[path.at(-1)!] = replacement;
  return copy;
}

const mutation = fc.tuple(fc.nat(), fc.option(anyValue, { nil: undefined }));
const baseConfig = {
  inputSize: 6,
  layers: [{ type: 'affine', units: 4 }, { type: 'relu' }, { type: 'dropout', ratio: 0.2 }, { type: 'affine', units: 3 }],
  data: { batchSize: 2 },
  training: { optimizer: 'adam', schedule: { type: 'cosine', warmupEpochs: 1 }, epochs: 2 },
};

describe('loaders under random and mutated input', () => {
  test('configs: mutated documents and random text, as JSON and YAML', () => {
    fc.assert(
      fc.property(mutation, fc.constantFrom('.json', '.yaml'), ([at, value], ext) => {
        const file = join(dir, `config-${n++}${ext}`);
        const doc = mutated(baseConfig, at, value);
        writeFileSync(file, ext === '.json' ? JSON.stringify(doc) : JSON.stringify(doc).replace(/"/g, "'"));
        loadsOrNamesFile(file, () => loadConfig(file));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom('.json', '.yaml', ''), (text, ext) => {
        const file = join(dir, `text-${n++}${ext}`);
        writeFileSync(file, text);
        loadsOrNamesFile(file, () => loadConfig(file));
      }),
      RUNS,
    );
  });

  test('IDX files: mutated headers and random bytes, plain and gzip', () => {
    const valid = encodeIdx([3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(15), fc.nat(255)), { maxLength: 4 }), fc.nat(20), fc.boolean(), (edits, cut, gz) => {
        const bytes = Uint8Array.from(valid);
        for (const [i, v] of edits) bytes[i] = v;
        const raw = cut > 16 ? bytes : bytes.subarray(0, bytes.length - cut);
        const file = join(dir, `idx-${n++}`);
        writeFileSync(file, gz ? gzipSync(raw) : raw);
        loadsOrNamesFile(file, () => readIdxHeader(file));
        loadsOrNamesFile(file, () => {
          const read = readIdx(file);
          // Never more memory than the file justifies: the values are the bytes it holds (or inflates to).
          expect(read.data.length).toBeLessThanOrEqual(raw.length);
        });
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, gz) => {
        const file = join(dir, `bytes-${n++}`);
        writeFileSync(file, gz ? gzipSync(bytes) : bytes);
        loadsOrNamesFile(file, () => readIdx(file));
      }),
      RUNS,
    );
  });

  test('weights and checkpoint documents: every field mutated', () => {
    const config = validateConfig(baseConfig, 'base');
    const net = networkFromConfig(config, 6, 3, tsKernels, 'base');
    const optimizer = createOptimizer(config.training.optimizer, tsKernels);
    const modelRng = Rng.stream(1, 'init');
    const doc = weightsDocument(net, config, 6, 3, null);
    doc.checkpoint = {
      epoch: 1, batch: 1, step: 4, dataRngAtEpochStart: Rng.stream(1, 'data').getState(), lossSum: 2.2, correct: 1, seen: 2, seconds: 0.5,
      history: [{ epoch: 1, epochs: 2, step: 3, learningRate: 0.001, trainLoss: 1.1, trainAccuracy: 0.5, evalSet: 'test', evalLoss: 1, evalAccuracy: 0.5, seconds: 1 }],
      ...stateOf(modelRng, optimizer, undefined, tsKernels),
    } satisfies Checkpoint;
    fc.assert(
      fc.property(mutation, ([at, value]) => {
        const file = join(dir, `weights-${n++}.json`);
        writeFileSync(file, JSON.stringify(mutated(doc, at, value)));
        loadsOrNamesFile(file, () => {
          const read = readWeights(file);
          const target = networkFromConfig(read.config, read.inputSize, read.classes, tsKernels, basename(file));
          loadInto(target, read, file);
          if (read.checkpoint) {
            const into = { net: target, modelRng: Rng.stream(1, 'init'), optimizer: createOptimizer(read.config.training.optimizer, tsKernels), stopper: undefined, batches: 3, epochs: 2 };
            const progress = restore(read.checkpoint as Checkpoint, basename(file), into);
            Rng.stream(1, 'data').setState(progress.dataRngAtEpochStart); // what the trainer does with it next
          }
        });
      }),
      { ...RUNS, numRuns: 300 },
    );
  });
});
