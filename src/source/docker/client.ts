import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CairnError, errnoCode, nameToBytes } from '../../core/index.js';

/** Where the Docker Engine API answers: a unix socket (the default) or plain HTTP on a TCP address. */
export type DockerEndpoint = { socketPath: string } | { host: string; port: number };

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * The endpoint `DOCKER_HOST` names (`unix:///path`, `tcp://host:port`), or the local socket when it is unset.
 * @throws CairnError 'invalid-argument' for another scheme, or TLS (`DOCKER_TLS_VERIFY`), which is not supported.
 */
export function dockerEndpoint(host: string | undefined, tlsVerify?: string): DockerEndpoint {
  if (host === undefined || host === '') return { socketPath: DEFAULT_DOCKER_SOCKET };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const tcp = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(host);
  if (tcp) {
    if (tlsVerify !== undefined && tlsVerify !== '' && tlsVerify !== '0') {
      throw new CairnError(
        'invalid-argument',
        'DOCKER_TLS_VERIFY is set, but Cairn speaks to Docker over TCP only without TLS; use the unix socket.',
      );
    }
    return { host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  }
  throw new CairnError(
    'invalid-argument',
    `DOCKER_HOST=${host} is not supported; use unix:///path/to/docker.sock or tcp://host:port.`,
  );
}

export interface VolumeInfo {
  Name: string;
  Mountpoint: string;
  Driver: string;
  Labels: Record<string, string> | null;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  State: string;
  Labels: Record<string, string> | null;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  query?: Query;
  /** A JSON value, or a byte stream (sent as a tar archive). */
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/**
 * A small client of the Docker Engine API over node:http: only the calls Cairn needs. Every failure becomes one
 * sentence (a missing socket, no permission on it, the daemon's own error text).
 */
export class DockerClient {
  private version: Promise<string> | undefined;

  constructor(readonly endpoint: DockerEndpoint) {}

  /** The client for `DOCKER_HOST` (or the local socket). */
  static fromEnv(env: Record<string, string | undefined> = process.env): DockerClient {
    return new DockerClient(dockerEndpoint(env.DOCKER_HOST, env.DOCKER_TLS_VERIFY));
  }

  /** Where the daemon is, for messages. */
  get where(): string {
    return 'socketPath' in this.endpoint
      ? `the Docker socket ${this.endpoint.socketPath}`
      : `Docker at ${this.endpoint.host}:${this.endpoint.port}`;
  }

  /** The daemon's version and API version (the API version is what every later call speaks). */
  async serverVersion(signal?: AbortSignal): Promise<{ Version: string; ApiVersion: string }> {
    const res = await this.send('GET', '/version', { signal });
    return (await readJson(res)) as { Version: string; ApiVersion: string };
  }

  /** @throws CairnError 'source-unreadable' when there is no volume of this name. */
  async inspectVolume(name: string, signal?: AbortSignal): Promise<VolumeInfo> {
    try {
      return (await this.json('GET', `/volumes/${encodeURIComponent(name)}`, { signal })) as VolumeInfo;
    } catch (err) {
      if (err instanceof DockerApiError && err.status === 404) {
        throw new CairnError('source-unreadable', `The Docker volume ${name} does not exist.`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** Volumes carrying every one of `labels` (`key` or `key=value`). */
  async listVolumes(labels: readonly string[], signal?: AbortSignal): Promise<VolumeInfo[]> {
    const filters = labels.length > 0 ? JSON.stringify({ label: labels }) : undefined;
    const out = (await this.json('GET', '/volumes', { query: { filters }, signal })) as {
      Volumes: VolumeInfo[] | null;
    };
    return out.Volumes ?? [];
  }

  async createVolume(name: string, signal?: AbortSignal): Promise<VolumeInfo> {
    return (await this.json('POST', '/volumes/create', { body: { Name: name }, signal })) as VolumeInfo;
  }

  /** Containers (running or not) that mount the volume. */
  async containersUsingVolume(name: string, signal?: AbortSignal): Promise<ContainerSummary[]> {
    const filters = JSON.stringify({ volume: [name] });
    return (await this.json('GET', '/containers/json', {
      query: { all: true, filters },
      signal,
    })) as ContainerSummary[];
  }

  async inspectContainer(
    idOrName: string,
    signal?: AbortSignal,
  ): Promise<{ Id: string; Name: string; State: { Running: boolean } }> {
    try {
      return (await this.json('GET', `/containers/${encodeURIComponent(idOrName)}/json`, { signal })) as {
        Id: string;
        Name: string;
        State: { Running: boolean };
      };
    } catch (err) {
      if (err instanceof DockerApiError && err.status === 404) {
        throw new CairnError('source-unreadable', `The Docker container ${idOrName} does not exist.`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** Stops a container (SIGTERM, then SIGKILL after `timeoutSeconds`); resolves once it stopped. */
  async stopContainer(id: string, timeoutSeconds = 10, signal?: AbortSignal): Promise<void> {
    await this.call('POST', `/containers/${id}/stop`, { query: { t: timeoutSeconds }, signal });
  }

  async startContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('POST', `/containers/${id}/start`, { signal });
  }

  /** Creates a container; `config` is the Engine API's container configuration. */
  async createContainer(config: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    return ((await this.json('POST', '/containers/create', { body: config, signal })) as { Id: string }).Id;
  }

  /** Waits until the container stopped; its exit status. */
  async waitContainer(id: string, signal?: AbortSignal): Promise<number> {
    return ((await this.json('POST', `/containers/${id}/wait`, { signal })) as { StatusCode: number })
      .StatusCode;
  }

  async removeContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', `/containers/${id}`, { query: { force: true, v: false }, signal });
  }

  /** A container's output (stdout and stderr, demultiplexed into one text), e.g. a helper's error message. */
  async containerLogs(id: string, signal?: AbortSignal): Promise<string> {
    const res = await this.send('GET', `/containers/${id}/logs`, {
      query: { stdout: true, stderr: true },
      signal,
    });
    return demultiplex(await readAll(res)).trim();
  }

  /** A tar stream of `path` inside the container (a created container is enough: nothing needs to run). */
  async getArchive(id: string, path: string, signal?: AbortSignal): Promise<http.IncomingMessage> {
    return this.send('GET', `/containers/${id}/archive`, { query: { path }, signal });
  }

  /** Extracts a tar stream into `path` inside the container, keeping the owners the archive names. */
  async putArchive(
    id: string,
    path: string,
    tar: AsyncIterable<Uint8Array>,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.call('PUT', `/containers/${id}/archive`, {
      query: { path, copyUIDGID: true },
      body: tar,
      signal,
    });
  }

  /** Commits the container (paused meanwhile) as image `repo:tag`; the image id. */
  async commit(container: string, repo: string, tag: string, signal?: AbortSignal): Promise<string> {
    const query = { container, repo, tag, pause: true };
    return ((await this.json('POST', '/commit', { query, signal })) as { Id: string }).Id;
  }

  /** `docker save` of one image, as the tar stream `docker load` reads. */
  async saveImage(name: string, signal?: AbortSignal): Promise<http.IncomingMessage> {
    return this.send('GET', `/images/${encodeURIComponent(name)}/get`, { signal });
  }

  async removeImage(name: string, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', `/images/${encodeURIComponent(name)}`, { query: { force: true }, signal });
  }

  private async json(method: string, path: string, opts: RequestOptions): Promise<unknown> {
    return readJson(await this.send(method, await this.versioned(path, opts.signal), opts));
  }

  private async call(method: string, path: string, opts: RequestOptions): Promise<void> {
    const res = await this.send(method, await this.versioned(path, opts.signal), opts);
    res.resume();
  }

  /** Speaks the daemon's own API version, so that both old and new daemons accept the calls. */
  private async versioned(path: string, signal: AbortSignal | undefined): Promise<string> {
    this.version ??= this.serverVersion(signal).then((v) => v.ApiVersion);
    this.version.catch(() => (this.version = undefined));
    return `/v${await this.version}${path}`;
  }

  /** One request; resolves with the response once its status is 2xx or 304, otherwise rejects with the daemon's text. */
  private send(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const search = Object.entries(opts.query ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${queryValue(String(v))}`);
    const url = search.length > 0 ? `${path}?${search.join('&')}` : path;
    const streamed = isByteStream(opts.body);
    const payload = opts.body === undefined || streamed ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { Host: 'docker' };
    if (payload) headers['Content-Type'] = 'application/json';
    if (streamed) headers['Content-Type'] = 'application/x-tar';
    return new Promise((resolve, reject) => {
      // No keep-alive agent: an idle connection to the daemon must not hold the process open.
      const req = http.request(
        { ...this.endpoint, method, path: url, headers, signal: opts.signal, agent: false },
        (res) => {
          const status = res.statusCode ?? 0;
          if ((status >= 200 && status < 300) || status === 304) return resolve(res);
          readAll(res).then(
            (body) => reject(new DockerApiError(status, method, path, errorText(body))),
            (err: unknown) => reject(this.connectionError(err)),
          );
        },
      );
      req.once('error', (err) => reject(this.connectionError(err)));
      if (streamed) {
        pipeline(Readable.from(opts.body as AsyncIterable<Uint8Array>), req).catch((err: unknown) => {
          req.destroy();
          reject(this.connectionError(err));
        });
      } else {
        req.end(payload);
      }
    });
  }

  private connectionError(err: unknown): Error {
    if (err instanceof CairnError || err instanceof DockerApiError) return err;
    if (err instanceof Error && err.name === 'AbortError')
      return new CairnError('interrupted', 'The operation was interrupted.', { cause: err });
    const code = errnoCode(err);
    const opts = { cause: err };
    if (code === 'ENOENT')
      return new CairnError(
        'unavailable',
        `${capital(this.where)} does not exist; is the Docker daemon running, or is DOCKER_HOST set?`,
        opts,
      );
    if (code === 'EACCES' || code === 'EPERM') {
      return new CairnError(
        'access-denied',
        `Permission denied on ${this.where}; run Cairn as root or as a member of the docker group.`,
        opts,
      );
    }
    if (code === 'ECONNREFUSED')
      return new CairnError(
        'unavailable',
        `Nothing answers on ${this.where}; is the Docker daemon running?`,
        opts,
      );
    const text = err instanceof Error ? err.message : String(err);
    return new CairnError('unavailable', `Talking to ${this.where} failed: ${text}.`, opts);
  }
}

/** The daemon answered a call with an error status; the message is its own text. */
export class DockerApiError extends CairnError {
  constructor(
    readonly status: number,
    method: string,
    path: string,
    text: string,
  ) {
    super(
      status === 404 ? 'not-found' : 'fatal',
      `Docker refused ${method} ${path.replace(/^\/v[\d.]+/, '')}: ${text}`,
    );
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A query value percent-encoded from its bytes (`nameToBytes`): a path whose name is not UTF-8 reaches the daemon
 * with those bytes, which the daemon's query parser gives back as they were.
 */
function queryValue(v: string): string {
  let out = '';
  for (const b of nameToBytes(v)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function isByteStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

async function readAll(res: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

async function readJson(res: http.IncomingMessage): Promise<unknown> {
  const body = await readAll(res);
  return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
}

/** The `message` of the daemon's JSON error body, ending in a full stop. */
function errorText(body: Buffer): string {
  let text = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') text = parsed.message;
  } catch {
    // not JSON: the plain text is the message
  }
  return text.endsWith('.') ? text : `${text}.`;
}

/** The Engine API multiplexes a container's stdout and stderr in frames of an 8-byte header and a payload. */
function demultiplex(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length && buf[at]! <= 2 && buf[at + 1] === 0) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return (at === 0 ? buf : Buffer.concat(parts)).toString('utf8');
}
