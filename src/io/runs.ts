import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { UserError } from '../errors';
import { readWeights } from './weights';

/** Where `nnt train` writes runs by default (configs say runs/<name>/weights.json). */
export const RUNS_DIR = 'runs';
/** Files beside the weights that are not weights a user means (checkpoints are, but only to resume). */
const NOT_WEIGHTS = /\.(checkpoint|best)\.json$/;

/** Every weights-like .json file under runs/ (a few levels deep), newest first. */
export function findRuns(root = RUNS_DIR, depth = 4): { path: string; mtime: number }[] {
  const found: { path: string; mtime: number }[] = [];
  const walk = (dir: string, left: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory() && left > 0) walk(path, left - 1);
      else if (e.isFile() && e.name.endsWith('.json')) found.push({ path, mtime: statSync(path).mtimeMs });
    }
  };
  walk(root, depth);
  return found.sort((a, b) => b.mtime - a.mtime || a.path.localeCompare(b.path));
}

/**
 * The most recently written weights file under `root` (not a checkpoint or best file, and not
 * a .json that is no weights file, such as a config or a sweep table), or undefined.
 * `nnt eval` and `nnt serve` both start from it.
 */
export function newestWeights(root = RUNS_DIR): string | undefined {
  for (const { path } of findRuns(root)) {
    if (NOT_WEIGHTS.test(path)) continue;
    try {
      readWeights(path);
      return path;
    } catch {
      // not a weights file: try the next
    }
  }
  return undefined;
}

/** The newest weights file under runs/, or a UserError saying there is none. */
export function latestRun(root = RUNS_DIR): string {
  const run = newestWeights(root);
  if (!run) throw new UserError(`no weights given, and no runs under ${root}/ to take the latest of (train one with: nnt train)`);
  return run;
}

/**
 * A weights file named on the command line: returned when it exists; otherwise a UserError
 * that names the nearest files under runs/ ("did you mean runs/two-layer/weights.json?").
 */
export function existingWeights(file: string, root = RUNS_DIR): string {
  if (existsSync(file)) return file;
  const candidates = nearest(file, findRuns(root).map((r) => r.path));
  // A typo of one path names that path alone.
  if (candidates.length > 1 && editDistance(file, candidates[0]) <= 2) candidates.length = 1;
  const hint = candidates.length === 0 ? '' : `; did you mean ${candidates.length === 1 ? candidates[0] : `one of ${candidates.join(', ')}`}?`;
  throw new UserError(`${file}: no such weights file${hint}`);
}

/** Up to three paths closest to `wanted`: same file name first, then by edit distance. */
export function nearest(wanted: string, paths: string[], count = 3): string[] {
  const name = basename(wanted);
  const score = (p: string) => (basename(p) === name ? 0 : 1000) + editDistance(relative('.', wanted), p);
  return paths
    .map((p) => ({ p, s: score(p) }))
    .filter(({ p, s }) => s < 1000 || editDistance(name, basename(p)) <= Math.max(2, name.length / 3))
    .sort((a, b) => a.s - b.s || a.p.localeCompare(b.p))
    .slice(0, count)
    .map(({ p }) => p);
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}
