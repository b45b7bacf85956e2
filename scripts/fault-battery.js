#!/usr/bin/env node
/**
 * Runs the fault battery of issue 12 (test/fault-cases.js) against an nnt install and counts,
 * by group, the cases that held. `node scripts/fault-battery.js [path/to/bin/nnt] [filter]`
 * (default: this checkout's bin/nnt, which runs dist/ — build first).
 */
'use strict';
const path = require('node:path');
const { cases, context } = require('../test/fault-cases');

async function main() {
  const bin = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'bin', 'nnt'));
  const filter = process.argv[3];
  const groups = new Map();
  for (const c of cases) {
    if (filter && !c.name.includes(filter) && c.group !== filter) continue;
    let problems;
    try {
      problems = await c.run(context(bin));
    } catch (error) {
      problems = [`threw: ${error.message.split('\n')[0]}`];
    }
    const g = groups.get(c.group) ?? { held: 0, total: 0 };
    g.total++;
    if (problems.length === 0) g.held++;
    groups.set(c.group, g);
    process.stdout.write(`${problems.length ? 'FAILED' : 'held  '} [${c.group}] ${c.name}${problems.length ? `\n         ${problems.join('\n         ')}` : ''}\n`);
  }
  let held = 0, total = 0;
  for (const [group, g] of groups) {
    process.stdout.write(`${group}: ${g.held}/${g.total} held\n`);
    held += g.held;
    total += g.total;
  }
  process.stdout.write(`all: ${held}/${total} held (${bin})\n`);
}

main();
