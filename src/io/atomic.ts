import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors';

/**
 * The file-system calls the writer makes, as one object so a test can make a write fail
 * part-way (a short write, ENOSPC) and check that nothing is lost.
 */
export const atomicIo = {
  writeSync: (fd: number, bytes: Uint8Array, offset: number, length: number): number => writeSync(fd, bytes, offset, length),
};

/**
 * Writes a file so that it is either the old one or the complete new one, never a truncated
 * mix: the bytes go to a temporary file beside it, every one of them (a write may write fewer
 * bytes than asked), are flushed to disk, and the file is renamed over the target (rename is
 * atomic within one file system). On any failure the temporary file is removed, the target is
 * left as it was, and the error is a UserError naming the file and the cause.
 */
export function writeFileAtomic(file: string, text: string | Uint8Array | readonly Piece[]): void {
  // Pieces are written one after the other (a large document need not be one string).
  const pieces: readonly Piece[] = Array.isArray(text) ? text : [text as string | Uint8Array];
  const temporary = temporaryName(file);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(temporary, 'w');
    try {
      for (const piece of pieces) writePiece(fd, piece);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw writeError(file, error);
  }
}

/**
 * A piece of a file: text (UTF-8), bytes, or `{ base64: bytes }`, the base64 text of those
 * bytes, made a chunk at a time as it is written (a weights file's arrays: their text is
 * never a string of its own).
 */
export type Piece = string | Uint8Array | { readonly base64: Uint8Array };

/** Long ASCII strings and base64 text go through one small buffer, in chunks: no copy of their size is made. */
const CHUNK = 1 << 20;
/** Bytes turned into base64 at a time: 64 KiB of text (4 characters for every 3 bytes), a small string the young generation collects. */
const BASE64_STEP = 3 << 14;
let chunk: Buffer | undefined;

function writePiece(fd: number, piece: Piece): void {
  if (typeof piece === 'object' && 'base64' in piece) {
    writeBase64(fd, piece.base64);
    return;
  }
  if (typeof piece !== 'string' || piece.length <= CHUNK || !/^[\x00-\x7f]*$/.test(piece)) {
    writeAll(fd, typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece);
    return;
  }
  chunk ??= Buffer.alloc(CHUNK);
  for (let i = 0; i < piece.length; i += CHUNK) writeAll(fd, chunk.subarray(0, chunk.write(piece.slice(i, i + CHUNK), 'latin1')));
}

/** The base64 text of `bytes`, a step at a time: each step's bytes are a multiple of 3, so the texts join without padding between. */
function writeBase64(fd: number, bytes: Uint8Array): void {
  chunk ??= Buffer.alloc(CHUNK);
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let used = 0;
  for (let i = 0; i < all.length; i += BASE64_STEP) {
    used += chunk.write(all.toString('base64', i, i + BASE64_STEP), used, 'latin1');
    if (used === CHUNK || i + BASE64_STEP >= all.length) {
      writeAll(fd, chunk.subarray(0, used));
      used = 0;
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    const n = atomicIo.writeSync(fd, bytes, done, bytes.length - done);
    // No progress and no error: the device takes nothing more (a full disk, a size limit).
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    done += n;
  }
}

/** `runs/w.json.1234.tmp`: the process id keeps two writers from sharing a temporary file. */
function temporaryName(file: string, pid = process.pid): string {
  return `${file}.${pid}.tmp`;
}

const CAUSES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EFBIG: 'the file is larger than the file-size limit allows',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'cannot write here: permission denied',
  EPERM: 'cannot write here: permission denied',
  EROFS: 'the file system is read-only',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a folder on its path is a file',
  EIO: 'an input/output error',
};

/** One line naming the file and the cause, and what became of the previous file. */
export function writeError(file: string, error: unknown): Error {
  if (error instanceof UserError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const cause = code ? `${CAUSES[code] ?? `cannot write: ${(error as Error).message.split(',')[0]}`} (${code})` : `cannot write: ${(error as Error)?.message ?? error}`;
  const previous = existsSync(file) && code !== 'EISDIR' ? 'the previous file is unchanged' : 'nothing was written';
  return new UserError(`${file}: ${cause}; ${previous}`);
}

/**
 * Removes the temporary files a killed process left beside `file` (`file.PID.tmp` of a
 * process that no longer runs). Only this file's own temporaries are touched.
 */
export function removeStaleTemporaries(file: string): void {
  const dir = dirname(file);
  const prefix = `${basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no folder yet: nothing to clean
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length, -'.tmp'.length));
    if (Number.isInteger(pid) && pid > 0 && !isRunning(pid)) rmSync(join(dir, name), { force: true });
  }
}

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
export function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
