import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicIo, removeStaleTemporaries, writeFileAtomic } from '../src/io/atomic';
import { UserError } from '../src/errors';

/** The writer under faults: whatever fails part-way, the previous file stays byte for byte and no temporary is left. */
describe('writeFileAtomic', () => {
  const realWrite = atomicIo.writeSync;
  afterEach(() => {
    atomicIo.writeSync = realWrite;
  });

  function withPrevious() {
    const dir = mkdtempSync(join(tmpdir(), 'nnt-atomic-'));
    const file = join(dir, 'weights.json');
    writeFileSync(file, 'the previous, complete file\n');
    return { dir, file, before: readFileSync(file) };
  }

  function expectUnchanged({ dir, file, before }: ReturnType<typeof withPrevious>) {
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['weights.json']);
  }

  test('writes everything when the system writes a few bytes at a time', () => {
    const f = withPrevious();
    atomicIo.writeSync = (fd, bytes, offset, length) => realWrite(fd, bytes, offset, Math.min(length, 7));
    const text = 'x'.repeat(1000) + 'é\n';
    writeFileAtomic(f.file, text);
    expect(readFileSync(f.file, 'utf8')).toBe(text);
    expect(readdirSync(f.dir)).toEqual(['weights.json']);
  });

  test('writes pieces in order: long ASCII ones in chunks, others whole; short writes mid-chunk resume', () => {
    const f = withPrevious();
    atomicIo.writeSync = (fd, bytes, offset, length) => realWrite(fd, bytes, offset, Math.min(length, 300_001));
    const long = Array.from({ length: 2_500_000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
    const pieces = ['{"a":"', long, '","b":"×é"}', Buffer.from('\n')];
    writeFileAtomic(f.file, pieces);
    expect(readFileSync(f.file, 'utf8')).toBe(`{"a":"${long}","b":"×é"}\n`);
    expect(readdirSync(f.dir)).toEqual(['weights.json']);
  });

  test('writes a { base64 } piece as the bytes\' base64, made in steps (any length, short writes resume)', () => {
    const f = withPrevious();
    atomicIo.writeSync = (fd, bytes, offset, length) => realWrite(fd, bytes, offset, Math.min(length, 70_001));
    // Lengths around the 48 KiB steps and the 1 MiB buffer, and ones that need padding.
    for (const n of [0, 1, 2, 3, 49_151, 49_152, 49_153, 786_432, 786_433, 2_000_001]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7919 + (i >> 9)) & 255);
      writeFileAtomic(f.file, ['"', { base64: bytes }, '"\n']);
      expect(readFileSync(f.file, 'latin1')).toBe(`"${Buffer.from(bytes).toString('base64')}"\n`);
    }
    expect(readdirSync(f.dir)).toEqual(['weights.json']);
  });

  test('a short write that stops (a full device) leaves the previous file and says so', () => {
    const f = withPrevious();
    let calls = 0;
    atomicIo.writeSync = (fd, bytes, offset, length) => (calls++ === 0 ? realWrite(fd, bytes, offset, Math.min(length, 100)) : 0);
    expect(() => writeFileAtomic(f.file, 'y'.repeat(5000))).toThrow(UserError);
    expect(() => writeFileAtomic(f.file, 'y'.repeat(5000))).toThrow(`${f.file}: the disk is full (ENOSPC); the previous file is unchanged`);
    expectUnchanged(f);
  });

  test('ENOSPC thrown part-way leaves the previous file, and a new file is not created', () => {
    const f = withPrevious();
    let calls = 0;
    atomicIo.writeSync = (fd, bytes, offset, length) => {
      if (calls++ > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return realWrite(fd, bytes, offset, Math.min(length, 10));
    };
    expect(() => writeFileAtomic(f.file, 'z'.repeat(100))).toThrow(/weights\.json: the disk is full \(ENOSPC\); the previous file is unchanged$/);
    expectUnchanged(f);
    const fresh = join(f.dir, 'new.json');
    calls = 1;
    expect(() => writeFileAtomic(fresh, 'z')).toThrow(/new\.json: the disk is full \(ENOSPC\); nothing was written$/);
    expectUnchanged(f);
  });

  test('temporaries of dead processes are removed, a live one\'s and other files\' kept', () => {
    const f = withPrevious();
    const dead = 2 ** 22 + 12345; // above the kernel's pid_max default: never a running process
    writeFileSync(`${f.file}.${dead}.tmp`, 'half');
    writeFileSync(`${f.file}.${process.pid}.tmp`, 'mine');
    writeFileSync(join(f.dir, `other.json.${dead}.tmp`), 'not ours');
    removeStaleTemporaries(f.file);
    expect(readdirSync(f.dir).sort()).toEqual([`other.json.${dead}.tmp`, 'weights.json', `weights.json.${process.pid}.tmp`]);
  });
});
