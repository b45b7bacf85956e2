/**
 * Makes data/digits/: the first test digit of each class, drawn as a person would draw it in a
 * paint program: 280×280, dark ink on white, smoothly scaled up 10× (bilinear), and one JPEG in
 * colour (blue ink on cream paper) to show that colour and JPEG are handled too. The README's
 * examples and the tests use these. Run: npm run digits
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jpeg from 'jpeg-js';
import { loadTestSet } from '../src/data/source';
import { encodePng, type RgbaImage } from '../src/image/decode';

const SIDE = 280;
const out = join(__dirname, '../data/digits');

/** Sample `index` of the test set as 0..1 ink (bilinear, scaled up to SIDE×SIDE). */
function scaledUp(index: number): Float64Array {
  const test = loadTestSet();
  const [rows, cols] = test.imageShape;
  const at = (x: number, y: number) => {
    const cx = Math.min(cols - 1, Math.max(0, x)), cy = Math.min(rows - 1, Math.max(0, y));
    return test.images[index * test.sampleSize + cy * cols + cx] / 255;
  };
  const ink = new Float64Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      // Pixel centres line up: output (x + 0.5) / scale = input (u + 0.5).
      const u = ((x + 0.5) * cols) / SIDE - 0.5, v = ((y + 0.5) * rows) / SIDE - 0.5;
      const x0 = Math.floor(u), y0 = Math.floor(v), fx = u - x0, fy = v - y0;
      ink[y * SIDE + x] =
        (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  return ink;
}

/** Ink painted over paper: each channel blends from the paper's colour to the ink's. */
function paint(ink: Float64Array, paper: number[], pen: number[]): RgbaImage {
  const data = new Uint8Array(ink.length * 4);
  ink.forEach((a, i) => {
    for (let c = 0; c < 3; c++) data[4 * i + c] = Math.round(paper[c] + a * (pen[c] - paper[c]));
    data[4 * i + 3] = 255;
  });
  return { width: SIDE, height: SIDE, data };
}

function main(): void {
  mkdirSync(out, { recursive: true });
  const test = loadTestSet();
  for (let digit = 0; digit < 10; digit++) {
    const index = test.labels.findIndex((label) => label === digit);
    const ink = scaledUp(index);
    writeFileSync(join(out, `${digit}.png`), encodePng(paint(ink, [255, 255, 255], [0, 0, 0]), { grey: true }));
    if (digit === 3) writeFileSync(join(out, '3-blue.jpg'), jpeg.encode(paint(ink, [245, 238, 220], [30, 60, 160]), 85).data);
    console.log(`${digit}.png: test sample ${index}`);
  }
}

main();
