import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsKernels } from '../src/core/ts-kernels';
import { latestRun, newestWeights } from '../src/io/runs';
import { parseConfig } from '../src/io/config';
import { saveWeights, weightsDocument } from '../src/io/weights';
import { networkFromConfig } from '../src/net/from-config';

// The one finder of the newest run that `nnt eval` (latestRun) and `nnt serve` (newestWeights) share.
describe('newestWeights / latestRun', () => {
  const root = mkdtempSync(join(tmpdir(), 'nnt-runs-'));
  const config = parseConfig(JSON.stringify({ layers: [{ type: 'affine', units: 10 }] }), 'c.json');
  const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

  test('the newest weights file, skipping checkpoints, best files and .json files that are no weights', () => {
    expect(newestWeights(root)).toBeUndefined();
    expect(() => latestRun(root)).toThrow(/no weights given, and no runs under .*nnt-runs-.*\/ to take the latest of/);
    mkdirSync(join(root, 'a/deep'), { recursive: true });
    const old = join(root, 'a/deep/weights.json');
    saveWeights(old, weightsDocument(networkFromConfig(config, 784, 10, tsKernels, 't'), config, 784, 10, null));
    at(old, 1000);
    const newer = join(root, 'b.json');
    saveWeights(newer, weightsDocument(networkFromConfig(config, 784, 10, tsKernels, 't'), config, 784, 10, null));
    at(newer, 2000);
    for (const [name, time] of [['b.checkpoint.json', 3000], ['b.best.json', 3000], ['sweep.json', 4000]] as const) {
      writeFileSync(join(root, name), name === 'sweep.json' ? '{"rows": []}' : '{}');
      at(join(root, name), time);
    }
    expect(newestWeights(root)).toBe(newer);
    expect(latestRun(root)).toBe(newer);
    at(newer, 500);
    expect(newestWeights(root)).toBe(old);
  });
});
