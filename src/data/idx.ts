import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { constants as bufferConstants } from 'node:buffer';
import { UserError } from '../errors';

/**
 * The IDX file format of MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * — two zero bytes, a type byte, the number of dimensions — then each dimension's size as a
 * big-endian uint32, then the values, row-major. This file only reads and checks that layout;
 * what the arrays mean (images, labels) is the dataset source's business.
 */

/** IDX type byte → name and bytes per value. */
export const IDX_TYPES: Readonly<Record<number, { name: string; bytes: number }>> = {
  0x08: { name: 'ubyte', bytes: 1 },
  0x09: { name: 'sbyte', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};
export const IDX_UBYTE = 0x08;

export interface IdxHeader {
  type: number; // the type byte, a key of IDX_TYPES
  dims: number[];
  headerBytes: number; // 4 + 4 × dims.length
  dataBytes: number; // product of dims × bytes per value
}

export interface IdxFile extends IdxHeader {
  path: string;
  compressed: boolean;
  /** The values as raw bytes (for ubyte files, the values themselves), without the header. */
  data: Uint8Array;
}

/** The two bytes every gzip stream starts with; compression is recognized by these, not the file name. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses the header at the start of `bytes` (which may be only a prefix of the file).
 * Returns undefined if the prefix is too short to hold the whole header.
 */
export function parseIdxHeader(bytes: Uint8Array, path: string): IdxHeader | undefined {
  if (bytes.length < 4) return undefined;
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const type = bytes[2];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || IDX_TYPES[type] === undefined || ndims === 0) {
    throw new UserError(
      `${path}: not an IDX file (magic number 0x${magic.toString(16).padStart(8, '0')}; ` +
        'expected 0x0000, a type byte 08/09/0b/0c/0d/0e and the number of dimensions)',
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims: number[] = [];
  let dataBytes = IDX_TYPES[type].bytes;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    dataBytes *= size; // may exceed 2^53 for an absurd header; it is then only compared, never allocated
  }
  return { type, dims, headerBytes, dataBytes };
}

/** Reads an IDX file, plain or gzip-compressed, checking its header against its length. */
export function readIdx(path: string): IdxFile {
  return withIdxFile(path, (fd, fileBytes, prefix) =>
    isGzip(prefix) ? readGzipped(fd, path, fileBytes) : readPlain(fd, path, fileBytes, prefix),
  );
}

/** Opens an IDX file (naming it when that fails or it is a folder) and reads its first KiB. */
function withIdxFile<T>(path: string, read: (fd: number, fileBytes: number, prefix: Uint8Array) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new UserError(`${path}: cannot open (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new UserError(`${path}: is a directory, not an IDX file`);
    const prefix = new Uint8Array(Math.min(stat.size, 1024));
    readSync(fd, prefix, 0, prefix.length, 0);
    return read(fd, stat.size, prefix);
  } finally {
    closeSync(fd);
  }
}

function readPlain(fd: number, path: string, fileBytes: number, prefix: Uint8Array): IdxFile {
  const header = parseIdxHeader(prefix, path) ?? truncatedHeader(path, fileBytes);
  // Checked before the values are allocated, so a corrupt header cannot ask for gigabytes.
  checkLength(path, header, fileBytes - header.headerBytes, '');
  const data = new Uint8Array(header.dataBytes);
  let done = 0;
  while (done < data.length) {
    const n = readSync(fd, data, done, data.length - done, header.headerBytes + done);
    if (n === 0) throw new UserError(`${path}: file shrank while being read`);
    done += n;
  }
  return { ...header, path, compressed: false, data };
}

/** Deflate never compresses better than about 1032:1, so a gzip file of n bytes holds at most this much. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Only the header of an IDX file, plain or gzip-compressed (decompressing just the start of
 * the stream): to compare two files' counts before either is read in full.
 */
export function readIdxHeader(path: string): IdxHeader & { compressed: boolean } {
  return withIdxFile(path, (fd, fileBytes, prefix) => {
    if (!isGzip(prefix)) return { ...(parseIdxHeader(prefix, path) ?? truncatedHeader(path, fileBytes)), compressed: false };
    const start = (n: number) => {
      const bytes = new Uint8Array(n);
      readSync(fd, bytes, 0, n, 0);
      return bytes;
    };
    return { ...gzippedHeader(path, fileBytes, start), compressed: true };
  });
}

/** Decompresses longer and longer starts of the stream until the header is whole. */
function gzippedHeader(path: string, fileBytes: number, start: (n: number) => Uint8Array): IdxHeader {
  for (let n = 256; ; n *= 4) {
    const head = gunzip(path, start(Math.min(n, fileBytes)), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const header = parseIdxHeader(head, path);
    if (header) return header;
    if (n >= fileBytes) truncatedHeader(path, head.length);
  }
}

function readGzipped(fd: number, path: string, fileBytes: number): IdxFile {
  const gz = new Uint8Array(fileBytes);
  readSync(fd, gz, 0, fileBytes, 0);
  // Decompress just enough of the start to see the header, and check the size it claims
  // against what the compressed file could possibly hold, before decompressing everything.
  const header = gzippedHeader(path, fileBytes, (n) => gz.subarray(0, n));
  const total = header.headerBytes + header.dataBytes;
  if (total > fileBytes * MAX_DEFLATE_RATIO + 1024 || total > bufferConstants.MAX_LENGTH) {
    throw new UserError(
      `${path}: header claims ${describeDims(header)} = ${header.dataBytes} bytes of values, ` +
        `more than a ${fileBytes}-byte gzip file can hold (corrupt header?)`,
    );
  }
  let all: Uint8Array;
  try {
    // One output chunk of the expected size: zlib then fills it in place instead of
    // concatenating 16 KB chunks at the end (half the peak memory, twice as fast).
    all = gunzip(path, gz, { maxOutputLength: total, chunkSize: Math.max(total, zlibConstants.Z_MIN_CHUNK) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new UserError(`${path}: decompressed data is longer than the header's ${describeDims(header)} (extra bytes after the values)`);
    }
    throw error;
  }
  checkLength(path, header, all.length - header.headerBytes, ' after decompression');
  return { ...header, path, compressed: true, data: all.subarray(header.headerBytes) };
}

function gunzip(path: string, bytes: Uint8Array, options: object): Uint8Array {
  try {
    return gunzipSync(bytes, options);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw error;
    throw new UserError(`${path}: corrupt gzip data (${e.message})`);
  }
}

function checkLength(path: string, header: IdxHeader, available: number, where: string): void {
  if (available === header.dataBytes) return;
  const what = available < header.dataBytes ? 'truncated' : 'extra bytes after the values';
  throw new UserError(
    `${path}: header says ${describeDims(header)} = ${header.dataBytes} bytes of values but the file has ${available}${where} (${what})`,
  );
}

function truncatedHeader(path: string, bytes: number): never {
  throw new UserError(`${path}: truncated IDX header (${bytes} bytes)`);
}

export function describeDims(header: IdxHeader): string {
  return `${header.dims.join('×')} ${IDX_TYPES[header.type].name}`;
}


/** The bytes of an IDX file holding `data` with shape `dims` (the inverse of readIdx, uncompressed). */
export function encodeIdx(dims: readonly number[], data: Uint8Array, type = IDX_UBYTE): Uint8Array {
  const valueBytes = dims.reduce((n, d) => n * d, IDX_TYPES[type].bytes);
  if (data.length !== valueBytes) throw new RangeError(`encodeIdx: ${dims.join('×')} needs ${valueBytes} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, (type << 8) | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
