import path from 'node:path';
import { CairnError } from '../core/index.js';
import { parseDockerUri } from './docker-uri.js';
import type { DbConnection, SourceSpec } from './spec.js';

/**
 * Source URIs given to `backup` beside paths (and to `restore --to`): one parser per scheme. Another kind of source is
 * one more entry in SCHEMES; a string whose scheme is not listed is a path.
 */
type SchemeParser = (uri: string) => SourceSpec;

const SCHEMES: Record<string, SchemeParser> = {
  mysql: (u) => parseDbUri(u, 'mysql'),
  mariadb: (u) => parseDbUri(u, 'mysql'),
  postgres: (u) => parseDbUri(u, 'postgres'),
  postgresql: (u) => parseDbUri(u, 'postgres'),
  sqlite: parseSqliteUri,
  command: parseCommandUri,
  'docker-volume': parseDocker,
  'docker-container': parseDocker,
};

/** Query options each database kind accepts (anything else is a typo to report, not to ignore). */
const DB_OPTIONS = {
  mysql: ['ssl-mode', 'ssl-ca', 'ssl-cert', 'ssl-key', 'socket', 'password-file'],
  postgres: ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'globals', 'password-file'],
} as const;

/** The scheme of a source URI (`mysql://…` → `mysql`), or undefined when the text is a path. */
export function sourceScheme(text: string): string | undefined {
  const m = /^([a-z][a-z0-9-]*):/.exec(text);
  return m && m[1]! in SCHEMES ? m[1] : undefined;
}

/** Whether `text` is a source URI rather than a path. */
export function isSourceUri(text: string): boolean {
  return sourceScheme(text) !== undefined;
}

/** @throws CairnError 'invalid-argument' with one sentence for a malformed URI (the password is never repeated). */
export function parseSourceUri(text: string): SourceSpec {
  const scheme = sourceScheme(text);
  if (scheme === undefined) throw invalid(text, `it does not start with one of ${Object.keys(SCHEMES).map((s) => s + ':').join(', ')}`);
  return SCHEMES[scheme]!(text);
}

/** The URI with its password replaced by `***`, for messages. */
export function redactUri(text: string): string {
  return text.replace(/^([a-z][a-z0-9-]*:\/\/[^:/@?#]*):[^@/?#]*@/, '$1:***@');
}

function invalid(text: string, why: string): CairnError {
  return new CairnError('invalid-argument', `"${redactUri(text)}" is not a valid source URI: ${why}.`);
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw invalid(text, 'it cannot be parsed as a URL');
  }
}

function decode(text: string, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(text, `its ${what} has a broken %-escape`);
  }
}

function parseDbUri(text: string, kind: 'mysql' | 'postgres'): SourceSpec {
  if (!/^[a-z]+:\/\//.test(text)) throw invalid(text, 'it needs "//" after the scheme, as in ' + `${kind}://user@host:port/database`);
  const url = parseUrl(text);
  const options: Record<string, string> = {};
  let globals = false;
  for (const [key, value] of url.searchParams) {
    if (!(DB_OPTIONS[kind] as readonly string[]).includes(key)) {
      throw invalid(text, `"${key}" is not an option of ${kind} URIs (known: ${DB_OPTIONS[kind].join(', ')})`);
    }
    if (key === 'globals') globals = value === '' || value === '1' || value === 'true';
    else options[key] = value;
  }
  const dbPath = decode(text, url.pathname.replace(/^\//, ''), 'database name');
  if (dbPath.includes('/')) throw invalid(text, 'the database name contains "/"');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const connection: DbConnection = { options, display: displayUri(url) };
  if (url.username !== '') connection.user = decode(text, url.username, 'user name');
  if (url.password !== '') connection.password = decode(text, url.password, 'password');
  if (host !== '') connection.host = host;
  if (url.port !== '') connection.port = Number(url.port);
  if (options['password-file'] !== undefined) {
    connection.passwordFile = options['password-file'];
    delete connection.options['password-file'];
  }
  if (kind === 'mysql') return dbPath === '' ? { kind, connection } : { kind, connection, database: dbPath };
  const spec: SourceSpec = dbPath === '' ? { kind, connection } : { kind, connection, database: dbPath };
  if (globals) spec.globals = true;
  return spec;
}

/** The URI as given, without the password (and with the password-file option, which names no secret). */
function displayUri(url: URL): string {
  const copy = new URL(url.href);
  copy.password = '';
  return copy.href;
}

function parseSqliteUri(text: string): SourceSpec {
  if (!text.startsWith('sqlite:///')) throw invalid(text, 'it needs an absolute path, as in sqlite:///var/lib/app/app.db');
  const file = decode(text, text.slice('sqlite://'.length), 'path');
  if (path.basename(file) === '' || file.endsWith('/')) throw invalid(text, 'it names a folder, not a database file');
  return { kind: 'sqlite', path: path.normalize(file) };
}

function parseDocker(text: string): SourceSpec {
  const spec = parseDockerUri(text);
  if (spec === undefined) throw invalid(text, 'it is not docker-volume:NAME or docker-container:NAME');
  return spec;
}

/** `command:PROGRAM ARG…`: split on spaces (no shell); the output lands in /command/PROGRAM's base name. */
function parseCommandUri(text: string): SourceSpec {
  const words = text.slice('command:'.length).trim().split(/\s+/).filter((w) => w !== '');
  const [command, ...args] = words;
  if (command === undefined) throw invalid(text, 'it names no command');
  return { kind: 'command', filename: path.basename(command), command, args };
}
