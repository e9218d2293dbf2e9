/** Which repository and which password: flags beat the environment, CAIRN_* beats RESTIC_* (pure functions). */
import { CairnError } from '../core/index.js';

/** The global flags as commander parses them (`--no-cache` → cache: false, `--no-lock` → lock: false). */
export interface GlobalFlags {
  repo?: string;
  repositoryFile?: string;
  passwordFile?: string;
  passwordCommand?: string;
  cacheDir?: string;
  cache?: boolean;
  quiet?: boolean;
  verbose?: number;
  json?: boolean;
  lock?: boolean;
  keyHint?: string;
  packSize?: string;
  compression?: string;
  debug?: boolean;
  option?: string[];
  limitUpload?: string;
  limitDownload?: string;
  unlockStaleAfter?: string;
  cacert?: string[];
  insecureTls?: boolean;
  tlsClientCert?: string;
  cleanupCache?: boolean;
}

export type Env = Record<string, string | undefined>;

export type RepositorySpec =
  | { kind: 'url'; url: string; source: string }
  | { kind: 'file'; file: string; source: string }
  | { kind: 'default' };

export type PasswordSpec =
  | { kind: 'file'; file: string; source: string }
  | { kind: 'command'; command: string; source: string }
  | { kind: 'literal'; value: string; source: string };

const set = (v: string | undefined): v is string => v !== undefined && v !== '';

export function resolveRepositorySpec(flags: GlobalFlags, env: Env): RepositorySpec {
  if (set(flags.repo) && set(flags.repositoryFile)) {
    throw new CairnError(
      'invalid-argument',
      'Options -r/--repo and --repository-file are mutually exclusive.',
    );
  }
  if (set(flags.repo)) return { kind: 'url', url: flags.repo, source: '--repo' };
  if (set(flags.repositoryFile))
    return { kind: 'file', file: flags.repositoryFile, source: '--repository-file' };
  for (const prefix of ['CAIRN', 'RESTIC']) {
    const url = env[`${prefix}_REPOSITORY`];
    const file = env[`${prefix}_REPOSITORY_FILE`];
    if (set(url)) return { kind: 'url', url, source: `${prefix}_REPOSITORY` };
    if (set(file)) return { kind: 'file', file, source: `${prefix}_REPOSITORY_FILE` };
  }
  return { kind: 'default' };
}

export function resolvePasswordSpec(flags: GlobalFlags, env: Env): PasswordSpec | undefined {
  if (set(flags.passwordFile) && set(flags.passwordCommand)) {
    throw new CairnError(
      'invalid-argument',
      'Options --password-file and --password-command are mutually exclusive.',
    );
  }
  if (set(flags.passwordFile)) return { kind: 'file', file: flags.passwordFile, source: '--password-file' };
  if (set(flags.passwordCommand)) {
    return { kind: 'command', command: flags.passwordCommand, source: '--password-command' };
  }
  for (const prefix of ['CAIRN', 'RESTIC']) {
    const file = env[`${prefix}_PASSWORD_FILE`];
    const command = env[`${prefix}_PASSWORD_COMMAND`];
    const value = env[`${prefix}_PASSWORD`];
    if (set(file)) return { kind: 'file', file, source: `${prefix}_PASSWORD_FILE` };
    if (set(command)) return { kind: 'command', command, source: `${prefix}_PASSWORD_COMMAND` };
    if (set(value)) return { kind: 'literal', value, source: `${prefix}_PASSWORD` };
  }
  return undefined;
}

/** The metadata cache folder, or undefined with --no-cache; an empty value means unset (never the current folder). */
export function resolveCacheDir(flags: GlobalFlags, env: Env, defaultDir: string): string | undefined {
  if (flags.cache === false) return undefined;
  return [flags.cacheDir, env.CAIRN_CACHE_DIR, env.RESTIC_CACHE_DIR].find(set) ?? defaultDir;
}

/** The `-o key=value` options as a map; a repeated key keeps its last value, as in restic. */
export function parseBackendOptions(values: readonly string[] = []): Record<string, string> {
  const options: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new CairnError('invalid-argument', `Option -o ${v} must have the form key=value.`);
    options[v.slice(0, eq).trim()] = v.slice(eq + 1);
  }
  return options;
}

/** `--limit-upload/--limit-download` in KiB/s as bytes per second; undefined or 0 means unlimited. */
export function parseRateLimit(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const kib = Number(value);
  if (!Number.isInteger(kib) || kib < 0) {
    throw new CairnError('invalid-argument', `${flag} must be a whole number of KiB/s, not "${value}".`);
  }
  return kib === 0 ? undefined : kib * 1024;
}

const DURATION_UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** A duration such as `90m`, `2h`, `1h30m` or `1d` in milliseconds (units d, h, m, s); it must be positive. */
export function parseDuration(value: string, flag: string): number {
  const parts = /^(?:\d+(?:\.\d+)?[dhms])+$/.test(value) ? value.match(/\d+(?:\.\d+)?[dhms]/g)! : [];
  const ms = parts.reduce((sum, p) => sum + Number(p.slice(0, -1)) * DURATION_UNIT_MS[p.slice(-1)]!, 0);
  if (!(ms > 0)) {
    throw new CairnError('invalid-argument', `${flag} must be a duration such as 90m, 2h or 1d, not "${value}".`);
  }
  return ms;
}

/** The source-repository flags of `copy` and `init --copy-chunker-params` (restic's `--from-*`). */
export interface FromRepoFlags {
  fromRepo?: string;
  fromRepositoryFile?: string;
  fromPasswordFile?: string;
  fromPasswordCommand?: string;
  fromKeyHint?: string;
}

export interface FromRepoSpec {
  repository: Exclude<RepositorySpec, { kind: 'default' }>;
  password?: PasswordSpec;
  keyHint?: string;
}

/**
 * The source repository of `copy`: `--from-*` flags beat `CAIRN_FROM_*`, which beat `RESTIC_FROM_*`
 * (`…_REPOSITORY`, `…_REPOSITORY_FILE`, `…_PASSWORD_FILE`, `…_PASSWORD_COMMAND`, `…_PASSWORD`, `…_KEY_HINT`).
 */
export function resolveFromRepoSpec(flags: FromRepoFlags, env: Env): FromRepoSpec {
  const out: FromRepoSpec = { repository: fromRepository(flags, env) };
  const password = fromPassword(flags, env);
  if (password !== undefined) out.password = password;
  const keyHint = [flags.fromKeyHint, env.CAIRN_FROM_KEY_HINT, env.RESTIC_FROM_KEY_HINT].find(set);
  if (keyHint !== undefined) out.keyHint = keyHint;
  return out;
}

function fromRepository(flags: FromRepoFlags, env: Env): FromRepoSpec['repository'] {
  if (set(flags.fromRepo) && set(flags.fromRepositoryFile)) {
    throw new CairnError(
      'invalid-argument',
      'Options --from-repo and --from-repository-file are mutually exclusive.',
    );
  }
  if (set(flags.fromRepo)) return { kind: 'url', url: flags.fromRepo, source: '--from-repo' };
  if (set(flags.fromRepositoryFile)) {
    return { kind: 'file', file: flags.fromRepositoryFile, source: '--from-repository-file' };
  }
  for (const prefix of ['CAIRN', 'RESTIC']) {
    const url = env[`${prefix}_FROM_REPOSITORY`];
    const file = env[`${prefix}_FROM_REPOSITORY_FILE`];
    if (set(url)) return { kind: 'url', url, source: `${prefix}_FROM_REPOSITORY` };
    if (set(file)) return { kind: 'file', file, source: `${prefix}_FROM_REPOSITORY_FILE` };
  }
  throw new CairnError(
    'invalid-argument',
    'Please specify a source repository location (--from-repo or --from-repository-file).',
  );
}

function fromPassword(flags: FromRepoFlags, env: Env): PasswordSpec | undefined {
  const file = flags.fromPasswordFile;
  const command = flags.fromPasswordCommand;
  if (set(file) && set(command)) {
    throw new CairnError(
      'invalid-argument',
      'Options --from-password-file and --from-password-command are mutually exclusive.',
    );
  }
  if (set(file)) return { kind: 'file', file, source: '--from-password-file' };
  if (set(command)) return { kind: 'command', command, source: '--from-password-command' };
  for (const prefix of ['CAIRN', 'RESTIC']) {
    const f = env[`${prefix}_FROM_PASSWORD_FILE`];
    const c = env[`${prefix}_FROM_PASSWORD_COMMAND`];
    const v = env[`${prefix}_FROM_PASSWORD`];
    if (set(f)) return { kind: 'file', file: f, source: `${prefix}_FROM_PASSWORD_FILE` };
    if (set(c)) return { kind: 'command', command: c, source: `${prefix}_FROM_PASSWORD_COMMAND` };
    if (set(v)) return { kind: 'literal', value: v, source: `${prefix}_FROM_PASSWORD` };
  }
  return undefined;
}
