import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeImage, headerSize, MAX_PIXELS } from '../src/image/decode';

// The CLI tests run the built command (bin/nnt → dist/), as cli.test.ts does.
const bin = join(__dirname, '../bin/nnt');
const digits = join(__dirname, '../data/digits');
const dir = mkdtempSync(join(tmpdir(), 'nnt-predict-'));

function nnt(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A PNG whose (valid) header claims width×height, followed by a little junk instead of pixels. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grey
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from('junk'))]);
}

/** A JPEG that stops after a start-of-frame claiming width×height. */
function jpegClaiming(width: number, height: number): Buffer {
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const sof0 = [0xff, 0xc0, 0x00, 0x0b, 8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0];
  return Buffer.from([0xff, 0xd8, ...app0, ...sof0]);
}

describe('decoding pictures', () => {
  test('the header sizes of PNG and JPEG are read without decoding', () => {
    expect(headerSize(pngClaiming(100000, 100000), 'png')).toEqual({ width: 100000, height: 100000 });
    expect(headerSize(jpegClaiming(640, 480), 'jpeg')).toEqual({ width: 640, height: 480 });
    expect(headerSize(readFileSync(join(digits, '3-blue.jpg')), 'jpeg')).toEqual({ width: 280, height: 280 });
  });

  test('a header claiming 100,000×100,000 pixels is refused before decoding', () => {
    expect(() => decodeImage(pngClaiming(100000, 100000), 'huge.png')).toThrow(/^huge\.png: the header says 100000×100000 pixels, more than the 40 megapixels/);
    expect(() => decodeImage(jpegClaiming(60000, 60000), 'huge.jpg')).toThrow(/^huge\.jpg: the header says 60000×60000/);
    expect(100000 * 100000).toBeGreaterThan(MAX_PIXELS);
  });

  test('not an image, truncated, empty', () => {
    expect(() => decodeImage(Buffer.from('hello, not a picture'), 'notes.txt')).toThrow(/^notes\.txt: not a PNG or JPEG image$/);
    const png = readFileSync(join(digits, '7.png'));
    expect(() => decodeImage(png.subarray(0, png.length / 2), 'half.png')).toThrow(/^half\.png: cannot decode the PNG/);
    expect(() => decodeImage(png.subarray(0, 20), 'stub.png')).toThrow(/^stub\.png: the PNG header is missing or cut short/);
    expect(() => decodeImage(pngClaiming(0, 5), 'zero.png')).toThrow(/^zero\.png: the image is empty/);
    const jpg = readFileSync(join(digits, '3-blue.jpg'));
    expect(() => decodeImage(jpg.subarray(0, 400), 'cut.jpg')).toThrow(/^cut\.jpg: cannot decode the JPEG/);
  });

  test('the shipped PNG and JPEG decode to RGBA of their size', () => {
    const img = decodeImage(readFileSync(join(digits, '3-blue.jpg')), '3-blue.jpg');
    expect([img.width, img.height, img.data.length]).toEqual([280, 280, 280 * 280 * 4]);
    expect(img.data[0]).toBeGreaterThan(200); // cream paper
  });
});

describe('nnt predict', () => {
  const weights = join(dir, 'run', 'w.json');
  const files = Array.from({ length: 10 }, (_, d) => join(digits, `${d}.png`));

  beforeAll(() => {
    // A small net, quickly: 5000 samples, 4 epochs (about 88% on the test set).
    const r = nnt('train', '--limit', '5000', '--epochs', '4', '--lr', '0.5', '--out', weights, '--quiet');
    expect(r.stderr).toBe('');
  }, 600_000);

  test('the shipped digits are predicted as their original test digits are, and mostly right', () => {
    const r = nnt('predict', weights, ...files, '--json');
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const predicted = out.predictions.map((p: { predicted: number }) => p.predicted);
    const originals = JSON.parse(nnt('predict', weights, '--index', '3,2,1,18,4,8,11,0,61,7', '--json').stdout).predictions;
    expect(originals.map((o: { label: number }) => o.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(predicted).toEqual(originals.map((o: { predicted: number }) => o.predicted));
    expect(predicted.filter((p: number, digit: number) => p === digit).length).toBeGreaterThanOrEqual(8);
    for (const p of out.predictions) {
      expect(p.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 12);
      expect(p.inverted).toBe(true);
    }
  }, 600_000);

  test('text output: the top classes with bars, and --show draws the 28×28', () => {
    const r = nnt('predict', weights, join(digits, '7.png'), join(digits, '3-blue.jpg'), '--show', '--top', '2');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/7\.png: \d$/);
    expect(lines[1]).toMatch(/^ {2}\s?\d {2}█* +\d+\.\d\d%$/);
    expect(lines.slice(3, 17).every((l) => l.length === 28)).toBe(true); // 14 lines of text art
    expect(r.stdout).toMatch(/3-blue\.jpg: \d/);
  }, 600_000);

  test('--index predicts a test sample and says its true class', () => {
    const r = nnt('predict', weights, '--index', '0');
    expect(r.stdout).toMatch(/^test sample 0: \d {2}\(true class 7/);
  }, 600_000);

  test('bad pictures: one line naming the file, exit 1', () => {
    mkdirSync(join(dir, 'bad'), { recursive: true });
    const cases: [string, Buffer, RegExp][] = [
      ['notes.png', Buffer.from('not a picture'), /not a PNG or JPEG image/],
      ['half.png', readFileSync(files[7]).subarray(0, 3000), /cannot decode the PNG/],
      ['huge.png', pngClaiming(100000, 100000), /header says 100000×100000 pixels/],
      ['empty.png', Buffer.alloc(0), /not a PNG or JPEG/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const file = join(dir, 'bad', name);
      writeFileSync(file, bytes);
      const r = nnt('predict', weights, files[0], file);
      expect([name, r.code]).toEqual([name, 1]);
      expect(r.stdout).toBe(''); // nothing printed before the bad picture is found
      expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^nnt: ${file.replace(/[.]/g, '\\.')}: `))]);
      expect(r.stderr).toMatch(pattern);
    }
  }, 600_000);

  test('a picture without ink is refused, naming it', () => {
    const { encodePng } = require('../src/image/decode') as typeof import('../src/image/decode');
    const file = join(dir, 'bad', 'white.png');
    writeFileSync(file, encodePng({ width: 50, height: 50, data: new Uint8Array(50 * 50 * 4).fill(255) }));
    const r = nnt('predict', weights, file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`nnt: ${file}: no ink found (the picture is one flat colour, or nearly)\n`);
  }, 600_000);

  test('usage errors: no pictures, or pictures and --index', () => {
    expect(nnt('predict', weights).code).toBe(2);
    expect(nnt('predict', weights, files[0], '--index', '3').code).toBe(2);
  }, 600_000);
});
