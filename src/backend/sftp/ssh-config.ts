/**
 * The part of OpenSSH's client configuration (`~/.ssh/config`) that restic users rely on through `ssh`: for the
 * `Host` blocks that match the host of an `sftp:` URL, `HostName`, `User`, `Port` and `IdentityFile`, with OpenSSH's
 * rules: keywords in any case, `Key value` or `Key=value`, the first value obtained wins (identity files add up),
 * `!pattern` excludes, `*` and `?` are wildcards. `Match` blocks cannot be evaluated here and are skipped; `Include`
 * is not followed.
 */
import path from 'node:path';

export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  /** As written (tokens and `~` not yet expanded: see expandIdentityFile). */
  identityFiles: string[];
}

/** OpenSSH's `match_pattern`: `*` any run, `?` one character, the rest literal (case-insensitive for hosts). */
function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(text);
}

/** A `Host` line's patterns against `host`: one positive match and no negated one. */
export function hostLineMatches(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), host)) return false;
    } else if (globMatch(p, host)) matched = true;
  }
  return matched;
}

/** Splits a line into words as OpenSSH's argv_split does for config lines: double quotes group, `=` after the key. */
function words(line: string): string[] {
  const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(line);
  if (!m) return [];
  const out = [m[1]!];
  const re = /"([^"]*)"|(\S+)/g;
  for (const w of m[2]!.matchAll(re)) out.push(w[1] ?? w[2]!);
  return out;
}

/** The settings `~/.ssh/config` text gives `host` (the name as written in the URL). */
export function sshConfigFor(text: string, host: string): SshHostConfig {
  const out: SshHostConfig = { identityFiles: [] };
  let active = true; // lines before the first Host/Match apply to every host
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const [keyword, ...args] = words(line);
    if (keyword === undefined) continue;
    const key = keyword.toLowerCase();
    if (key === 'host') {
      active = hostLineMatches(args, host);
      continue;
    }
    if (key === 'match') {
      active = args.length === 1 && args[0]!.toLowerCase() === 'all';
      continue;
    }
    if (!active || args.length === 0) continue;
    const value = args[0]!;
    if (key === 'hostname') out.hostName ??= value;
    else if (key === 'user') out.user ??= value;
    else if (key === 'port' && out.port === undefined) {
      const port = Number(value);
      if (Number.isInteger(port) && port >= 1 && port <= 65535) out.port = port;
    } else if (key === 'identityfile') out.identityFiles.push(value);
  }
  if (out.hostName !== undefined) out.hostName = out.hostName.replace(/%h/g, host).replace(/%%/g, '%');
  return out;
}

/** OpenSSH's tokens in `IdentityFile`: `~`, `%d` home, `%u` local user, `%h` host, `%r` remote user, `%%`. */
export function expandIdentityFile(
  file: string,
  t: { home: string | undefined; localUser: string | undefined; host: string; user: string },
): string | undefined {
  if ((file.startsWith('~') || file.includes('%d')) && !t.home) return undefined;
  let out = file.startsWith('~/') || file === '~' ? `${t.home}${file.slice(1)}` : file;
  out = out.replace(/%([%dhru])/g, (_, c: string) =>
    c === '%' ? '%' : c === 'd' ? t.home! : c === 'h' ? t.host : c === 'r' ? t.user : (t.localUser ?? ''),
  );
  return path.resolve(out);
}
