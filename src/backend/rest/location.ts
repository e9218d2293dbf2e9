import { z } from 'zod';
import { CairnError } from '../../core/index.js';
import { checkOptions, intOption } from '../options.js';
import type { TlsSettings } from '../tls.js';

export type Env = Record<string, string | undefined>;

export const DEFAULT_CONNECTIONS = 5;

/** Everything the REST backend needs, decided from the URL, the `-o rest.*` options and the environment. */
export const restConfigSchema = z.object({
  /** `http(s)://host[:port]/path/` without credentials, always ending in a slash. */
  baseUrl: z.string().regex(/^https?:\/\/[^/@]+\/(.*\/)?$/),
  username: z.string().optional(),
  password: z.string().optional(),
  connections: z.number().int().min(1).max(1000),
  /** A PEM file with extra certificate authorities to trust for https, read on first use. */
  caCertFile: z.string().min(1).optional(),
  /** The repository URL as shown in messages (never carries secrets). */
  location: z.string(),
});

/** The parsed settings, plus the global TLS flags' settings (`--cacert`…), which are not part of the URL. */
export type RestConfig = z.infer<typeof restConfigSchema> & { tls?: TlsSettings };

/** The `-o` keys this backend understands. */
export const REST_OPTIONS = ['rest.connections', 'rest.cacert'] as const;

function invalid(message: string): CairnError {
  return new CairnError('invalid-argument', message);
}

/** Rejects `-o` keys this backend does not know, in one sentence that lists the known ones. */
export function checkRestOptions(options: Record<string, string>): void {
  checkOptions(options, REST_OPTIONS, 'rest.', 'a REST repository');
}

/** The number of connections `-o rest.connections` asks for (default 5), as restic's option of the same name. */
export function restConnections(options: Record<string, string>): number {
  return intOption(options, 'rest.connections', DEFAULT_CONNECTIONS, 1000);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`The ${what} in the REST URL is not valid percent-encoding.`);
  }
}

interface Credentials {
  username?: string;
  password?: string;
}

/**
 * Credentials in the URL win, as in restic (the environment only applies when the URL has neither); Cairn's own
 * variables beat restic's so one shell can hold both.
 */
function credentials(url: URL, env: Env): Credentials {
  if (url.username !== '' || url.password !== '') {
    return { username: decode(url.username, 'user name'), password: decode(url.password, 'password') };
  }
  const username = env.CAIRN_REST_USERNAME ?? env.RESTIC_REST_USERNAME;
  const password = env.CAIRN_REST_PASSWORD ?? env.RESTIC_REST_PASSWORD;
  return {
    ...(username !== undefined && username !== '' ? { username } : {}),
    ...(password !== undefined && password !== '' ? { password } : {}),
  };
}

function splitUrl(raw: string): URL {
  if (!raw.startsWith('rest:')) {
    throw invalid(`A REST repository URL starts with "rest:", which ${raw} does not.`);
  }
  const rest = raw.slice('rest:'.length);
  if (/^http\+unix:/i.test(rest)) throw invalid(`REST over a unix socket (${raw}) is not supported.`);
  if (!/^https?:\/\//i.test(rest)) {
    throw invalid(`The REST URL ${raw} must look like rest:http(s)://host[:port]/[path/] (user:password@ may precede the host).`);
  }
  let url: URL;
  try {
    url = new URL(rest);
  } catch {
    throw invalid(`The REST URL ${raw} is not a valid URL.`);
  }
  if (url.hostname === '') throw invalid(`The REST URL ${raw} names no host.`);
  if (url.search !== '' || url.hash !== '')
    throw invalid(`The REST URL ${raw} must not have a query or fragment.`);
  // The URL parser silently resolves dot segments (also percent-encoded ones), so look at the raw path.
  const rawPath = rest.replace(/^https?:\/\/[^/]*/i, '').replace(/[?#].*$/, '');
  if (rawPath.split('/').some((s) => /^(\.|%2e){1,2}$/i.test(s))) {
    throw invalid(`The path in the REST URL ${raw} must not contain "." or "..".`);
  }
  return url;
}

/** Parses a `rest:` URL and its options into a validated config; pure, no I/O. */
export function parseRestLocation(url: string, options: Record<string, string>, env: Env): RestConfig {
  checkRestOptions(options);
  const u = splitUrl(url.trim());
  const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  const baseUrl = `${u.protocol}//${u.host}${path}`;
  const caCertFile = options['rest.cacert'];
  if (caCertFile !== undefined && u.protocol !== 'https:')
    throw invalid('-o rest.cacert needs an https:// URL.');
  const config = {
    baseUrl,
    ...credentials(u, env),
    connections: restConnections(options),
    ...(caCertFile !== undefined ? { caCertFile } : {}),
    location: `rest:${baseUrl}`,
  };
  const parsed = restConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(
      `The REST setting ${issue?.path.join('.') ?? ''} for ${config.location} is invalid: ${issue?.message}.`,
    );
  }
  return parsed.data;
}
