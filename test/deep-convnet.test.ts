import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsKernels } from '../src/core/ts-kernels';
import { loadConfig } from '../src/io/config';
import { networkFromConfig } from '../src/net/from-config';

// configs/deep-convnet.yaml, the book's DeepConvNet: it builds with the book's shapes, its
// gradients check, and a few hundred samples show it learning. No full run here (too slow for
// the suite); the README says its accuracy is unmeasured.
const bin = join(__dirname, '../bin/nnt');
const dir = mkdtempSync(join(tmpdir(), 'nnt-deep-convnet-'));
const config = join(__dirname, '../configs/deep-convnet.yaml');

function nnt(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('configs/deep-convnet.yaml', () => {
  test('builds: six 3×3 convs (16, 16, 32, 32, 64, 64), three pools, 64×4×4 = 1024 features into affine1', () => {
    const net = networkFromConfig(loadConfig(config), 784, 10, tsKernels, 'deep-convnet.yaml');
    expect(net.params().map((p) => `${p.name} ${p.shape.join('×')}`)).toEqual([
      'conv1.W 16×1×3×3', 'conv1.b 16', 'conv2.W 16×16×3×3', 'conv2.b 16', 'conv3.W 32×16×3×3', 'conv3.b 32',
      'conv4.W 32×32×3×3', 'conv4.b 32', 'conv5.W 64×32×3×3', 'conv5.b 64', 'conv6.W 64×64×3×3', 'conv6.b 64',
      'affine1.W 1024×50', 'affine1.b 50', 'affine2.W 50×10', 'affine2.b 10',
    ]);
  });

  test('nnt gradcheck passes on a sample of entries of every parameter', () => {
    const r = nnt('gradcheck', '-c', config, '--samples', '1', '--entries', '8', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.passed).toBe(true);
    const rows: { name: string; checked: number; passed: boolean }[] = result.rows;
    expect(rows).toHaveLength(16);
    for (const row of rows) expect({ name: row.name, passed: row.passed }).toEqual({ name: row.name, passed: true });
    // Every weight has entries actually checked (zero biases may all sit on ReLU kinks, as in simple-convnet).
    for (const row of rows.filter((x) => x.name.endsWith('.W'))) expect({ name: row.name, checked: row.checked > 0 }).toEqual({ name: row.name, checked: true });
  }, 600_000);

  test('learns on 400 samples in 3 epochs: the train loss falls, test accuracy above chance', () => {
    const r = nnt('train', '-c', config, '--limit', '400', '--epochs', '3', '--out', join(dir, 'w.json'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const epochs = JSON.parse(r.stdout).epochs;
    expect(epochs).toHaveLength(3);
    expect(epochs[2].trainLoss).toBeLessThan(epochs[0].trainLoss);
    expect(epochs[2].evalAccuracy).toBeGreaterThan(0.2);
  }, 600_000);
});
