#!/usr/bin/env node
// Lists import cycles among src/ (every `import … from './x'`, type imports included:
// a cycle of types still ties two files together). Exit code 1 when there is one.
const { readFileSync, readdirSync, statSync } = require('node:fs');
const { join, dirname, resolve, relative } = require('node:path');

const root = resolve(__dirname, '..', 'src');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(path);
  }
})(root);

const edges = new Map();
for (const file of files) {
  const targets = [];
  for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'";]*?from\s+'(\.[^']+)'/g)) {
    const target = resolve(dirname(file), m[1]) + '.ts';
    if (files.includes(target)) targets.push(target);
  }
  edges.set(file, targets);
}

// Every cycle through a file once, found by depth-first search from each file in order.
const cycles = new Set();
for (const start of files) {
  const path = [start];
  const visit = (file) => {
    for (const next of edges.get(file)) {
      if (next === start) {
        const names = path.map((f) => relative(root, f));
        const first = names.indexOf([...names].sort()[0]);
        cycles.add([...names.slice(first), ...names.slice(0, first)].join(' → '));
      } else if (!path.includes(next) && next > start) {
        path.push(next);
        visit(next);
        path.pop();
      }
    }
  };
  visit(start);
}
for (const cycle of cycles) console.log(cycle);
console.log(`${cycles.size} import cycle${cycles.size === 1 ? '' : 's'} in src/`);
process.exitCode = cycles.size > 0 ? 1 : 0;

// The same between folders (a file of net/ importing io/ while one of io/ imports net/).
const folderOf = (file) => relative(root, dirname(file)) || '.';
const folders = new Map();
for (const [file, targets] of edges) {
  for (const target of targets) {
    const from = folderOf(file), to = folderOf(target);
    if (from === to || from === '.' || to === '.') continue;
    if (!folders.has(from)) folders.set(from, new Set());
    folders.get(from).add(to);
  }
}
const loops = [];
for (const [from, tos] of folders) for (const to of tos) if (from < to && folders.get(to)?.has(from)) loops.push(`${from}/ ↔ ${to}/`);
for (const loop of loops) console.log(loop);
console.log(`${loops.length} loop${loops.length === 1 ? '' : 's'} between two folders of src/`);
if (loops.length > 0) process.exitCode = 1;
