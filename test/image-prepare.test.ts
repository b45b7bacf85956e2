import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/core/rng';
import { loadTestSet } from '../src/data/source';
import { decodeImage, type RgbaImage } from '../src/image/decode';
import {
  boundingBox,
  centreInField,
  centreOfMass,
  digitBox,
  fitSize,
  prepareDigit,
  prepareDigitDetailed,
  resizeArea,
  toGrey,
  toInk,
  type GreyImage,
} from '../src/image/prepare';

const digits = join(__dirname, '../data/digits');
const shipped = (file: string) => decodeImage(readFileSync(join(digits, file)), file);

/** An RGBA picture painted by `ink(x, y)` in 0..1 over `paper`, with pen colour `pen`. */
function picture(width: number, height: number, ink: (x: number, y: number) => number, paper = 255, pen = 0, alpha = 255): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x), v = Math.round(paper + ink(x, y) * (pen - paper));
      data[i] = data[i + 1] = data[i + 2] = v;
      data[i + 3] = alpha;
    }
  }
  return { width, height, data };
}

/** Test sample `index` (0..1 ink) drawn scaled up `scale`× (nearest) at (left, top) in a width×height picture. */
let testSet: ReturnType<typeof loadTestSet> | undefined;
function sampleAt(index: number, scale: number, width: number, height: number, left: number, top: number) {
  const test = (testSet ??= loadTestSet());
  return (x: number, y: number) => {
    const u = Math.floor((x - left) / scale), v = Math.floor((y - top) / scale);
    return u >= 0 && u < 28 && v >= 0 && v < 28 ? test.images[index * 784 + v * 28 + u] / 255 : 0;
  };
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

describe('the preparation steps, on hand-made pictures', () => {
  const bar = (x: number, y: number) => (x >= 30 && x < 40 && y >= 10 && y < 70 ? 1 : 0); // a 10×60 stroke

  test('grey: luma of RGB, transparent pixels over white', () => {
    const img: RgbaImage = { width: 3, height: 1, data: Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 0]) };
    const g = toGrey(img).data;
    expect(g[0]).toBeCloseTo(0.299, 12);
    expect(g[1]).toBeCloseTo(0.114, 12);
    expect(g[2]).toBe(1); // fully transparent black is paper
  });

  test('a light background is inverted, a dark one is not, and both give the same ink', () => {
    const light = toInk(toGrey(picture(80, 80, bar, 230, 20)))!;
    const dark = toInk(toGrey(picture(80, 80, bar, 20, 230)))!;
    expect(light.inverted).toBe(true);
    expect(dark.inverted).toBe(false);
    expect(Array.from(light.ink.data)).toEqual(Array.from(dark.ink.data));
    expect(light.ink.data[20 * 80 + 35]).toBe(1); // ink stretched to 1
    expect(light.ink.data[5 * 80 + 5]).toBe(0); // background to 0
  });

  test('bounding box of the ink; the digit box leaves out a stray speck', () => {
    const ink = toInk(toGrey(picture(80, 80, bar)))!.ink;
    expect(boundingBox(ink)).toEqual({ left: 30, top: 10, width: 10, height: 60 });
    expect(digitBox(ink)).toEqual({ left: 30, top: 10, width: 10, height: 60 });
    expect(boundingBox({ width: 2, height: 2, data: new Float64Array(4) })).toBeNull();
    ink.data[75 * 80 + 2] = 1; // one speck, 1/601 of the mass
    expect(boundingBox(ink)).toEqual({ left: 2, top: 10, width: 38, height: 66 });
    expect(digitBox(ink)).toEqual({ left: 30, top: 10, width: 10, height: 60 });
    expect(digitBox(ink, 0)).toEqual(boundingBox(ink));
  });

  test('centre of mass, by hand: mass 1 at pixel (0, 0) and mass 3 at pixel (2, 1)', () => {
    const img: GreyImage = { width: 3, height: 2, data: Float64Array.from([1, 0, 0, 0, 0, 3]) };
    // x = (1·0.5 + 3·2.5) / 4 = 2, y = (1·0.5 + 3·1.5) / 4 = 1.25
    expect(centreOfMass(img)).toEqual({ x: 2, y: 1.25 });
  });

  test('area averaging keeps the mean brightness and does not lose a 1-pixel line scaled down 10×', () => {
    const line: GreyImage = { width: 100, height: 100, data: new Float64Array(10000).map((_, i) => (i % 100 === 37 ? 1 : 0)) };
    const small = resizeArea(line, 10, 10);
    expect(small.data[3]).toBeCloseTo(0.1, 12); // the column holding x = 37
    expect(small.data[4]).toBe(0);
    const mean = (g: GreyImage) => g.data.reduce((s, v) => s + v, 0) / g.data.length;
    const odd = resizeArea({ width: 7, height: 5, data: Float64Array.from({ length: 35 }, (_, i) => (i * 7) % 11) }, 3, 4);
    expect(mean(odd)).toBeCloseTo((Array.from({ length: 35 }, (_, i) => (i * 7) % 11).reduce((a, b) => a + b) / 35), 10);
  });

  test('fit: the longer side becomes 20, the aspect ratio is kept', () => {
    expect(fitSize(10, 60)).toEqual({ width: 3, height: 20 });
    expect(fitSize(205, 168)).toEqual({ width: 20, height: 16 });
  });

  test('the digit lands with its centre of mass in the middle of pixel 14, as MNIST\'s do', () => {
    const { pixels } = centreInField({ width: 5, height: 20, data: new Float64Array(100).fill(1) });
    const c = centreOfMass({ width: 28, height: 28, data: pixels });
    expect(c.x).toBe(14.5); // the column's centre 2.5 + offset 12
    expect(Math.abs(c.y - 14.5)).toBeLessThanOrEqual(0.5); // 10 + 4.5 cannot land on 14.5 by whole pixels
  });

  test('whole: the stroke becomes a 3×20 bar centred in 28×28, peak 1', () => {
    const p = prepareDigitDetailed(picture(80, 80, bar));
    expect(p.inverted).toBe(true);
    expect(p.box).toEqual({ left: 30, top: 10, width: 10, height: 60 });
    expect(p.scaled).toEqual({ width: 3, height: 20 });
    expect(boundingBox({ width: 28, height: 28, data: p.pixels })).toEqual({ left: 13, top: 5, width: 3, height: 20 });
    expect(Math.max(...p.pixels)).toBe(1);
  });

  test('a picture with no ink is refused, naming it', () => {
    expect(() => prepareDigit(picture(50, 40, () => 0), 'blank.png')).toThrow(/^blank\.png: no ink found/);
    expect(() => prepareDigit(picture(50, 40, (x) => (x === 3 ? 0.02 : 0)), 'faint.png')).toThrow(/no ink/);
  });
});

describe('the preparation on what users draw and photograph', () => {
  const clean = prepareDigit(picture(280, 280, sampleAt(0, 10, 280, 280, 0, 0)));

  test('a large, off-centre digit on a light background gives the same 28×28 as a centred one', () => {
    const off = prepareDigit(picture(600, 400, sampleAt(0, 10, 600, 400, 310, 25)));
    expect(Array.from(off)).toEqual(Array.from(clean));
  });

  test('light-on-dark and dark-on-light give the same 28×28', () => {
    const dark = prepareDigit(picture(280, 280, sampleAt(0, 10, 280, 280, 0, 0), 0, 255));
    expect(cosine(dark, clean)).toBeGreaterThan(0.9999); // only the rounding of the painted bytes differs
  });

  test('a drawing on a transparent background', () => {
    const transparent = picture(280, 280, () => 0, 0, 0, 0);
    const ink = sampleAt(0, 10, 280, 280, 0, 0);
    for (let i = 0; i < 280 * 280; i++) transparent.data[4 * i + 3] = Math.round(255 * ink(i % 280, Math.floor(i / 280)));
    expect(cosine(prepareDigit(transparent), clean)).toBeGreaterThan(0.999);
  });

  test('noise: grey speckle and salt-and-pepper specks on grey paper do not move the box', () => {
    const rng = new Rng(7);
    const ink = sampleAt(0, 10, 280, 280, 0, 0);
    const noisy = picture(280, 280, (x, y) => {
      const speck = rng.uniform() < 0.01 ? (rng.uniform() < 0.5 ? 1 : -0.3) : 0;
      return Math.min(1, Math.max(0, ink(x, y) + 0.08 * (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) + speck));
    }, 200, 10);
    const p = prepareDigitDetailed(noisy);
    const c = prepareDigitDetailed(picture(280, 280, ink));
    expect(p.inverted).toBe(true);
    for (const k of ['left', 'top', 'width', 'height'] as const) expect(Math.abs(p.box[k] - c.box[k])).toBeLessThanOrEqual(2);
    expect(cosine(p.pixels, c.pixels)).toBeGreaterThan(0.97);
  });

  test('the shipped digits prepare to nearly their original MNIST test digits', () => {
    const test = (testSet ??= loadTestSet());
    for (let digit = 0; digit < 10; digit++) {
      const index = test.labels.findIndex((l) => l === digit);
      const original = Array.from(test.images.subarray(index * 784, (index + 1) * 784), (b) => b / 255);
      expect([digit, cosine(prepareDigit(shipped(`${digit}.png`)), original) > 0.85]).toEqual([digit, true]);
    }
  });

  test('the colour JPEG (blue ink on cream) prepares like the black-on-white PNG', () => {
    expect(cosine(prepareDigit(shipped('3-blue.jpg')), prepareDigit(shipped('3.png')))).toBeGreaterThan(0.99);
  });
});
