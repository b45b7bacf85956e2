import type { Kernels } from '../core/kernels';
import type { InputBuffer } from '../core/input';
import { tsKernels } from '../core/ts-kernels';

/**
 * A labelled image set kept as the bytes it was stored as: 60,000 MNIST digits are 47 MB as
 * Uint8Array but would be 376 MB as float64. Only the current minibatch is ever converted
 * (gatherBatch), into a buffer the caller owns and reuses.
 */
export interface Dataset {
  readonly name: string; // for messages, e.g. 'train' / 'test' / 'validation'
  readonly images: Uint8Array; // count × sampleSize bytes, row-major
  readonly labels: Uint8Array; // count
  readonly count: number;
  readonly imageShape: number[]; // e.g. [28, 28] (from the header)
  readonly sampleSize: number; // product of imageShape
  readonly classes: number;
  /** The files the samples were read from, when they came from files (for messages and `nnt data`). */
  readonly files?: { readonly images: DataFileInfo; readonly labels: DataFileInfo };
}

export interface DataFileInfo {
  readonly path: string;
  readonly dims: readonly number[];
  readonly compressed: boolean;
}

/** Samples [start, end) as a dataset of their own: views of the same bytes, nothing copied. */
export function sliceDataset(ds: Dataset, start: number, end: number, name: string): Dataset {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= ds.count)) {
    throw new RangeError(`sliceDataset: [${start}, ${end}) is not a range of the ${ds.count} samples of '${ds.name}'`);
  }
  return {
    name,
    images: ds.images.subarray(start * ds.sampleSize, end * ds.sampleSize),
    labels: ds.labels.subarray(start, end),
    count: end - start,
    imageShape: [...ds.imageShape],
    sampleSize: ds.sampleSize,
    classes: ds.classes,
    files: ds.files,
  };
}

/** k/255 for every byte k: a table lookup gives exactly the division, without dividing per pixel. */
export const PIXEL_SCALE = Float64Array.from({ length: 256 }, (_, k) => k / 255);

/**
 * Fills x (a dense row-major array) with rows indices[start..end) as pixel/255 (float64), and
 * labels likewise; x and labels are caller-owned buffers, and `kernels` (the backend x was
 * allocated by) does the conversion. For batches a network trains on, see gatherInput.
 */
export function gatherBatch(
  ds: Dataset,
  indices: ArrayLike<number>,
  start: number,
  end: number,
  x: Float64Array,
  labels: Uint8Array,
  kernels: Kernels = tsKernels,
): void {
  const n = end - start, d = ds.sampleSize;
  gatherLabels(ds, indices, start, end, Math.floor(x.length / d), labels);
  // x[r][j] = PIXEL_SCALE[images[indices[start + r]][j]] (tsKernels.gatherRows).
  kernels.gatherRows(ds.images, indices, start, n, d, PIXEL_SCALE, x);
}

/**
 * gatherBatch into an input buffer (dense, or lists of the nonzero pixels: see
 * src/core/input.ts), which does the conversion on the backend that made it. With `later`,
 * the pixels may be gathered in the background: leave x alone until x.ready(). The labels
 * are filled at once.
 */
export function gatherInput(
  ds: Dataset, indices: ArrayLike<number>, start: number, end: number, x: InputBuffer, labels: Uint8Array, later = false,
): void {
  gatherLabels(ds, indices, start, end, x.capacity, labels);
  if (later) x.gatherLater(ds.images, indices, start, end - start, PIXEL_SCALE);
  else x.gather(ds.images, indices, start, end - start, PIXEL_SCALE);
}

/** labels[r] = the label of sample indices[start + r], once each sample is checked, and the rows are known to fit. */
function gatherLabels(ds: Dataset, indices: ArrayLike<number>, start: number, end: number, rows: number, labels: Uint8Array): void {
  const n = end - start;
  if (rows < n || labels.length < n) {
    throw new RangeError(`gatherBatch: buffers hold ${rows} rows and ${labels.length} labels, need ${n}`);
  }
  for (let r = 0; r < n; r++) {
    const sample = indices[start + r];
    if (!(sample >= 0 && sample < ds.count)) throw new RangeError(`gatherBatch: sample ${sample} is not in '${ds.name}' (${ds.count} samples)`);
    labels[r] = ds.labels[sample];
  }
}

/** How many samples of each class: counts[k] = number of labels equal to k. */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classes).fill(0);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  return counts;
}

