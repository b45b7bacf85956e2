import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors';
import { writeFileAtomic } from './atomic';

/**
 * A small reader and writer of the safetensors format (huggingface/safetensors, "Format"):
 *
 *   8 bytes   N, the header's length, unsigned little-endian
 *   N bytes   a JSON object: {"__metadata__": {string: string}, name: {dtype, shape, data_offsets}}
 *   the rest  the tensors' bytes, little-endian, row-major; data_offsets = [begin, end)
 *             relative to the start of this buffer, which they cover without holes or overlaps
 *
 * The header is padded with spaces so the data starts 8-byte aligned. Only the float types
 * nnt uses are read and written (F64, F32). A reader trusts nothing in the header: every
 * offset, size and shape is checked against the file's real length before any array is made.
 */
export type SafetensorsDtype = 'F64' | 'F32';

export interface NamedArray {
  name: string;
  shape: number[];
  values: Float64Array;
}

export interface SafetensorsFile {
  /** In the order of their data in the file. */
  tensors: NamedArray[];
  metadata: Record<string, string>;
  /** The dtype each tensor was stored in (F32 values are widened to float64 exactly). */
  dtypes: Map<string, SafetensorsDtype>;
}

const BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4 };
/** Larger headers are refused before being read (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

export function encodeSafetensors(tensors: NamedArray[], metadata: Record<string, string>, dtype: SafetensorsDtype = 'F64'): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const size = t.values.length * BYTES[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    for (const v of t.values) at = dtype === 'F64' ? out.writeDoubleLE(v, at) : out.writeFloatLE(v, at);
  }
  return out;
}

export function writeSafetensors(file: string, tensors: NamedArray[], metadata: Record<string, string>, dtype: SafetensorsDtype = 'F64'): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata, dtype));
}

export function readSafetensors(file: string): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UserError(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return decodeSafetensors(bytes, basename(file));
}

/** Parses a whole file's bytes; `name` (the file's) starts every error message. */
export function decodeSafetensors(bytes: Buffer, name: string): SafetensorsFile {
  const fail = (what: string): never => {
    throw new UserError(`${name}: ${what}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for a safetensors file (truncated?)`);
  const headerLength = bytes.readBigUInt64LE(0);
  if (headerLength > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    fail(`the header says it is ${headerLength} bytes long, the file has only ${bytes.length - 8} after the length (truncated, or not safetensors)`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, dataStart));
  } catch {
    return fail('the header is not valid JSON (not a safetensors file?)');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  const metadata = readMetadata(header.__metadata__, fail);
  const dataLength = bytes.length - dataStart;
  const entries = Object.entries(header)
    .filter(([key]) => key !== '__metadata__')
    .map(([key, entry]) => checkEntry(key, entry, dataLength, fail))
    .sort((a, b) => a.begin - b.begin);
  let covered = 0;
  for (const e of entries) {
    if (e.begin !== covered) fail(`${e.name}: data_offsets start at ${e.begin}, expected ${covered} (the tensors' data must follow each other without holes or overlaps)`);
    covered = e.end;
  }
  if (covered !== dataLength) fail(`the tensors cover ${covered} bytes of data, the file has ${dataLength} (truncated, or extra bytes at the end)`);

  const dtypes = new Map<string, SafetensorsDtype>();
  const tensors = entries.map((e) => {
    dtypes.set(e.name, e.dtype);
    const n = (e.end - e.begin) / BYTES[e.dtype];
    const values = new Float64Array(n);
    const at = dataStart + e.begin;
    for (let i = 0; i < n; i++) values[i] = e.dtype === 'F64' ? bytes.readDoubleLE(at + 8 * i) : bytes.readFloatLE(at + 4 * i);
    return { name: e.name, shape: e.shape, values };
  });
  return { tensors, metadata, dtypes };
}

function readMetadata(value: unknown, fail: (what: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('__metadata__ is not an object');
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`__metadata__.${key} is not a string (the format allows only string values)`);
  }
  return value as Record<string, string>;
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function checkEntry(name: string, entry: unknown, dataLength: number, fail: (what: string) => never): Entry {
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (e === null || typeof e !== 'object') fail(`${name}: its header entry is not an object`);
  if (e.dtype !== 'F64' && e.dtype !== 'F32') fail(`${name}: dtype ${JSON.stringify(e.dtype)} is not supported (nnt reads F64 and F32)`);
  const dtype = e.dtype as SafetensorsDtype;
  const shape = e.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${name}: shape is not a list of non-negative integers`);
  const offsets = e.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`${name}: data_offsets is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) fail(`${name}: data_offsets [${begin}, ${end}] lie outside the ${dataLength} bytes of data (truncated file, or a lying header)`);
  const count = (shape as number[]).reduce((p, d) => p * d, 1);
  if (count * BYTES[dtype] !== end - begin) {
    fail(`${name}: shape ${(shape as number[]).join('×')} of ${dtype} needs ${count * BYTES[dtype]} bytes, its data_offsets give ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}
