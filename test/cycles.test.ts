import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// src/ stays a tree of imports: no file (nor folder) that imports, through others, itself.
test('no import cycles among the files and folders of src/ (scripts/check-cycles.js)', () => {
  const r = spawnSync(process.execPath, [join(__dirname, '../scripts/check-cycles.js')], { encoding: 'utf8' });
  expect(r.stdout).toMatch(/^0 import cycles in src\/$/m);
  expect(r.stdout).toMatch(/^0 loops between two folders of src\/$/m);
  expect(r.status).toBe(0);
});
