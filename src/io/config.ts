import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors';
import { configSchema, type Config } from './config-schema';

/**
 * Reads a config file (JSON or YAML: the extension decides; a file without one is tried as
 * JSON, then YAML) and validates it. Every problem becomes one UserError naming the file,
 * the field's path and what was expected, e.g.
 *   two-layer.json: layers[1].units must be a positive integer, got -5
 */
export function loadConfig(file: string): Config {
  return validateConfig(loadRawConfig(file), file);
}

/** The file's settings as written, not yet validated nor completed with defaults (to apply overrides to first). */
export function loadRawConfig(file: string): unknown {
  let text: string;
  try {
    // A config is a few hundred bytes; a huge one is a mistake that would only exhaust memory.
    const size = statSync(file).size;
    if (size > MAX_CONFIG_BYTES) throw new UserError(`${file}: is ${size} bytes; a config may have at most ${MAX_CONFIG_BYTES}`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${file}: cannot read the config (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseText(text, file);
}

/** Bounds on what a config file may hold (its settings are a few hundred bytes). */
export const MAX_CONFIG_BYTES = 1 << 20;
/** Objects and lists nested deeper than this are refused before validation walks them. */
export const MAX_NESTING = 64;

export function parseConfig(text: string, file: string): Config {
  return validateConfig(parseText(text, file), file);
}

export function validateConfig(raw: unknown, file: string): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw schemaError(basename(file), result.error.issues, raw);
  return result.data;
}

/** The UserError for a document that does not fit its schema: the first issue, with the field's path. */
export function schemaError(name: string, issues: z.core.$ZodIssue[], raw: unknown): UserError {
  // An unknown key is usually a typo of a missing one: report it first, it explains the rest.
  const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  return new UserError(`${name}: ${describeIssue(first, raw)}`);
}

/** Throws when objects and lists nest deeper than MAX_NESTING (walked without recursion, so it cannot overflow the stack). */
export function checkNesting(value: unknown, name: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_NESTING) throw new UserError(`${name}: nested more than ${MAX_NESTING} levels deep`);
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
}

function parseText(text: string, file: string): unknown {
  const name = basename(file);
  let value: unknown;
  try {
    value = parseAny(text, name, extname(file).toLowerCase());
  } catch (error) {
    // A parser that recurses runs out of stack on a document nested thousands deep.
    if (error instanceof RangeError) throw new UserError(`${name}: nested too deeply to read (${error.message})`);
    throw error;
  }
  checkNesting(value, name);
  return value;
}

function parseAny(text: string, name: string, ext: string): unknown {
  if (ext === '.json') return parseJson(text, name);
  if (ext === '.yaml' || ext === '.yml') return parseYaml(text, name);
  try {
    return JSON.parse(text);
  } catch {
    return parseYaml(text, name);
  }
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`${name}: not valid JSON: ${(error as Error).message}`);
  }
}

function parseYaml(text: string, name: string): unknown {
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The yaml package's first message line already says where: "... at line 5, column 1:".
    throw new UserError(`${name}: not valid YAML: ${doc.errors[0].message.split('\n')[0].replace(/:$/, '')}`);
  }
  try {
    // toJS refuses documents whose aliases expand too far (a "billion laughs" bomb), or nest too deep.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new UserError(`${name}: not a usable YAML document: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** `layers[1].units` from ['layers', 1, 'units']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // JSON would say null
  const json = JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const at = formatPath(issue.path);
  const field = at || 'the config';
  const got = valueAt(raw, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0];
      const known = knownKeysAt(issue.path, raw);
      const hint = closest(key, known);
      return `${at ? `${at}: ` : ''}unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}${known.length ? `; known keys: ${known.join(', ')}` : ''}`;
    }
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return `${at} must be one of ${issue.options.join(', ')}, got ${show(got)}`;
      }
      return `${field} ${issue.message === 'Invalid input' ? 'is not valid' : issue.message}, got ${show(got)}`;
    case 'invalid_type':
      if (got === undefined) return `${field} is missing (it ${issue.message})`;
      return `${field} ${issue.message}, got ${show(got)}`;
    default:
      return `${field} ${issue.message}${issue.code === 'custom' ? '' : `, got ${show(got)}`}`;
  }
}

/** The keys the schema allows at a path, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[], raw: unknown): string[] {
  let schema: unknown = configSchema;
  for (const key of path) {
    schema = unwrap(schema);
    const def = (schema as { def?: { type?: string; element?: unknown; shape?: Record<string, unknown>; options?: unknown[] } }).def;
    if (def?.type === 'array') schema = def.element;
    else if (def?.shape) schema = def.shape[String(key)];
    else return [];
    if (typeof key === 'number') {
      // A layer: pick the union member its `type` names.
      const unionDef = (unwrap(schema) as { def?: { options?: { def: { shape: { type: { def: { values: unknown[] } } } } }[] } }).def;
      const type = (valueAt(raw, [...path.slice(0, path.indexOf(key) + 1), 'type']) as string) ?? '';
      const member = unionDef?.options?.find((o) => o.def.shape.type?.def?.values?.includes(type));
      if (member) schema = member;
    }
  }
  const def = (memberFor(unwrap(schema), valueAt(raw, [...path, 'type'])) as { def?: { shape?: Record<string, unknown> } }).def;
  return def?.shape ? Object.keys(def.shape).filter((k) => k !== '$schema') : [];
}

/** In a union of objects (an optimizer, a schedule), the member whose `type` is the given one; otherwise the schema itself. */
function memberFor(schema: unknown, type: unknown): unknown {
  const options = (schema as { def?: { options?: unknown[] } })?.def?.options;
  if (!options) return schema;
  for (const option of options) {
    const member = memberFor(unwrap(option), type);
    const values = (member as { def?: { shape?: { type?: { def?: { values?: unknown[] } } } } }).def?.shape?.type?.def?.values;
    if (values?.includes(type)) return member;
  }
  return schema;
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined;
  while (s?.def && (s.def.innerType || (s.def.type === 'pipe' && s.def.in))) s = (s.def.innerType ?? s.def.in) as typeof s;
  return s;
}

/** The known key nearest to a typo (edit distance ≤ 2), if any. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
