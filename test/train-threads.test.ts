import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWeights } from '../src/io/weights';

// A run's bits depend on its thread count: the metrics and the checkpoint record it, and
// `nnt train --resume` reuses it. These run the built command (bin/nnt → dist/).
const bin = join(__dirname, '../bin/nnt');
const dir = mkdtempSync(join(tmpdir(), 'nnt-threads-'));

function nnt(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const params = (file: string) => readWeights(file).params.map((p) => `${p.name}:${p.sha256}`);
const metricLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));

describe('the thread count of a run', () => {
  const checkpoint = join(dir, 'part', 'w.checkpoint.json');

  beforeAll(() => {
    expect(nnt('train', '--limit', '600', '--epochs', '2', '--threads', '1', '--out', join(dir, 'whole', 'w.json'), '-q').code).toBe(0);
    expect(nnt('train', '--limit', '600', '--epochs', '1', '--threads', '1', '--out', join(dir, 'part', 'w.json'), '-q').code).toBe(0);
    // As a run at the default thread count leaves it: the config names no count, only the record does.
    const doc = JSON.parse(readFileSync(checkpoint, 'utf8'));
    delete doc.config.training.threads;
    writeFileSync(checkpoint, JSON.stringify(doc));
  });

  test('goes into every metrics line and the checkpoint, with the backend', () => {
    const [line] = metricLines(join(dir, 'part', 'w.metrics.jsonl'));
    expect(line.threads).toBe(1);
    expect(line.backend).toMatch(/×1 thread( for the rest)?$|^ts$/);
    const saved = readWeights(checkpoint).checkpoint as { threads: number; backend: string };
    expect(saved).toMatchObject({ threads: 1, backend: line.backend });
  });

  test('--resume without --threads takes the checkpoint\'s: the same bits as the run in one go', () => {
    const r = nnt('train', '--resume', checkpoint, '--epochs', '2', '--out', join(dir, 'resumed', 'w.json'), '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(params(join(dir, 'resumed', 'w.json'))).toEqual(params(join(dir, 'whole', 'w.json')));
    expect(metricLines(join(dir, 'resumed', 'w.metrics.jsonl')).map((m) => m.threads)).toEqual([1, 1]);
  });

  test('--resume with another --threads uses it, without a warning: the sums, so the bits, do not depend on the thread count', () => {
    const r = nnt('train', '--resume', checkpoint, '--epochs', '2', '--threads', '2', '--out', join(dir, 'other', 'w.json'), '-q');
    expect(r.code).toBe(0);
    const lines = metricLines(join(dir, 'other', 'w.metrics.jsonl'));
    expect(lines.map((m) => m.threads)).toEqual([1, lines[0].backend === 'ts' ? 1 : 2]);
    expect(r.stderr).toBe('');
    expect(params(join(dir, 'other', 'w.json'))).toEqual(params(join(dir, 'whole', 'w.json')));
  });

  test('--resume on another backend says in one line that the bits will differ', () => {
    const r = nnt('train', '--resume', checkpoint, '--epochs', '2', '--backend', 'ts', '--out', join(dir, 'ts', 'w.json'), '-q');
    expect(r.code).toBe(0);
    if (metricLines(join(dir, 'ts', 'w.metrics.jsonl'))[0].backend === 'ts') return; // the checkpoint was trained on ts too
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^nnt: warning: .*w\.checkpoint\.json: the checkpoint was trained on .*×1 thread.*, this run uses ts: its weights will differ/);
  });

  test('a checkpoint and metrics lines without the record (older files) still resume', () => {
    const doc = JSON.parse(readFileSync(checkpoint, 'utf8'));
    delete doc.checkpoint.threads;
    delete doc.checkpoint.backend;
    for (const line of doc.checkpoint.history) [delete line.threads, delete line.backend];
    const old = join(dir, 'old.checkpoint.json');
    writeFileSync(old, JSON.stringify(doc));
    const r = nnt('train', '--resume', old, '--epochs', '2', '--threads', '1', '--out', join(dir, 'old', 'w.json'), '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(params(join(dir, 'old', 'w.json'))).toEqual(params(join(dir, 'whole', 'w.json')));
  });
});
