import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsKernels } from '../src/core/ts-kernels';
import { UserError } from '../src/errors';
import { parseConfig, validateConfig } from '../src/io/config';
import type { Config } from '../src/io/config-schema';
import { readWeights, type WeightsDocument } from '../src/io/weights';
import { dependsOnRunLength } from '../src/optim/schedule';
import type { Checkpoint } from '../src/train/checkpoint';
import { train, type TrainOutcome } from '../src/train/trainer';

// `nnt train --resume FILE --epochs N`: a resumed run given another length.
const dir = mkdtempSync(join(tmpdir(), 'nnt-resume-length-'));

/** 600 samples in batches of 50: 12 batches per epoch. */
function config(name: string, epochs: number, training: object): Config {
  return parseConfig(
    JSON.stringify({
      layers: [{ type: 'affine', units: 30 }, { type: 'relu' }, { type: 'affine', units: 10 }],
      data: { batchSize: 50, trainLimit: 600, testLimit: 200 },
      training: { epochs, seed: 3, ...training },
      output: { weights: join(dir, name, 'weights.json') },
    }),
    `${name}.json`,
  );
}

/** What `nnt train --resume FILE --epochs N` trains: the checkpoint's own config with another length. */
function resumedAs(doc: WeightsDocument, epochs: number): Config {
  const raw = structuredClone(doc.config);
  raw.training = { ...raw.training, epochs, iterations: undefined };
  return validateConfig(JSON.parse(JSON.stringify(raw)), 'checkpoint');
}

const paramBytes = (file: string) => [...readWeights(file).params, ...readWeights(file).state].map((p) => `${p.name}:${p.sha256}`);
const withoutTime = (outcome: TrainOutcome) => outcome.history.map(({ seconds, ...m }) => m);

type Stop = 'after-epoch-1' | 'in-epoch-2' | 'after-the-run';
/** Whole epochs a checkpoint taken at `stop` has trained. */
const epochsDone: Record<Stop, number> = { 'after-epoch-1': 1, 'in-epoch-2': 1, 'after-the-run': 2 };

/**
 * A 2-epoch run that leaves a checkpoint: interrupted at the end of its first epoch, or in
 * the middle of its second; or not interrupted (the checkpoint after its last epoch).
 */
async function shortRun(name: string, training: object, stop: Stop): Promise<WeightsDocument> {
  // The trainer asks after every batch (12 an epoch), then once more at the end of the epoch.
  let asked = 0;
  const stopAt = { 'after-epoch-1': 13, 'in-epoch-2': 17, 'after-the-run': -1 }[stop];
  const outcome = await train({ config: config(name, 2, training), where: name, kernels: tsKernels, shouldStop: () => ++asked === stopAt });
  expect(outcome.status).toBe(stop === 'after-the-run' ? 'completed' : 'interrupted');
  return readWeights(join(dir, name, 'weights.checkpoint.json'));
}

test('only the cosine schedule depends on the run length', () => {
  expect(dependsOnRunLength({ type: 'cosine' })).toBe(true);
  expect(dependsOnRunLength({ type: 'cosine', minLr: 0.01, warmupEpochs: 1 })).toBe(true);
  expect(dependsOnRunLength({ type: 'constant', warmupSteps: 5 })).toBe(false);
  expect(dependsOnRunLength({ type: 'step', every: 1, gamma: 0.5 })).toBe(false);
  expect(dependsOnRunLength({ type: 'exponential', gamma: 0.9 })).toBe(false);
});

describe('a schedule that does not depend on the length: resuming with more epochs equals the longer run, bit for bit', () => {
  // The rate halves every epoch and the warm-up (15 steps) ends after the first epoch (12 steps),
  // so both change across the resume point; momentum's velocity carries over it.
  const training = { optimizer: { type: 'momentum', momentum: 0.8 }, learningRate: 0.05, schedule: { type: 'step', every: 1, gamma: 0.5, warmupSteps: 15 } };
  let whole: TrainOutcome;
  beforeAll(async () => {
    whole = await train({ config: config('whole', 4, training), where: 'whole', kernels: tsKernels });
    expect(whole.status).toBe('completed');
  });

  test.each(['after-epoch-1', 'in-epoch-2', 'after-the-run'] as const)('checkpoint %s of a 2-epoch run, resumed with --epochs 4', async (stop) => {
    const name = `short-${stop}`;
    const checkpoint = await shortRun(name, training, stop);
    const done = epochsDone[stop];
    expect((checkpoint.checkpoint as Checkpoint).epoch).toBe(stop === 'in-epoch-2' ? 1 : done);
    let epochsTrained = 0;
    const resumed = await train({
      config: resumedAs(checkpoint, 4), where: name, kernels: tsKernels, resume: checkpoint, events: { epoch: () => epochsTrained++ },
    });
    expect(resumed.status).toBe('completed');
    expect(epochsTrained).toBe(4 - done);

    expect(paramBytes(join(dir, name, 'weights.json'))).toEqual(paramBytes(join(dir, 'whole', 'weights.json')));
    // The checkpoint's epochs were logged as part of a 2-epoch run; otherwise the logs are the same.
    expect(resumed.history.slice(0, done).map((m) => m.epochs)).toEqual(Array(done).fill(2));
    expect(withoutTime(resumed).map(({ epochs, ...m }) => m)).toEqual(withoutTime(whole).map(({ epochs, ...m }) => m));
    expect(withoutTime(resumed).slice(done)).toEqual(withoutTime(whole).slice(done));
    expect(resumed.history.map((m) => m.learningRate)).toEqual([0.05 * (12 / 15), 0.025, 0.0125, 0.00625]);
  });
});

describe('a schedule that depends on the length (cosine)', () => {
  const training = { optimizer: 'adam', schedule: { type: 'cosine', warmupSteps: 5 } };

  test('a resumed run cannot be given another length: one-line UserError naming the schedule and both lengths', async () => {
    const checkpoint = await shortRun('cosine', training, 'in-epoch-2');
    for (const epochs of [4, 3]) {
      const attempt = train({ config: resumedAs(checkpoint, epochs), where: 'cosine.checkpoint.json', kernels: tsKernels, resume: checkpoint });
      await expect(attempt).rejects.toThrow(UserError);
      await expect(attempt).rejects.toThrow(
        new RegExp(`^cosine\\.checkpoint\\.json: the cosine schedule spans the checkpoint's run of 2 epochs, so it cannot be resumed as a ${epochs}-epoch run \\(the learning rate would jump at epoch 2\\); resume without --epochs to finish the 2 epochs, or train ${epochs} epochs from the start$`),
      );
    }
    expect(existsSync(join(dir, 'cosine', 'weights.json'))).toBe(false);

    // Its own length (--epochs 2, or no --epochs) is fine, and finishes the run the cosine was planned for.
    const finished = await train({ config: resumedAs(checkpoint, 2), where: 'cosine', kernels: tsKernels, resume: checkpoint });
    expect(finished.status).toBe('completed');
    expect(finished.history.map((m) => m.learningRate)).toEqual([0.001, 0.001 * 0.5 * (1 + Math.cos(Math.PI / 2))]);
  });
});

test('a length that leaves nothing to train is refused, whatever the schedule', async () => {
  const checkpoint = await shortRun('nothing-left', {}, 'after-epoch-1');
  await expect(train({ config: resumedAs(checkpoint, 1), where: 'c.json', kernels: tsKernels, resume: checkpoint })).rejects.toThrow(
    /^c\.json: the checkpoint has finished epoch 1, so a 1-epoch run has nothing left to train; give --epochs 2 or more$/,
  );
});

test('the command line prints the refusal as one line and exits 1', () => {
  const bin = join(__dirname, '../bin/nnt');
  const nnt = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  writeFileSync(join(dir, 'cli.json'), JSON.stringify({ layers: [{ type: 'affine', units: 10 }], training: { epochs: 2, schedule: { type: 'cosine' } } }));
  const first = nnt('train', '--config', 'cli.json', '--limit', '200', '--out', 'cli/w.json', '--quiet');
  expect(first.status).toBe(0);
  const r = nnt('train', '--resume', 'cli/w.checkpoint.json', '--epochs', '5');
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(
    "nnt: cli/w.checkpoint.json: the cosine schedule spans the checkpoint's run of 2 epochs, which is finished, so it cannot be resumed as a 5-epoch run (the learning rate would jump at epoch 3); train 5 epochs from the start\n",
  );
});
