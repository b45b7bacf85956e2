// The fault battery of issue 12 on the built command (jest's globalSetup rebuilds dist/ when
// the sources are newer): each case lists what went wrong, and holds when the list is empty.
// `node scripts/fault-battery.js [bin]` runs the same cases against any install and counts them.
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cases, context } = require('./fault-cases') as {
  cases: { group: string; name: string; run: (c: unknown) => string[] | Promise<string[]> }[];
  context: (bin: string) => unknown;
};
const bin = join(__dirname, '../bin/nnt');

describe.each(['writes', 'kept', 'bounds', 'validation'])('fault battery: %s', (group) => {
  test.each(cases.filter((c) => c.group === group).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await c.run(context(bin))).toEqual([]);
  }, 600_000);
});
