import chalk from 'chalk';
import { Command, CommanderError } from 'commander';

/**
 * The manners every command shares, applied to the whole program once its commands are all
 * defined (so a command added later gets them too):
 *   - one error format: `nnt: <message>` on one line of stderr, for the parser's usage errors
 *     as for everything else; NNT_DEBUG=1 adds the stack trace;
 *   - exit codes: 0 success, 1 a runtime failure (bad file, failed check), 2 a usage error
 *     (unknown command or flag, bad flag value, missing argument), 130 Ctrl-C, 143 SIGTERM;
 *   - colour: `--no-color`, NO_COLOR and FORCE_COLOR (see `colorLevel`).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

export function applyConventions(program: Command): Command {
  program.option('--no-color', 'no colours (also: NO_COLOR=1; FORCE_COLOR=1 forces them)');
  program.hook('preAction', () => {
    chalk.level = colorLevel(program.opts().color, process.env, chalk.level);
  });
  for (const command of allCommands(program)) {
    command.exitOverride();
    command.showHelpAfterError(false);
    const help = command === program ? 'nnt --help' : `nnt ${command.name()} --help`;
    command.configureOutput({ outputError: (text, write) => write(`${oneLineUsage(text, help)}\n`) });
  }
  return program;
}

/** The program and its commands, depth first. */
export function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap((c) => allCommands(c as Command))];
}

/** commander's `error: option '--epochs <n>' argument '0' is invalid. ...` as nnt's one line. */
export function oneLineUsage(text: string, help: string): string {
  const message = text
    .replace(/^error:\s*/i, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/ is invalid\. /, ' is invalid: ')
    .trim()
    .replace(/\.$/, '');
  return `nnt: ${message} (see ${help})`;
}

/**
 * The colour level for chalk: `--no-color` wins; then FORCE_COLOR (chalk already read it into
 * `detected`, as 0 for FORCE_COLOR=0 and 1-3 otherwise); then NO_COLOR, when set and not empty
 * (https://no-color.org: chalk 4 does not read it); then what chalk detected (a terminal or not).
 */
export function colorLevel(flag: boolean | undefined, env: NodeJS.ProcessEnv, detected: number): 0 | 1 | 2 | 3 {
  if (flag === false) return 0;
  if (env.FORCE_COLOR !== undefined) return detected as 0 | 1 | 2 | 3;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  return detected as 0 | 1 | 2 | 3;
}

/** The exit code and message of anything an action threw (or the parser reported). */
export function handleError(error: unknown): void {
  if (error instanceof CommanderError) {
    // The message, help or version is already printed (as one line, for errors).
    const done = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0;
    process.exitCode = done ? EXIT.ok : EXIT.usage;
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`nnt: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  if (process.env.NNT_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = (error as { exitCode?: number }).exitCode ?? EXIT.failure;
}
