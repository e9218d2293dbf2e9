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

/** The metadata cache folder, or undefined with --no-cache. */
export function resolveCacheDir(flags: GlobalFlags, env: Env, defaultDir: string): string | undefined {
  if (flags.cache === false) return undefined;
  if (set(flags.cacheDir)) return flags.cacheDir;
  return env.CAIRN_CACHE_DIR ?? env.RESTIC_CACHE_DIR ?? defaultDir;
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
