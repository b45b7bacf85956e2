/**
 * `npm run bench`: runs every bench/*.bench.ts in a process of its own (so each one's peak
 * memory is its own) and prints what they print. `npm run bench -- data` runs only the files
 * whose name contains "data". Figures are printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';

const filter = process.argv[2] ?? '';
const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
console.log(`nnt benchmarks — ${new Date().toISOString()} — node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores`);
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.ts', '')}`);
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
