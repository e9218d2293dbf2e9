/** Shell completion scripts and man pages made from the commander definitions, so they never drift from the CLI. */
import type { Command, Option } from 'commander';

interface Cmd {
  path: string[];
  description: string;
  options: readonly Option[];
  usage: string;
}

/** Every command with its sub-commands (`key list`…), depth first. */
function commands(program: Command): Cmd[] {
  const out: Cmd[] = [];
  const walk = (cmd: Command, path: string[]): void => {
    for (const sub of cmd.commands) {
      const p = [...path, sub.name()];
      out.push({
        path: p,
        description: sub.description().split('\n')[0] ?? '',
        options: sub.options,
        usage: sub.usage(),
      });
      walk(sub, p);
    }
  };
  walk(program, []);
  return out;
}

const flagsOf = (options: readonly Option[]): string[] =>
  options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** bash: the sub-command, then its flags and the global ones; anything else completes file names. */
export function bashCompletion(program: Command): string {
  const name = program.name();
  const fn = `_${name.replace(/\W/g, '_')}`;
  const global = flagsOf(program.options).join(' ');
  const cmds = commands(program);
  const cases = cmds.map((c) => {
    const subs = cmds.filter((d) => d.path.slice(0, -1).join(' ') === c.path.join(' '));
    const words = [...subs.map((s) => s.path.at(-1)), ...flagsOf(c.options)].join(' ');
    return `    ${quote(c.path.join(' '))}) words=${quote(`${words} ${global}`)} ;;`;
  });
  const top = cmds
    .filter((c) => c.path.length === 1)
    .map((c) => c.path[0])
    .join(' ');
  return `# bash completion for ${name} (made by "${name} generate --bash-completion")
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} path="" words i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    [[ $w == -* ]] && continue
    case "\${path:+$path }$w" in
${cmds.map((c) => `      ${quote(c.path.join(' '))}) path="\${path:+$path }$w" ;;`).join('\n')}
    esac
  done
  case $path in
    '') words=${quote(`${top} ${global}`)} ;;
${cases.join('\n')}
  esac
  if [[ $cur == -* || -z $cur && $path == '' ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F ${fn} ${name}
`;
}

/** zsh: the bash function through zsh's bashcompinit. */
export function zshCompletion(program: Command): string {
  return `#compdef ${program.name()}\nautoload -U +X bashcompinit && bashcompinit\n${bashCompletion(program)}`;
}

/** fish: sub-commands with their descriptions, then each command's flags. */
export function fishCompletion(program: Command): string {
  const name = program.name();
  const lines = [`# fish completion for ${name} (made by "${name} generate --fish-completion")`];
  const optionLine = (o: Option, condition: string): string => {
    const parts = [`complete -c ${name}`];
    if (condition !== '') parts.push(`-n ${quote(condition)}`);
    if (o.short !== undefined) parts.push(`-s ${o.short.slice(1)}`);
    if (o.long !== undefined) parts.push(`-l ${o.long.slice(2)}`);
    if (o.required || o.optional) parts.push('-r');
    parts.push(`-d ${quote(o.description)}`);
    return parts.join(' ');
  };
  for (const o of program.options) lines.push(optionLine(o, ''));
  for (const c of commands(program)) {
    const parent = c.path.slice(0, -1);
    const cond =
      parent.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${parent.join(' ')}`;
    lines.push(`complete -c ${name} -f -n ${quote(cond)} -a ${c.path.at(-1)} -d ${quote(c.description)}`);
    for (const o of c.options) lines.push(optionLine(o, `__fish_seen_subcommand_from ${c.path.at(-1)}`));
  }
  return `${lines.join('\n')}\n`;
}

const roff = (s: string): string =>
  s
    .replace(/\\/g, '\\e')
    .replace(/^([.'])/gm, '\\&$1')
    .replace(/-/g, '\\-');

/** One man page (section 1) per command, plus one for the program: file name → text. */
export function manPages(program: Command, date: string): Map<string, string> {
  const name = program.name();
  const pages = new Map<string, string>();
  const page = (
    title: string,
    summary: string,
    synopsis: string,
    options: readonly Option[],
    body: string,
  ): string =>
    [
      `.TH ${roff(title.toUpperCase())} 1 "${date}" "${name}" "${name} manual"`,
      '.SH NAME',
      `${roff(title)} \\- ${roff(summary)}`,
      '.SH SYNOPSIS',
      `.B ${roff(synopsis)}`,
      '.SH DESCRIPTION',
      roff(body),
      ...(options.length > 0 ? ['.SH OPTIONS'] : []),
      ...options.flatMap((o) => ['.TP', `.B ${roff(o.flags)}`, roff(o.description)]),
      '',
    ].join('\n');
  pages.set(
    `${name}.1`,
    page(name, program.description(), `${name} [options] command`, program.options, program.description()),
  );
  for (const c of commands(program)) {
    const title = [name, ...c.path].join('-');
    pages.set(
      `${title}.1`,
      page(title, c.description, `${[name, ...c.path].join(' ')} ${c.usage}`, c.options, c.description),
    );
  }
  return pages;
}
