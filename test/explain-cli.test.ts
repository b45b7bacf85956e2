import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The built command, as a user runs it. dist/ must exist: `npm ci` builds it through the
 * `prepare` script (CI); locally run `npm run build` before jest.
 */
const root = path.join(__dirname, '..');

function nnt(...args: string[]) {
  if (!fs.existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const result = spawnSync(process.execPath, [path.join(root, 'bin/nnt'), ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('nnt explain (the built CLI)', () => {
  test('shopping --json: 715 forward; 2.2, 110, 3.3, 165, 650 backward', () => {
    const { status, stdout } = nnt('explain', 'shopping', '--json');
    expect(status).toBe(0);
    const trace = JSON.parse(stdout);
    expect(trace.topic).toBe('shopping');
    expect(trace.outputValue).toBeCloseTo(715, 10);
    const gradient = (name: string) => trace.variables.find((v: { name: string }) => v.name === name).gradient;
    expect(['apple', 'apple_num', 'orange', 'orange_num', 'tax'].map(gradient).map((g: number) => Number(g.toPrecision(12)))).toEqual([2.2, 110, 3.3, 165, 650]);
    expect(stdout).not.toMatch(/\u001b\[/);
  });

  test('--apples 4 changes the total to 935', () => {
    const { status, stdout } = nnt('explain', 'shopping', '--apples', '4', '--json');
    expect(status).toBe(0);
    expect(JSON.parse(stdout).outputValue).toBeCloseTo(935, 10);
  });

  test('an unknown topic: one line on stderr, exit 2 (a usage error)', () => {
    const { status, stdout, stderr } = nnt('explain', 'chainrule');
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("nnt: unknown explain topic 'chainrule' (known: shopping, affine, softmax-loss, relu, sigmoid, loss, sigmoid-graph, train-step, conv, pool)\n");
  });

  test('no topic lists the topics', () => {
    const { status, stdout } = nnt('explain');
    expect(status).toBe(0);
    for (const topic of ['shopping', 'affine', 'softmax-loss', 'relu', 'sigmoid']) expect(stdout).toMatch(new RegExp(`^  ${topic} `, 'm'));
  });
});
