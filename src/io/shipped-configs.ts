import { existsSync, readdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

/** The configs that come with nnt (the package's configs/ folder). */
export const SHIPPED_CONFIG_DIR = resolve(__dirname, '../../configs');
const EXTENSIONS = ['.json', '.yaml', '.yml'];
/** The default config, listed first. */
const DEFAULT_NAME = 'two-layer';

/** The shipped configs' names (file names without extension), the default first: two-layer, adam, deep, … */
export function shippedConfigNames(): string[] {
  let files: string[];
  try {
    files = readdirSync(SHIPPED_CONFIG_DIR);
  } catch {
    return [];
  }
  const names = new Set(files.filter((f) => EXTENSIONS.includes(extname(f)) && !f.endsWith('.schema.json')).map((f) => f.slice(0, -extname(f).length)));
  return [...names].sort((a, b) => Number(b === DEFAULT_NAME) - Number(a === DEFAULT_NAME) || a.localeCompare(b));
}

/**
 * Where a --config argument points: the file itself when it exists; otherwise, for a bare
 * name (no folder), the shipped config of that name, with or without its extension
 * (`two-layer`, `two-layer.json`; JSON before YAML); otherwise the argument unchanged, so
 * reading it reports the missing file.
 */
export function resolveConfigPath(file: string): string {
  if (existsSync(file) || /[\\/]/.test(file)) return file;
  const candidates = EXTENSIONS.includes(extname(file)) ? [file] : EXTENSIONS.map((ext) => file + ext);
  const found = candidates.map((name) => join(SHIPPED_CONFIG_DIR, name)).find((path) => existsSync(path));
  return found ?? file;
}
