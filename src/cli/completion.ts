import type { Command, Option } from 'commander';
import { UsageError } from '../errors';
import { shippedConfigNames } from '../io/shipped-configs';

/**
 * `nnt completion bash|zsh|fish`: a completion script for the shell, made from the program's
 * own commands and flags (so it cannot fall behind them) and the shipped configs' names.
 * Flags that take a file complete file names; --config also offers the shipped names.
 */
export function run(shell: string, program: Command): void {
  const spec = describe(program);
  const script = shell === 'bash' ? bash(spec) : shell === 'zsh' ? zsh(spec) : shell === 'fish' ? fish(spec) : undefined;
  if (script === undefined) throw new UsageError(`completion: unknown shell '${shell}' (bash, zsh or fish)`);
  process.stdout.write(script);
}

interface Flag {
  long: string;
  short?: string;
  help: string;
  /** Takes a value; `choices` when the value is one of a list; `file` when it names a file or folder. */
  takesValue: boolean;
  choices?: string[];
  file?: boolean;
}

interface CommandSpec {
  name: string;
  help: string;
  flags: Flag[];
  /** Values of the first argument when it is one of a list (completion's shells). */
  argChoices?: string[];
}

export interface ProgramSpec {
  commands: CommandSpec[];
  globalFlags: Flag[];
  configs: string[];
}

export function describe(program: Command): ProgramSpec {
  const flags = (c: Command): Flag[] => [
    ...(c.options as readonly Option[]).filter((o) => o.long && !o.hidden).map(flag),
    { long: '--help', short: '-h', help: 'display help', takesValue: false },
  ];
  return {
    commands: (program.commands as Command[]).map((c) => ({
      name: c.name(),
      help: c.description(),
      flags: flags(c),
      argChoices: (c.registeredArguments[0] as { argChoices?: string[] } | undefined)?.argChoices,
    })),
    globalFlags: flags(program),
    configs: shippedConfigNames(),
  };
}

function flag(o: Option): Flag {
  const file = /[<[](file|dir|checkpoint|weights)[\]>]/.test(o.flags);
  return { long: o.long!, short: o.short, help: o.description, takesValue: o.required || o.optional, choices: o.argChoices, file };
}

const CONFIG_FLAG = '--config';

function bash(spec: ProgramSpec): string {
  const commands = spec.commands.map((c) => c.name).join(' ');
  const cases = spec.commands
    .map((c) => {
      const names = [...c.flags, ...spec.globalFlags].flatMap((f) => [f.long, ...(f.short ? [f.short] : [])]);
      const valued = c.flags.filter((f) => f.takesValue);
      const values = valued.map((f) => {
        const pattern = [f.long, ...(f.short ? [f.short] : [])].join('|');
        const files = f.file ? ' $(compgen -f -- "$cur")' : '';
        const words = f.choices?.join(' ') ?? (f.long === CONFIG_FLAG ? spec.configs.join(' ') : '');
        return `        ${pattern}) COMPREPLY=($(compgen -W "${words}" -- "$cur")${files}); return ;;`;
      });
      const args = c.argChoices ? `compgen -W "${c.argChoices.join(' ')}" -- "$cur"` : c.name === 'compare' ? `compgen -W "${spec.configs.join(' ')}" -- "$cur"; compgen -f -- "$cur"` : 'compgen -f -- "$cur"';
      return [
        `    ${c.name})`,
        `      case "$prev" in`,
        ...values,
        `      esac`,
        `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${names.join(' ')}" -- "$cur")); else COMPREPLY=($(${args})); fi`,
        `      ;;`,
      ].join('\n');
    })
    .join('\n');
  const globals = spec.globalFlags.flatMap((f) => [f.long, ...(f.short ? [f.short] : [])]).join(' ');
  return `# nnt completion for bash: eval "$(nnt completion bash)" (e.g. in ~/.bashrc)
_nnt() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${commands} ${globals}" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
  esac
}
complete -o filenames -F _nnt nnt
`;
}

/** Text for a zsh or fish description: one line, no quotes that would end the string. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/["'`$\\[\]:]/g, '');
}

function zsh(spec: ProgramSpec): string {
  const flagSpec = (f: Flag, configs: string[]) => {
    const names = f.short ? `{${f.short},${f.long}}` : f.long;
    const value = !f.takesValue
      ? ''
      : f.choices
        ? `:value:(${f.choices.join(' ')})`
        : f.long === CONFIG_FLAG
          ? `:config:{compadd -- ${configs.join(' ')}; _files}`
          : f.file
            ? ':file:_files'
            : ':value: ';
    return `'${names}[${oneLine(f.help)}]${value}'`;
  };
  const cases = spec.commands
    .map((c) => {
      const arg = c.argChoices ? `'1:shell:(${c.argChoices.join(' ')})'` : c.name === 'compare' ? `'*:config:(${spec.configs.join(' ')})' '*:file:_files'` : `'*:file:_files'`;
      return `    ${c.name}) _arguments ${[...c.flags, ...spec.globalFlags].map((f) => flagSpec(f, spec.configs)).join(' ')} ${arg} ;;`;
    })
    .join('\n');
  const described = spec.commands.map((c) => `'${c.name}:${oneLine(c.help)}'`).join(' ');
  return `#compdef nnt
# nnt completion for zsh: eval "$(nnt completion zsh)" (after compinit), or save as _nnt on $fpath
_nnt() {
  local -a commands
  commands=(${described})
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd=\${words[2]}
  (( CURRENT-- )); shift words
  case $cmd in
${cases}
  esac
}
compdef _nnt nnt
`;
}

function fish(spec: ProgramSpec): string {
  const names = spec.commands.map((c) => c.name).join(' ');
  const lines = [
    '# nnt completion for fish: nnt completion fish > ~/.config/fish/completions/nnt.fish',
    'complete -c nnt -f',
    ...spec.commands.map((c) => `complete -c nnt -n "not __fish_seen_subcommand_from ${names}" -a ${c.name} -d '${oneLine(c.help)}'`),
  ];
  for (const c of spec.commands) {
    const when = `-n "__fish_seen_subcommand_from ${c.name}"`;
    if (c.argChoices) lines.push(`complete -c nnt ${when} -a '${c.argChoices.join(' ')}'`);
    else if (c.name === 'compare') lines.push(`complete -c nnt ${when} -F -a '${spec.configs.join(' ')}'`);
    else lines.push(`complete -c nnt ${when} -F`);
    for (const f of c.flags) {
      const short = f.short ? ` -s ${f.short.slice(1)}` : '';
      const value = !f.takesValue ? '' : f.choices ? ` -x -a '${f.choices.join(' ')}'` : f.long === CONFIG_FLAG ? ` -r -F -a '${spec.configs.join(' ')}'` : f.file ? ' -r -F' : ' -x';
      lines.push(`complete -c nnt ${when} -l ${f.long.slice(2)}${short}${value} -d '${oneLine(f.help)}'`);
    }
  }
  for (const f of spec.globalFlags) lines.push(`complete -c nnt -l ${f.long.slice(2)}${f.short ? ` -s ${f.short.slice(1)}` : ''} -d '${oneLine(f.help)}'`);
  return `${lines.join('\n')}\n`;
}
