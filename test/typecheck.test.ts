import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Jest transpiles each file on its own (tsconfig.jest.json), without checking types: this is
// where they are checked, once, over src, test, bench and scripts. Incrementally: tsc keeps what
// it learnt in node_modules/.cache (its own format, rechecking what changed and reporting a
// file's errors again until they are fixed), so a second `npm test` checks in ~6 CPU-seconds
// instead of ~16.
test('the sources, tests and benches type-check (tsc --noEmit)', () => {
  const root = join(__dirname, '..');
  const info = join(root, 'node_modules', '.cache', 'nnt', 'typecheck.tsbuildinfo');
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '--incremental', '--tsBuildInfoFile', info, '-p', join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
});
