import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '../src/errors';
import { Rng } from '../src/core/rng';
import { encodeIdx, readIdx } from '../src/data/idx';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'nnt-idx-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => rng.int(256));
}

/** The UserError message readIdx throws for this file (fails the test if it throws nothing or something else). */
function readError(path: string): string {
  try {
    readIdx(path);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith(path)).toBe(true);
    return message;
  }
  throw new Error(`readIdx(${path}) did not throw`);
}

describe('IDX reader', () => {
  test('encodeIdx writes the documented header: 00 00 type ndims, then big-endian sizes', () => {
    const bytes = encodeIdx([2, 3, 256], new Uint8Array(2 * 3 * 256));
    expect(Array.from(bytes.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 1, 0]);
  });

  test('a small plain file round-trips exactly', () => {
    const pixels = randomBytes(5 * 4 * 3, 1);
    const file = readIdx(write('plain-idx3', encodeIdx([5, 4, 3], pixels)));
    expect(file.dims).toEqual([5, 4, 3]);
    expect(file.type).toBe(0x08);
    expect(file.compressed).toBe(false);
    expect(file.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(file.data)).toEqual(Array.from(pixels));
  });

  test('a gzipped file round-trips exactly, recognized by its magic bytes, whatever its name', () => {
    const labels = randomBytes(1000, 2);
    const gz = gzipSync(encodeIdx([1000], labels));
    for (const name of ['labels.gz', 'labels-without-extension']) {
      const file = readIdx(write(name, gz));
      expect(file.compressed).toBe(true);
      expect(file.dims).toEqual([1000]);
      expect(Array.from(file.data)).toEqual(Array.from(labels));
    }
    // …and a plain file that is merely named .gz is read as plain.
    const plain = readIdx(write('not-really.gz', encodeIdx([3], new Uint8Array([7, 8, 9]))));
    expect(plain.compressed).toBe(false);
    expect(Array.from(plain.data)).toEqual([7, 8, 9]);
  });

  test('a missing file', () => {
    expect(readError(join(dir, 'nope'))).toMatch(/cannot open \(ENOENT\)/);
  });

  test('a wrong magic number', () => {
    const bytes = encodeIdx([4], new Uint8Array(4));
    bytes[0] = 0x12;
    expect(readError(write('bad-magic', bytes))).toMatch(/not an IDX file \(magic number 0x12000801/);
    const unknownType = encodeIdx([4], new Uint8Array(4));
    unknownType[2] = 0x42;
    expect(readError(write('bad-type', unknownType))).toMatch(/not an IDX file/);
    expect(readError(write('text', new TextEncoder().encode('hello, world\n')))).toMatch(/not an IDX file/);
  });

  test('a header shorter than its dimensions need', () => {
    expect(readError(write('short-header', new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2])))).toMatch(/truncated IDX header/);
    expect(readError(write('empty', new Uint8Array(0)))).toMatch(/truncated IDX header \(0 bytes\)/);
  });

  test('a truncated file and a file with extra bytes, plain and gzipped', () => {
    const full = encodeIdx([10, 5, 5], randomBytes(250, 3));
    const truncated = full.subarray(0, full.length - 7);
    const extra = new Uint8Array([...full, 1, 2, 3]);
    expect(readError(write('truncated', truncated))).toMatch(/header says 10×5×5 ubyte = 250 bytes of values but the file has 243 \(truncated\)/);
    expect(readError(write('extra', extra))).toMatch(/250 bytes of values but the file has 253 \(extra bytes after the values\)/);
    expect(readError(write('truncated.gz', gzipSync(truncated)))).toMatch(/file has 243 after decompression \(truncated\)/);
    expect(readError(write('extra.gz', gzipSync(extra)))).toMatch(/extra bytes/);
    // A gzip stream that is itself cut short.
    const gz = gzipSync(full);
    expect(readError(write('cut.gz', gz.subarray(0, gz.length - 10)))).toMatch(/corrupt gzip data/);
  });

  test('a header claiming an absurd size fails before allocating it', () => {
    // 4 × 2^32-1 × 2^32-1 bytes: no machine could allocate this, so reaching an allocation would throw a RangeError, not a UserError.
    const header = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 4, 255, 255, 255, 255, 255, 255, 255, 255, 1, 2, 3]);
    expect(readError(write('absurd', header))).toMatch(/file has 3 \(truncated\)/);
    expect(readError(write('absurd.gz', gzipSync(header)))).toMatch(/more than a \d+-byte gzip file can hold/);
    // 2 GB claimed in a small gzip file: possible for Node to allocate, but not for the file to hold.
    const big = new Uint8Array([0, 0, 8, 1, 0x80, 0, 0, 0, 9, 9, 9]);
    expect(readError(write('big.gz', gzipSync(big)))).toMatch(/2147483648 bytes of values, more than a \d+-byte gzip file can hold/);
  });
});
