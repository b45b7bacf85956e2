import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../src/cli/main';
import { describe as describeProgram } from '../src/cli/completion';
import { colorLevel, oneLineUsage } from '../src/cli/conventions';
import { plural } from '../src/cli/format';
import { progressReporter } from '../src/cli/progress';

// Terminal manners of the built command (bin/nnt → dist/): error format and exit codes,
// colour on a pseudo-terminal, --quiet and --json, shipped config names, eval's suggestions,
// shell completion.
const bin = join(__dirname, '../bin/nnt');
const dir = mkdtempSync(join(tmpdir(), 'nnt-manners-'));
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '', TERM: 'xterm-256color' };
delete env.FORCE_COLOR;
// A person's terminal, not a CI job's: with CI set, chalk's colour detection answers "none".
delete env.CI;

function nnt(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: options.cwd ?? dir, env: options.env ?? env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the command on a pseudo-terminal (util-linux `script`), so stdout is a TTY; returns what the terminal received. */
function onTerminal(args: string[], extraEnv: Record<string, string> = {}) {
  const command = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', cwd: dir, env: { ...env, ...extraEnv } });
  expect(r.status).toBe(0);
  return r.stdout;
}

const SGR = /\x1b\[[0-9;]*m/; // a colour or style code

describe('one error format and exit codes', () => {
  test('usage errors: one nnt: line on stderr, exit 2', () => {
    for (const args of [['train', '--epochs', '0'], ['trian'], ['train', '--bogus'], ['completion', 'tcsh'], ['eval', 'a', 'b'], ['train', '--out-dir', 'x']]) {
      const r = nnt(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^nnt: \S/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(nnt(['train', '--epochs', '0']).stderr).toBe("nnt: option '--epochs <n>' argument '0' is invalid: must be a positive integer (see nnt train --help)\n");
  });

  test('runtime failures exit 1; help and version exit 0 on stdout; bare nnt prints the help', () => {
    const missing = nnt(['gradcheck', '--config', 'missing.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^nnt: missing\.yaml: cannot read the config \(ENOENT\); not a shipped config either \(two-layer, /);
    const bare = nnt([]);
    expect(bare).toEqual({ code: 0, stdout: expect.stringMatching(/^Usage: nnt \[options\] \[command\][\s\S]*train/), stderr: '' });
    expect(nnt(['--help']).code).toBe(0);
    expect(nnt(['--version'])).toEqual({ code: 0, stdout: `${require('../package.json').version}\n`, stderr: '' });
  });

  test('the parser message becomes one line', () => {
    expect(oneLineUsage("error: unknown option '--x'\n(Did you mean --y?)\n", 'nnt train --help')).toBe("nnt: unknown option '--x' (Did you mean --y?) (see nnt train --help)");
  });
});

describe('colour: --no-color, NO_COLOR, FORCE_COLOR, on a terminal', () => {
  test('colour on a terminal unless NO_COLOR or --no-color; FORCE_COLOR wins over NO_COLOR', () => {
    expect(onTerminal(['explain', 'shopping'])).toMatch(SGR);
    expect(onTerminal(['explain', 'shopping'], { NO_COLOR: '1' })).not.toMatch(SGR);
    expect(onTerminal(['explain', 'shopping', '--no-color'])).not.toMatch(SGR);
    expect(onTerminal(['explain', 'shopping'], { FORCE_COLOR: '0' })).not.toMatch(SGR);
    expect(onTerminal(['explain', 'shopping'], { NO_COLOR: '1', FORCE_COLOR: '1' })).toMatch(SGR);
    expect(nnt(['explain', 'shopping'], { env: { ...env, FORCE_COLOR: '1' } }).stdout).toMatch(SGR); // forced into a pipe
    expect(nnt(['explain', 'shopping']).stdout).not.toMatch(SGR);
    expect(colorLevel(undefined, { NO_COLOR: '' }, 1)).toBe(1); // empty means unset (no-color.org)
  });

  test('train on a terminal: a progress bar whose first frame has every value filled in; no colour with NO_COLOR', () => {
    const out = onTerminal(['train', '--limit', '300', '--batch-size', '30', '--epochs', '2', '--out', 'tty/w.json']);
    const frames = out.split(/\x1b\[1G/).filter((f) => f.includes('ETA'));
    expect(frames.length).toBeGreaterThan(1);
    expect(frames[0]).toMatch(/ 0\/10 \| loss - \| acc - \| lr 0\.1 \| - samples\/s/);
    expect(out).not.toMatch(/\{[a-z_]+\}/); // no raw placeholder in any frame
    expect(out).toMatch(SGR);
    const plain = onTerminal(['train', '--limit', '300', '--batch-size', '30', '--epochs', '1', '--out', 'tty/w.json'], { NO_COLOR: '1' });
    expect(plain).toMatch(/ETA/);
    expect(plain).not.toMatch(SGR);
  }, 600_000);

  test('the first frame, in the reporter itself', () => {
    const written: string[] = [];
    const stream = Object.assign(Object.create(process.stdout), {
      isTTY: true,
      columns: 200,
      write: (s: string) => written.push(s) > 0,
      cursorTo: () => true,
      clearLine: () => true,
      clearScreenDown: () => true,
      moveCursor: () => true,
    });
    const reporter = progressReporter('bar', stream);
    reporter.batch!({ epoch: 1, epochs: 2, batch: 1, batches: 30, loss: 2.3, accuracy: 0.1, samplesPerSecond: 1000, learningRate: 0.05 });
    reporter.stop();
    const first = written.find((s) => s.includes('ETA'))!;
    expect(first).toContain('lr 0.05');
    expect(first).not.toMatch(/\{\w+\}/);
  });
});

describe('train: --quiet, plural forms, and --json for every command', () => {
  test('--quiet prints the epoch lines only; plural forms (the singular on the command line: below, a shipped config\'s run)', () => {
    const quiet = nnt(['train', '--limit', '100', '--batch-size', '50', '--epochs', '2', '--out', 'q/w.json', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout.trimEnd().split('\n').map((l) => l.slice(0, 9))).toEqual(['epoch 1/2', 'epoch 2/2']);
    expect(plural(2, 'batch')).toBe('2 batches');
    expect(plural(2, 'epoch')).toBe('2 epochs');
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
  });

  test('--json: one JSON value on stdout, nothing else, for each command', () => {
    const configs = join(__dirname, '../configs');
    const commands = [
      ['train', '--limit', '100', '--epochs', '1', '--out', 'j/w.json'],
      ['eval', 'j/w.json', '--limit', '50'],
      ['gradcheck', '--samples', '1', '--entries', '3'],
      ['data', '--samples', '1'],
      ['explain', 'affine'],
      ['explain'],
      ['explain', '--config', 'two-layer', '--sample', '1'],
      ['compare', join(configs, 'momentum.yaml'), 'adam', '--limit', '100', '--epochs', '1', '--out-dir', 'j/cmp'],
      ['check-layer', join(__dirname, '../data/layers/layers.js')],
      ['predict', 'j/w.json', '--index', '0'],
      ['train', '--sweep', 'training.learningRate=0.1,0.2', '--limit', '100', '--epochs', '1', '--out-dir', 'j/sweep'],
    ];
    // Every command with a --json flag is in this list (a command added later must join it).
    const withJson = describeProgram(buildProgram()).commands.filter((c) => c.flags.some((f) => f.long === '--json')).map((c) => c.name);
    expect(withJson.filter((name) => !commands.some((args) => args[0] === name))).toEqual([]);
    for (const args of commands) {
      const r = nnt([...args, '--json']);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(() => JSON.parse(r.stdout)).not.toThrow();
      expect(r.stdout.trim().startsWith('{') || r.stdout.trim().startsWith('[')).toBe(true);
    }
  }, 600_000);
});

describe('shipped config names and weights suggestions', () => {
  // Two runs of shipped configs, by name with and without the extension, from a folder that
  // is not the package's: the first test checks them, the second looks for their weights.
  const home = join(dir, 'project');
  let runs: { config: string; code: number | null; stdout: string; stderr: string }[];
  beforeAll(() => {
    mkdirSync(home);
    runs = ['two-layer.json', 'adam'].map((config) => ({ config, ...nnt(['train', '--config', config, '--limit', '100', '--batch-size', '100', '--epochs', '1'], { cwd: home }) }));
  }, 600_000);

  test('--config takes a shipped config by name, with or without extension, from any folder; one epoch of one batch in the singular', () => {
    const names = readdirSync(join(__dirname, '../configs')).filter((f) => /\.(json|ya?ml)$/.test(f) && !f.endsWith('.schema.json'));
    const help = nnt(['train', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('a path, or the name of a shipped config: two-layer, adam,');
    for (const name of names) expect(help).toContain(name.replace(/\.(json|ya?ml)$/, ''));
    for (const r of runs) expect({ config: r.config, code: r.code, stderr: r.stderr }).toEqual({ config: r.config, code: 0, stderr: '' });
    expect(runs[0].stdout).toContain('; 1 epoch of 1 batch\n');
    const yaml = nnt(['gradcheck', '--config', 'adam.yaml', '--samples', '1', '--entries', '2']);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^gradient check of adam\.yaml/);
    // A file in the folder comes first: a local two-layer.json that is broken is reported, not replaced.
    const local = join(dir, 'local');
    mkdirSync(local);
    writeFileSync(join(local, 'two-layer.json'), '{"layers": 3}');
    expect(nnt(['gradcheck', '--config', 'two-layer.json'], { cwd: local }).stderr).toMatch(/^nnt: two-layer\.json: layers /);
  }, 600_000);

  test('eval: a missing file names the nearest runs; no argument takes the most recent run and says so', () => {
    const empty = join(dir, 'no-runs');
    mkdirSync(empty);
    const none = nnt(['eval'], { cwd: empty });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^nnt: no weights given, and no runs under runs\/ /);
    expect(runs.map((r) => r.code)).toEqual([0, 0]); // the runs of two-layer and adam, made above
    utimesSync(join(home, 'runs/two-layer/weights.json'), new Date(), new Date(Date.now() - 60_000)); // adam is the newer
    const guess = nnt(['eval', 'weights.json'], { cwd: home });
    expect(guess.code).toBe(1);
    expect(guess.stderr).toBe('nnt: weights.json: no such weights file; did you mean one of runs/adam/weights.json, runs/two-layer/weights.json?\n');
    expect(nnt(['eval', 'runs/two-layer/weight.json'], { cwd: home }).stderr).toMatch(/did you mean runs\/two-layer\/weights\.json\?$/m);
    const latest = nnt(['eval', '--limit', '50'], { cwd: home });
    expect(latest.code).toBe(0);
    expect(latest.stdout).toMatch(/^evaluating the most recent run: runs\/adam\/weights\.json\nweights\.json: 50 test samples/);
    expect(JSON.parse(nnt(['eval', '--limit', '50', '--json'], { cwd: home }).stdout).weights).toBe('runs/adam/weights.json');
  }, 600_000);
});

describe('nnt completion', () => {
  const spec = describeProgram(buildProgram());

  test('bash: completes commands, each command\'s flags, and shipped config names', () => {
    const script = join(dir, 'nnt.bash');
    writeFileSync(script, nnt(['completion', 'bash']).stdout);
    const complete = (...words: string[]) => {
      const line = `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _nnt; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync('bash', ['-c', line], { encoding: 'utf8', cwd: dir });
      expect(r.stderr).toBe('');
      return r.stdout.trim().split('\n');
    };
    expect(complete('nnt', '')).toEqual(expect.arrayContaining(spec.commands.map((c) => c.name)));
    expect(complete('nnt', 'gr')).toEqual(['gradcheck']);
    for (const c of spec.commands) expect(complete('nnt', c.name, '--')).toEqual(expect.arrayContaining(c.flags.map((f) => f.long)));
    expect(complete('nnt', 'train', '--ep')).toEqual(['--epochs']);
    expect(complete('nnt', 'train', '--config', 'two')).toEqual(expect.arrayContaining(['two-layer', 'two-layer-sigmoid']));
    expect(complete('nnt', 'train', '--backend', '')).toEqual(['auto', 'wasm', 'native', 'ts']);
    expect(complete('nnt', 'completion', 'z')).toEqual(['zsh']);
    expect(complete('nnt', 'train', '--epochs', '')).toEqual(['']); // a number: no file names offered
    expect(complete('nnt', 'train', '--out', 'nnt.b')).toEqual(['nnt.bash']); // a file: file names
  });

  test('zsh and fish: every command and flag, from the program', () => {
    const zsh = nnt(['completion', 'zsh']).stdout;
    const fish = nnt(['completion', 'fish']).stdout;
    expect(zsh).toMatch(/^#compdef nnt\n/);
    expect(spec.configs).toContain('two-layer');
    for (const c of spec.commands) {
      expect(zsh).toContain(`'${c.name}:`);
      expect(fish).toContain(`-a ${c.name} `);
      for (const f of c.flags) {
        expect(zsh).toContain(f.long);
        expect(fish).toContain(`__fish_seen_subcommand_from ${c.name}" -l ${f.long.slice(2)}`);
      }
    }
    expect(fish).toContain(`-l config -s c -r -F -a '${spec.configs.join(' ')}'`);
    expect(fish).toContain(`__fish_seen_subcommand_from train" -l epochs -x -d`);
    expect(zsh).toContain(`'--epochs[number of epochs]:value: '`);
    expect(zsh).toContain(`:config:{compadd -- ${spec.configs.join(' ')}; _files}'`);
  });
});
