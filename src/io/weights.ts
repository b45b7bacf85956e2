import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename } from 'node:path';
import { UserError } from '../errors';
import { sameShape, sizeOf } from '../core/tensor';
import type { Param, StateArray } from '../layers/layer';
import { writeFileAtomic, type Piece } from './atomic';
import type { Config } from './config-schema';
import { checkNesting, schemaError, validateConfig } from './config';
import { weightsDocumentSchema } from './weights-schema';

/** What is saved and loaded: a network's parameters and state arrays (a Network; io does not depend on net). */
export interface WeightsHolder {
  params(): readonly Param[];
  stateArrays(): readonly StateArray[];
}

/**
 * The weights file: one JSON document that is enough on its own to rebuild and use the
 * network. Arrays are stored exactly, as little-endian IEEE-754 float64 bytes in base64,
 * each with the SHA-256 of those bytes (see "Weights file format" in the README).
 * A checkpoint is the same document with a `checkpoint` section added.
 */
export const WEIGHTS_FORMAT = 'nnt-weights';
export const WEIGHTS_VERSION = 1;

export interface EncodedArray {
  name: string;
  shape: number[];
  /** base64 of the float64 values, little-endian, row-major. */
  float64le: string;
  /** hex SHA-256 of the decoded bytes. */
  sha256: string;
}

export interface WeightsDocument {
  format: typeof WEIGHTS_FORMAT;
  version: typeof WEIGHTS_VERSION;
  createdBy: string;
  config: Config;
  inputSize: number;
  /** The shape of a sample as the data header gave it (e.g. [28, 28]); conv and pool layers need it. */
  inputShape?: number[];
  classes: number;
  params: EncodedArray[];
  /** Non-learned arrays saved with the weights (batch-norm running statistics). */
  state: EncodedArray[];
  metrics: unknown;
  checkpoint?: unknown;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Makes a document's entry for an array: encodeArray, or DeferredArrays' encode. */
export type ArrayEncoder = (name: string, shape: number[], values: Float64Array) => EncodedArray;

export const encodeArray: ArrayEncoder = (name, shape, values) => {
  const bytes = float64leBytes(values);
  return { name, shape: [...shape], float64le: bytes.toString('base64'), sha256: sha256Of(bytes) };
};

/** The values as float64le bytes: on a little-endian machine the array's own bytes, read in place, not copied. */
function float64leBytes(values: Float64Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const bytes = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) bytes.writeDoubleLE(values[i], i * 8);
  return bytes;
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The arrays of a document that is written as soon as it is made (a checkpoint, the weights
 * at the end of a run): `encode` puts a placeholder where the base64 goes, and saveWeights
 * writes each array's base64 there straight from the array, a chunk at a time. The text of
 * a SimpleConvNet checkpoint's arrays (13 MB) is then never a string in memory. The arrays
 * are read twice, for the checksum and for the file: they must not change in between.
 */
export class DeferredArrays {
  private readonly bytes = new Map<string, Buffer>();
  private readonly prefix = `nnt-deferred-array-${process.pid}-${Date.now()}-`;

  readonly encode: ArrayEncoder = (name, shape, values) => {
    const bytes = float64leBytes(values);
    const placeholder = `${this.prefix}${this.bytes.size}`;
    this.bytes.set(placeholder, bytes);
    return { name, shape: [...shape], float64le: placeholder, sha256: sha256Of(bytes) };
  };

  /** The bytes a placeholder stands for; undefined for any other string. */
  bytesOf(placeholder: string): Buffer | undefined {
    return this.bytes.get(placeholder);
  }
}

/** Decodes and checks one array; `where` prefixes error messages. */
export function decodeArray(encoded: EncodedArray, where: string): Float64Array {
  if (typeof encoded?.float64le !== 'string' || !Array.isArray(encoded.shape)) {
    throw new UserError(`${where}: array ${encoded?.name ?? '?'} has no float64le data or no shape`);
  }
  const bytes = Buffer.from(encoded.float64le, 'base64');
  const expected = sizeOf(encoded.shape) * 8;
  if (bytes.length !== expected) {
    throw new UserError(`${where}: ${encoded.name} has ${bytes.length} bytes, its shape (${encoded.shape.join('×')}) needs ${expected}`);
  }
  if (createHash('sha256').update(bytes).digest('hex') !== encoded.sha256) {
    throw new UserError(`${where}: ${encoded.name} does not match its checksum (the file is corrupt)`);
  }
  const values = new Float64Array(bytes.length / 8);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readDoubleLE(i * 8);
  return values;
}

/** `encode`: encodeArray, or a DeferredArrays' encode for a document saved at once. */
export function weightsDocument(
  net: WeightsHolder, config: Config, inputSize: number, classes: number, metrics: unknown, inputShape?: readonly number[],
  encode: ArrayEncoder = encodeArray,
): WeightsDocument {
  return {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    createdBy: `nnt ${require('../../package.json').version}`,
    config,
    inputSize,
    ...(inputShape ? { inputShape: [...inputShape] } : {}),
    classes,
    params: net.params().map((p) => encode(p.name, p.shape, p.value)),
    state: net.stateArrays().map((s) => encode(s.name, s.shape, s.value)),
    metrics,
  };
}

/** `deferred`: the DeferredArrays whose encode made the document's arrays, if it did. */
export function saveWeights(file: string, doc: WeightsDocument, deferred?: DeferredArrays): void {
  writeFileAtomic(file, jsonPieces(doc, deferred));
}

/**
 * JSON.stringify(doc) and a newline, in pieces: the arrays' base64 data (most of the text)
 * each a piece of its own, between the pieces of the rest, so the whole text is never one
 * string in memory (a checkpoint of SimpleConvNet holds ~14 MB of it, and its UTF-8 bytes
 * as much again). A deferred array's piece is its bytes, written as base64 (see Piece).
 */
function jsonPieces(doc: WeightsDocument, deferred?: DeferredArrays): Piece[] {
  const data: Piece[] = [];
  const marker = `nnt-array-data-${process.pid}-${Date.now()}`;
  /** A deferred array's bytes, where `value` is its placeholder. */
  const deferredBytes = (key: string, value: unknown) => (key === 'float64le' && typeof value === 'string' ? deferred?.bytesOf(value) : undefined);
  const text = JSON.stringify(doc, (key, value) => {
    if (key !== 'float64le' || typeof value !== 'string') return value;
    const bytes = deferredBytes(key, value);
    data.push(bytes ? { base64: bytes } : value);
    return marker;
  });
  const rest = text.split(`"${marker}"`);
  // Only if the marker stood for the data alone (no other string in the document holds it).
  if (rest.length !== data.length + 1) return [`${JSON.stringify(doc, (key, value) => deferredBytes(key, value)?.toString('base64') ?? value)}\n`];
  const pieces: Piece[] = [rest[0]];
  for (let i = 0; i < data.length; i++) pieces.push('"', data[i], `"${rest[i + 1]}`);
  pieces.push('\n');
  return pieces;
}

/** Reads and checks the document's envelope; arrays are decoded by `loadInto`. */
export function readWeights(file: string): WeightsDocument {
  const name = basename(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${file}: cannot read the weights (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let doc: Partial<WeightsDocument>;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UserError(`${name}: not a JSON document${text.trimEnd().endsWith('}') ? '' : ' (truncated?)'}`);
  }
  checkNesting(doc, name);
  if (doc === null || typeof doc !== 'object' || doc.format !== WEIGHTS_FORMAT) {
    throw new UserError(`${name}: not an nnt weights file (format is ${JSON.stringify((doc as { format?: unknown })?.format)}, expected "${WEIGHTS_FORMAT}")`);
  }
  if (doc.version !== WEIGHTS_VERSION) {
    throw new UserError(`${name}: weights format version ${JSON.stringify(doc.version)} is not supported (this nnt reads version ${WEIGHTS_VERSION})`);
  }
  const checked = weightsDocumentSchema.safeParse(doc);
  if (!checked.success) throw schemaError(name, checked.error.issues, doc);
  const config = validateConfig(doc.config, `${name} (its config)`);
  return { ...(doc as WeightsDocument), ...checked.data, config } as WeightsDocument;
}

/** Copies the document's arrays into a network built from the same config, checking names and shapes. */
export function loadInto(net: WeightsHolder, doc: WeightsDocument, file: string): void {
  const name = basename(file);
  const byName = new Map([...doc.params, ...doc.state].map((a) => [a?.name, a]));
  for (const target of [...net.params(), ...net.stateArrays()]) {
    const stored = byName.get(target.name);
    if (!stored) throw new UserError(`${name}: has no values for ${target.name}, which its config's network needs`);
    if (!sameShape(stored.shape, target.shape)) {
      throw new UserError(`${name}: ${target.name} has shape ${stored.shape.join('×')}, its config's network needs ${target.shape.join('×')}`);
    }
    target.value.set(decodeArray(stored, name));
    byName.delete(target.name);
  }
  if (byName.size > 0) throw new UserError(`${name}: has arrays its config's network does not use: ${[...byName.keys()].join(', ')}`);
}
