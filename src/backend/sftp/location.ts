import path from 'node:path';
import { z } from 'zod';
import { CairnError, splitCommandLine } from '../../core/index.js';
import { checkOptions, intOption } from '../options.js';
import { expandIdentityFile, sshConfigFor } from './ssh-config.js';

export type Env = Record<string, string | undefined>;

export const DEFAULT_CONNECTIONS = 5;
/** OpenSSH allows 10 sessions (channels) per connection by default (MaxSessions). */
const MAX_CONNECTIONS = 10;
export const CONNECT_TIMEOUT_MS = 10_000;
/** Key files tried, in this order, when neither -o sftp.key nor an agent decides (OpenSSH's order). */
export const DEFAULT_KEY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'] as const;

/** Everything the SFTP backend needs, decided from the URL, the `-o sftp.*` options and the environment. */
export const sftpConfigSchema = z.object({
  user: z.string().min(1),
  /** Host name or IP address, without IPv6 brackets. */
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** The repository folder: absolute (`/srv/repo`), or relative to the login directory (`repo`, `.`). */
  path: z.string().min(1),
  /** Private key files to offer, in order: `-o sftp.key`, else the default ones under `$HOME/.ssh`. */
  keyFiles: z.array(z.string().min(1)),
  /** Whether the key files are the user's explicit choice (a missing or unusable one is then an error). */
  explicitKey: z.boolean(),
  agentSocket: z.string().min(1).optional(),
  knownHostsFile: z.string().min(1),
  /** SFTP channels opened over the one SSH connection. */
  connections: z.number().int().min(1).max(MAX_CONNECTIONS),
  connectTimeoutMs: z.number().int().min(1),
  /** restic's `-o sftp.command`: run this (no shell) and speak SFTP on its pipes; host, user and keys are its own. */
  command: z.array(z.string()).min(1).optional(),
  /** The repository URL as shown in messages. */
  location: z.string(),
});

export type SftpConfig = z.infer<typeof sftpConfigSchema>;

/** The `-o` keys this backend understands. */
export const SFTP_OPTIONS = ['sftp.key', 'sftp.known-hosts', 'sftp.connections', 'sftp.command'] as const;

interface Parsed {
  user: string | undefined;
  host: string;
  port: number;
  /** Whether the URL names the port (it then beats ~/.ssh/config's). */
  portGiven?: boolean;
  path: string;
}

function invalid(message: string): CairnError {
  return new CairnError('invalid-argument', message);
}

function decode(part: string, url: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`The SFTP URL ${url} has a broken %-escape.`);
  }
}

/** `host`, `[v6]` → host without brackets, or an error. */
function parseHost(raw: string, url: string): string {
  const v6 = /^\[([0-9a-fA-F:.]+(?:%[\w.-]+)?)\]$/.exec(raw);
  if (v6) return v6[1]!.toLowerCase();
  if (!/^[A-Za-z0-9._-]+$/.test(raw)) {
    throw invalid(
      `The SFTP URL ${url} has no valid host; expected sftp:user@host:/path or sftp://user@host:port//path.`,
    );
  }
  return raw.toLowerCase();
}

function parseUser(raw: string | undefined, url: string): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.includes(':')) {
    throw invalid('Passwords do not belong in an sftp: URL; Cairn authenticates with SSH keys or ssh-agent.');
  }
  if (raw === '') throw invalid(`The SFTP URL ${url} has an empty user name before "@".`);
  return raw;
}

/** restic's `sftp://user@host[:port]/path`: one slash after the host starts a relative path, two an absolute one. */
function splitSlashForm(url: string): Parsed {
  const rest = url.slice('sftp://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0)
    throw invalid(`The SFTP URL ${url} names no folder; expected sftp://user@host[:port]//abs/path.`);
  const authority = rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  const user = parseUser(at < 0 ? undefined : decode(authority.slice(0, at), url), url);
  const hostPort = authority.slice(at + 1);
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  if (!m) throw invalid(`The SFTP URL ${url} has no valid host and port.`);
  const port = m[2] === undefined || m[2] === '' ? 22 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(`The port in ${url} must be 1 to 65535.`);
  const portGiven = m[2] !== undefined && m[2] !== '';
  return { user, host: parseHost(m[1]!, url), port, portGiven, path: decode(rest.slice(slash + 1), url) };
}

/** restic's scp-like `sftp:[user@]host:path` (no port: that needs the `sftp://` form). */
function splitColonForm(url: string): Parsed {
  const rest = url.slice('sftp:'.length);
  // The user may itself contain "@" (restic keeps all but the last one); the host may be a bracketed IPv6 address.
  const m = /^(?:(.*)@)?(\[[^\]]*\]|[^:@[\]/]*):(.*)$/s.exec(rest);
  if (!m) throw invalid(`The SFTP URL ${url} has no "host:path" part; expected sftp:user@host:/path.`);
  return { user: parseUser(m[1], url), host: parseHost(m[2]!, url), port: 22, path: m[3]! };
}

/** restic's path.Clean, plus `~/x` meaning `x` in the login directory (SFTP servers do not expand `~`). */
function cleanPath(raw: string, url: string): string {
  let p = raw;
  if (p === '~' || p.startsWith('~/')) p = p.slice(2);
  else if (p.startsWith('~'))
    throw invalid(`The SFTP path in ${url} cannot start with "~user"; give the full path.`);
  if (p.includes('\0')) throw invalid(`The SFTP path in ${url} contains a NUL character.`);
  const cleaned = path.posix.normalize(p === '' ? '.' : p);
  return cleaned.length > 1 ? cleaned.replace(/\/+$/, '') : cleaned;
}

/** Rejects `-o` keys this backend does not know, in one sentence that lists the known ones. */
export function checkSftpOptions(options: Record<string, string>): void {
  checkOptions(options, SFTP_OPTIONS, 'sftp.', 'an SFTP repository');
}

/** `~/x` in an option value means `$HOME/x`. */
function expandHome(file: string, home: string | undefined, key: string): string {
  if (file !== '~' && !file.startsWith('~/')) return path.resolve(file);
  if (!home) throw invalid(`-o ${key}=${file} starts with "~" but HOME is not set.`);
  return path.join(home, file.slice(1));
}

function formatLocation(p: Parsed & { user: string }): string {
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  if (p.port !== 22) return `sftp://${p.user}@${host}:${p.port}/${p.path}`;
  return `sftp:${p.user}@${host}:${p.path}`;
}

/** `-o sftp.command` in words (run without a shell), or undefined. */
function sftpCommand(line: string | undefined): string[] | undefined {
  if (line === undefined) return undefined;
  const words = splitCommandLine(line);
  if (words.length === 0) throw invalid('-o sftp.command is empty.');
  return words;
}

/**
 * Parses an `sftp:` URL and its options into a validated config; pure, no I/O. `sshConfig` is the text of
 * `~/.ssh/config`: its HostName, User, Port and IdentityFile apply to the URL's host as `ssh` applies them (what the
 * URL and `-o sftp.key` say wins).
 */
export function parseSftpLocation(url: string, options: Record<string, string>, env: Env, sshConfig = ''): SftpConfig {
  checkSftpOptions(options);
  const trimmed = url.trim();
  if (!trimmed.startsWith('sftp:'))
    throw invalid(`An SFTP repository URL starts with "sftp:", which ${url} does not.`);
  const p = trimmed.startsWith('sftp://') ? splitSlashForm(trimmed) : splitColonForm(trimmed);
  const command = sftpCommand(options['sftp.command']);
  const fromConfig = sshConfigFor(sshConfig, p.host);
  const user = p.user ?? fromConfig.user ?? env.USER ?? env.LOGNAME ?? (command ? 'unknown' : undefined);
  if (!user)
    throw invalid(`The SFTP URL ${url} names no user and USER is not set; write sftp:user@host:/path.`);
  const home = env.HOME || undefined;
  const key = options['sftp.key'];
  const knownHosts = options['sftp.known-hosts'];
  if (knownHosts === undefined && !home && command === undefined) {
    throw invalid(
      'HOME is not set, so there is no ~/.ssh/known_hosts; give one with -o sftp.known-hosts=FILE.',
    );
  }
  const host = fromConfig.hostName === undefined ? p.host : fromConfig.hostName.toLowerCase();
  const tokens = { home, localUser: env.USER ?? env.LOGNAME, host, user };
  const configKeys = fromConfig.identityFiles.flatMap((f) => expandIdentityFile(f, tokens) ?? []);
  const keyFiles =
    key !== undefined
      ? [expandHome(key, home, 'sftp.key')]
      : configKeys.length > 0
        ? configKeys
        : home
          ? DEFAULT_KEY_FILES.map((f) => path.join(home, '.ssh', f))
          : [];
  const cleanedPath = cleanPath(p.path, url);
  const config = {
    user,
    host,
    port: p.portGiven === true ? p.port : (fromConfig.port ?? p.port),
    path: cleanedPath,
    keyFiles,
    explicitKey: key !== undefined,
    ...(env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {}),
    knownHostsFile:
      knownHosts !== undefined
        ? expandHome(knownHosts, home, 'sftp.known-hosts')
        : path.join(home ?? '/', '.ssh', 'known_hosts'),
    connections: intOption(options, 'sftp.connections', DEFAULT_CONNECTIONS, MAX_CONNECTIONS),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    location: command ? trimmed : formatLocation({ ...p, user, path: cleanedPath }),
    ...(command ? { command } : {}),
  };
  const parsed = sftpConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(
      `The SFTP setting ${issue?.path.join('.') ?? ''} for ${config.location} is invalid: ${issue?.message}.`,
    );
  }
  return parsed.data;
}
