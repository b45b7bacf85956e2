/**
 * `npm run bench`: runs every bench/*.bench.ts in a process of its own (so each one's peak
 * memory is its own) and prints what they print. `npm run bench -- data` runs only the files
 * whose name contains "data". Figures are printed, never asserted.
 *
 * This file runs compiled, from dist-bench/bench (scripts/build-bench.js), and starts each
 * bench's compiled .js with plain node: no TypeScript compiler in the process, so times and
 * memory are those of the code the CLI runs.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';

const filter = process.argv[2] ?? '';
const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.js') && f.includes(filter)).sort();
console.log(`nnt benchmarks — ${new Date().toISOString()} — node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores`);
if (files.length === 0) console.error(`no compiled bench in ${__dirname} matches "${filter}" (run through npm run bench)`);
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.js', '')}`);
  const result = spawnSync(process.execPath, [join(__dirname, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed || files.length === 0 ? 1 : 0;
