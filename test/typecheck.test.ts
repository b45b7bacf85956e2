import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Jest transpiles each file on its own (tsconfig.jest.json), without checking types: this is
// where they are checked, once, over src, test, bench and scripts.
test('the sources, tests and benches type-check (tsc --noEmit)', () => {
  const root = join(__dirname, '..');
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
});
