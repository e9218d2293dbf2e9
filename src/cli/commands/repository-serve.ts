/** `cairn serve-repo`: serve repositories in a local folder over restic's REST protocol, with rest-server's flags. */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CairnError, errnoCode } from '../../core/index.js';
import type { HtpasswdAuthenticator, TlsFiles } from '../../repo-server/index.js';
import type * as RepoServer from '../../repo-server/index.js';
import type { CommandContext } from '../context.js';
import { parseDuration } from '../global-options.js';
import { parsePositiveInt, parseSize } from '../parse.js';
import type { CliRuntime } from '../runtime.js';

interface ServeFlags {
  path?: string;
  listen: string;
  htpasswdFile?: string;
  auth: boolean;
  tls?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  privateRepos?: boolean;
  appendOnly?: boolean;
  maxSize?: string;
  verifyUpload: boolean;
  log?: string;
  idleTimeout: string;
  maxConnections: string;
  prometheus?: boolean;
  prometheusNoAuth?: boolean;
}

/** Bytes in regular files below `dir`: what --max-size counts (rest-server also counts folders; files are what fill a disk). */
async function storedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    try {
      total += (await fsp.stat(path.join(entry.parentPath, entry.name))).size;
    } catch {
      // removed while counting
    }
  }
  return total;
}

async function readTls(root: string, flags: ServeFlags): Promise<TlsFiles | undefined> {
  if (flags.tls !== true) {
    if (flags.tlsCert !== undefined || flags.tlsKey !== undefined) {
      throw new CairnError('invalid-argument', '--tls-cert and --tls-key need --tls.');
    }
    return undefined;
  }
  const certFile = flags.tlsCert ?? path.join(root, 'public_key');
  const keyFile = flags.tlsKey ?? path.join(root, 'private_key');
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await fsp.readFile(file);
    } catch (err) {
      throw new CairnError(
        'invalid-argument',
        `Cannot read the TLS ${what} ${file} (${errnoCode(err) ?? 'error'}).`,
        { cause: err },
      );
    }
  };
  return { cert: await read(certFile, 'certificate'), key: await read(keyFile, 'key') };
}

async function loadAuth(
  ctx: CommandContext,
  root: string,
  flags: ServeFlags,
  { HtpasswdAuthenticator }: typeof RepoServer,
): Promise<HtpasswdAuthenticator | undefined> {
  if (!flags.auth) {
    if (flags.htpasswdFile !== undefined)
      throw new CairnError('invalid-argument', '--htpasswd-file and --no-auth exclude each other.');
    return undefined;
  }
  const file = path.resolve(flags.htpasswdFile ?? path.join(root, '.htpasswd'));
  try {
    return await HtpasswdAuthenticator.load(file, { clock: ctx.io.clock, log: (m) => ctx.warn(m) });
  } catch (err) {
    throw new CairnError(
      'invalid-argument',
      `No readable htpasswd file at ${file}: create one (htpasswd -B -c ${file} USER), give --htpasswd-file, or run with --no-auth.`,
      { cause: err },
    );
  }
}

/** Where request lines go: --log FILE ("-" is stdout), else stderr with -v, else nowhere. */
function accessLogger(ctx: CommandContext, flags: ServeFlags): ((line: string) => void) | undefined {
  if (flags.log === '-') return (line) => ctx.write(`${line}\n`);
  if (flags.log !== undefined) {
    const file = flags.log;
    let fd: number;
    try {
      fd = fs.openSync(file, 'a', 0o600);
    } catch (err) {
      throw new CairnError(
        'invalid-argument',
        `Cannot open the request log ${file} (${errnoCode(err) ?? 'error'}).`,
        {
          cause: err,
        },
      );
    }
    // Synchronous appends of one short line: nothing is lost when the server is stopped.
    return (line) => {
      try {
        fs.writeSync(fd, `${line}\n`);
      } catch (err) {
        ctx.warn(`Cannot write the request log ${file} (${errnoCode(err) ?? 'error'}).`);
      }
    };
  }
  return ctx.verbose > 0 ? (line) => ctx.io.stderr.write(`${line}\n`) : undefined;
}

async function serve(ctx: CommandContext, flags: ServeFlags): Promise<number> {
  if (flags.path === undefined || flags.path === '') {
    throw new CairnError(
      'invalid-argument',
      'serve-repo needs --path DIR, the folder that holds the repositories.',
    );
  }
  const root = path.resolve(flags.path);
  // Loaded here, not at start-up: no other command needs the server (or bcrypt).
  const repoServer = await import('../../repo-server/index.js');
  const { createRepositoryServer, sweepUnfinishedUploads } = repoServer;
  const authenticator = await loadAuth(ctx, root, flags, repoServer);
  await fsp.mkdir(root, { recursive: true, mode: 0o700 });
  const tls = await readTls(root, flags);
  const maxBytes = flags.maxSize === undefined ? undefined : parseSize(flags.maxSize, '--max-size');
  const idleTimeoutMs = parseDuration(flags.idleTimeout, '--idle-timeout');
  const maxConnections = parsePositiveInt(flags.maxConnections, '--max-connections');
  if (flags.prometheusNoAuth === true && flags.prometheus !== true) {
    throw new CairnError('invalid-argument', '--prometheus-no-auth needs --prometheus.');
  }
  // Uploads cut off by a killed server: swept now, and once more when the youngest of them must be dead too.
  const sweep = async (): Promise<void> => {
    const n = await sweepUnfinishedUploads(root, idleTimeoutMs, ctx.io.clock.now());
    if (n > 0) ctx.warn(`Removed ${n} unfinished upload${n === 1 ? '' : 's'} left by an earlier server.`);
  };
  await sweep();
  const sweepAgain = setTimeout(() => void sweep(), 2 * idleTimeoutMs);
  sweepAgain.unref();
  const server = createRepositoryServer({
    root,
    authenticator,
    privateRepos: flags.privateRepos === true,
    appendOnly: flags.appendOnly === true,
    verifyUpload: flags.verifyUpload,
    maxSize: maxBytes === undefined ? undefined : { maxBytes, usedBytes: await storedBytes(root) },
    idleTimeoutMs,
    maxConnections,
    metrics: flags.prometheus === true ? { noAuth: flags.prometheusNoAuth === true } : undefined,
    clock: ctx.io.clock,
    log: (line) => ctx.warn(line),
    accessLog: accessLogger(ctx, flags),
  });
  const url = await server.listen(flags.listen, tls);
  const reload = (): void => {
    authenticator?.reload().then(
      () => ctx.warn(`Reloaded ${authenticator.file}.`),
      (err: unknown) => ctx.warn(`Could not reload the htpasswd file: ${String(err)}`),
    );
  };
  process.on('SIGHUP', reload);
  const modes = [
    authenticator ? `${authenticator.userCount} users` : 'no authentication',
    flags.appendOnly === true ? 'append-only' : '',
    flags.privateRepos === true ? 'private repositories' : '',
    maxBytes === undefined ? '' : `max size ${maxBytes} bytes`,
  ].filter((s) => s !== '');
  ctx.print(`serving repositories in ${root} at ${url}/ (${modes.join(', ')})`);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  process.off('SIGHUP', reload);
  clearTimeout(sweepAgain);
  await server.close();
  return 0;
}

export function registerServeRepo(program: Command, rt: CliRuntime): void {
  program
    .command('serve-repo')
    .description("serve repositories in a folder over restic's REST protocol (like rest-server)")
    .option('--path <dir>', 'folder that holds the repositories (required)')
    .option('--listen <addr>', 'address to listen on; ":8000" means every interface', '127.0.0.1:8000')
    .option('--htpasswd-file <file>', 'users and password hashes (default DIR/.htpasswd)')
    .option('--no-auth', 'serve without authentication')
    .option('--tls', 'serve HTTPS')
    .option('--tls-cert <file>', 'TLS certificate (default DIR/public_key)')
    .option('--tls-key <file>', 'TLS private key (default DIR/private_key)')
    .option('--private-repos', 'user X may use only the repositories below /X/')
    .option(
      '--append-only',
      'allow creating and reading, but no deleting (except locks); no mode ever overwrites a stored file',
    )
    .option('--max-size <bytes>', 'most bytes to store in DIR, e.g. 500G; uploads beyond get 413')
    .option('--no-verify-upload', 'do not check that uploads hash to their names')
    .option('--log <file>', 'append one line per request to FILE ("-" for stdout)')
    .option(
      '--idle-timeout <duration>',
      'disconnect a client that stays silent this long mid-request, e.g. 30s',
      '60s',
    )
    .option('--max-connections <n>', 'most open connections; more are closed at once', '256')
    .option(
      '--prometheus',
      'serve Prometheus metrics at /metrics (needs a valid user unless --prometheus-no-auth)',
    )
    .option('--prometheus-no-auth', 'serve /metrics without authentication')
    .action(async (flags: ServeFlags, cmd: Command) => rt.run(cmd, (ctx) => serve(ctx, flags)));
}
