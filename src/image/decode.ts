import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { UserError } from '../errors';

/** An image as 8-bit RGBA, row-major, 4 bytes per pixel (what pngjs and jpeg-js both give). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The most pixels an image may have: 40 megapixels is a large photograph (~160 MB as RGBA).
 * A header that claims more is refused before any pixel is decoded, so a 100-byte file
 * claiming 100,000×100,000 pixels cannot make nnt allocate 40 GB.
 */
export const MAX_PIXELS = 40_000_000;

export type ImageFormat = 'png' | 'jpeg';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The format from the file's first bytes (not its name), or null. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(PNG_SIGNATURE)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Width and height as the header states them, read without decoding; null when the header is cut short or has none. */
export function headerSize(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } | null {
  return format === 'png' ? pngHeaderSize(bytes) : jpegHeaderSize(bytes);
}

function pngHeaderSize(bytes: Uint8Array): { width: number; height: number } | null {
  // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), big-endian.
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function jpegHeaderSize(bytes: Uint8Array): { width: number; height: number } | null {
  // Walk the marker segments to the first start-of-frame (SOF0..SOF15 except DHT C4, JPG C8, DAC CC).
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) { i++; continue; } // fill byte
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[i + 5] << 8) | bytes[i + 6], width: (bytes[i + 7] << 8) | bytes[i + 8] };
    }
    i += 2 + length;
  }
  return null;
}

/**
 * Decodes a PNG or JPEG (any bit depth, colour or grey, with or without alpha) to RGBA.
 * `name` names the file in errors, which are UserErrors of one line.
 */
export function decodeImage(bytes: Uint8Array, name: string): RgbaImage {
  const format = sniffFormat(bytes);
  if (!format) throw new UserError(`${name}: not a PNG or JPEG image`);
  const size = headerSize(bytes, format);
  if (!size) throw new UserError(`${name}: the ${format.toUpperCase()} header is missing or cut short`);
  if (size.width === 0 || size.height === 0) throw new UserError(`${name}: the image is empty (${size.width}×${size.height} pixels)`);
  if (size.width * size.height > MAX_PIXELS) {
    throw new UserError(`${name}: the header says ${size.width}×${size.height} pixels, more than the ${MAX_PIXELS / 1e6} megapixels nnt reads`);
  }
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, data: img.data };
  } catch (error) {
    const why = (error as Error).message?.split('\n')[0] || String(error);
    throw new UserError(`${name}: cannot decode the ${format.toUpperCase()} (${why}; truncated or damaged?)`);
  }
}

/** Reads and decodes an image file. */
export function readImage(file: string): RgbaImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UserError(`${file}: cannot read the image (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return decodeImage(bytes, file);
}

/**
 * Encodes RGBA as PNG with pngjs (sample digits, report images). With `grey`, an opaque grey
 * picture is stored as one grey channel: a quarter of the bytes before compression.
 */
export function encodePng(image: RgbaImage, opts: { grey?: boolean } = {}): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data.set(image.data);
  return PNG.sync.write(png, opts.grey ? { colorType: 0, inputHasAlpha: true } : {});
}
