import fs from 'node:fs/promises';
import type { BackupOptions, BackupResult, ChangeRules } from '../archiver/index.js';
import { backup } from '../archiver/index.js';
import type { StoredSnapshot } from '../core/index.js';
import { CairnError, errnoCode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { findParent, findSnapshot, listSnapshots } from '../snapshot/index.js';
import type { ExcludeOptions, SourceSpec } from '../source/index.js';
import { isSourceUri, parseSourceUri, redactUri } from '../source/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import type { BackupHooks } from './hooks.js';
import { withHooks } from './hooks.js';
import { withRepository } from './open.js';
import type { FilesFromLists } from './files-from.js';
import { readFilesFromLists } from './files-from.js';
import { skipDamagedSnapshots } from './snapshots.js';

export interface BackupRequest {
  /** Paths, and source URIs (`mysql://…`, `postgres://…`, `sqlite:///…`, `command:…`, `docker-volume:…`, …) to back up beside them. */
  paths: string[];
  /** Files listing more paths (`--files-from`, `--files-from-verbatim`, `--files-from-raw`; '-' = standard input). */
  filesFrom?: FilesFromLists;
  excludes?: ExcludeOptions;
  tags?: string[];
  host?: string;
  time?: bigint;
  /** Snapshot to use as parent (id, prefix or 'latest'); default: the newest with the same host and paths. */
  parent?: string;
  force?: boolean;
  /** `--ignore-inode`, `--ignore-ctime`, `--with-atime`. */
  change?: ChangeRules;
  stdin?: { filename: string; stream: NodeJS.ReadableStream };
  /** `--stdin-from-command`: run this program (no shell) and back up its standard output. */
  stdinCommand?: { filename: string; command: string; args: string[] };
  dryRun?: boolean;
  workers?: number;
  /** Shell commands run before and after the backup (see hooks.ts). */
  hooks?: BackupHooks;
  /** `--stop-containers`: as `?stop-containers=true` on every docker-volume: source. */
  stopContainers?: boolean;
}

export interface BackupOutcome extends BackupResult {
  parent?: StoredSnapshot;
  /** Given paths that were skipped because they do not exist or cannot be accessed (the backup is incomplete). */
  skippedPaths: string[];
  /** The default repository was created by this backup; its password is in this file. */
  createdPasswordFile?: string;
}

/**
 * The snapshot was written, but the source then failed to close (a Docker container that did not start again): the
 * run fails — loudly for every caller — and the error carries the outcome, so the command can still show the snapshot.
 */
export class SnapshotSavedError extends CairnError {
  constructor(
    readonly outcome: BackupOutcome,
    closeError: CairnError,
  ) {
    const saved =
      outcome.snapshotId === undefined ? '' : ` (snapshot ${outcome.snapshotId.slice(0, 8)} was saved)`;
    super(closeError.code, `${closeError.message.replace(/\.$/, '')}${saved}.`, { cause: closeError });
  }
}

/**
 * Backs up paths, source URIs (or a stream) into the repository as one snapshot, creating the default repository
 * on first use; `--pre`/`--post` hooks run around it.
 */
export async function runBackup(
  deps: AppDeps,
  opts: OpenOptions,
  req: BackupRequest,
): Promise<BackupOutcome> {
  const uris = req.paths.filter(isSourceUri);
  const stopAll = req.stopContainers === true;
  const sources = uris
    .map(parseSourceUri)
    .map((s) => (stopAll && s.kind === 'docker-volume' ? { ...s, stopContainers: true } : s));
  if (stopAll && !sources.some((s) => s.kind === 'docker-volume')) {
    throw new CairnError(
      'invalid-argument',
      '--stop-containers applies to docker-volume: sources, and none is given.',
    );
  }
  const tags = [...(req.tags ?? []), ...sourceTags(sources)];
  const hookRun = {
    repository: opts.target.url,
    sources: req.paths.map((p) => (isSourceUri(p) ? redactUri(p) : p)),
    tags,
    hostname: req.host ?? deps.hostname,
    dryRun: req.dryRun === true,
  };
  return withHooks(
    req.hooks ?? {},
    hookRun,
    (m) => deps.warn(m),
    () =>
      backupSources(deps, opts, { ...req, paths: req.paths.filter((p) => !isSourceUri(p)), tags }, sources),
  );
}

/** `source:mysql`, `source:postgres`, … once each: restic users can filter snapshots by what they hold. */
function sourceTags(sources: SourceSpec[]): string[] {
  return [...new Set(sources.map((s) => `source:${s.kind}`))].sort();
}

async function backupSources(
  deps: AppDeps,
  opts: OpenOptions,
  req: BackupRequest,
  sources: SourceSpec[],
): Promise<BackupOutcome> {
  const given = [...req.paths, ...(await readFilesFromLists(req.filesFrom ?? {}, (m) => deps.warn(m)))];
  const streamed = req.stdin !== undefined || req.stdinCommand !== undefined;
  if (!streamed && given.length === 0 && sources.length === 0) {
    throw new CairnError(
      'invalid-argument',
      'Nothing to back up: give at least one path, source URI, --files-from or --stdin.',
    );
  }
  if (streamed && (given.length > 0 || sources.length > 0)) {
    throw new CairnError('invalid-argument', '--stdin and --stdin-from-command take no paths to back up.');
  }
  const { paths, skipped } =
    given.length === 0 ? { paths: [], skipped: [] } : await filterExisting(given, (m) => deps.warn(m));
  const createDefault = req.dryRun !== true;
  const { outcome, closeError } = await withRepository(
    deps,
    opts,
    req.dryRun === true ? 'none' : 'shared',
    async (session) => {
      const { repo, signal } = session;
      const hostname = req.host ?? deps.hostname;
      const source = deps.openSource(sourceSpec(req, paths, sources));
      let outcome: BackupOutcome;
      try {
        const parent = await chooseParent(repo, req, hostname, source.paths, (m) => deps.warn(m));
        const result = await backup(
          repo,
          source,
          backupOptions(deps, opts, req, { hostname, parent, signal }),
        );
        outcome = { ...result, skippedPaths: skipped };
        if (parent) outcome.parent = parent;
        if (session.created?.passwordFile !== undefined)
          outcome.createdPasswordFile = session.created.passwordFile;
      } catch (err) {
        // A close that fails too (a container left stopped) must not hide why the backup failed: both are told.
        await source.close().catch((closeErr: unknown) => {
          throw bothErrors(err, closeErr);
        });
        throw err;
      }
      // The snapshot is written: a close that fails now is reported with it, not instead of it.
      const closeError = await source.close().then(
        () => undefined,
        (err: unknown) => asCairnError(err),
      );
      return { outcome, closeError };
    },
    { createDefault, preloadIndex: true },
  );
  if (closeError !== undefined) throw new SnapshotSavedError(outcome, closeError);
  return outcome;
}

/** One error carrying both sentences, with the backup's own code (an interrupted backup stays interrupted). */
function bothErrors(backupErr: unknown, closeErr: unknown): CairnError {
  const first = asCairnError(backupErr);
  return new CairnError(first.code, `${first.message} ${asCairnError(closeErr).message}`, {
    cause: backupErr,
  });
}

function asCairnError(err: unknown): CairnError {
  if (err instanceof CairnError) return err;
  if (err instanceof Error && err.name === 'AbortError')
    return new CairnError('interrupted', 'The backup was interrupted.', { cause: err });
  return new CairnError('fatal', err instanceof Error ? err.message : String(err), { cause: err });
}

/**
 * What the backup reads: standard input, a command's output, the (existing) given paths, or those paths together
 * with source URIs as one composite source.
 */
function sourceSpec(req: BackupRequest, paths: string[], sources: SourceSpec[]): SourceSpec {
  if (req.stdin) return { kind: 'stdin', filename: req.stdin.filename, stream: req.stdin.stream };
  if (req.stdinCommand) return { kind: 'command', ...req.stdinCommand };
  const files: SourceSpec = { kind: 'files', paths };
  if (req.excludes) files.excludes = req.excludes;
  if (sources.length === 0) return files;
  return { kind: 'composite', parts: paths.length > 0 ? [files, ...sources] : sources };
}

function backupOptions(
  deps: AppDeps,
  opts: OpenOptions,
  req: BackupRequest,
  fixed: { hostname: string; parent: StoredSnapshot | undefined; signal: AbortSignal },
): BackupOptions {
  const o: BackupOptions = {
    hostname: fixed.hostname,
    username: deps.username,
    clock: deps.clock,
  };
  o.signal = fixed.signal;
  if (fixed.parent) o.parent = fixed.parent;
  if (req.excludes?.exclude) o.excludes = req.excludes.exclude;
  if (req.tags && req.tags.length > 0) o.tags = req.tags;
  if (req.time !== undefined) o.time = req.time;
  if (req.force === true) o.force = true;
  if (req.change) o.change = req.change;
  if (req.dryRun === true) o.dryRun = true;
  if (req.workers !== undefined) o.workers = req.workers;
  if (opts.onProgress) o.onProgress = opts.onProgress;
  if (opts.progressStatus === false) o.statusEvents = false;
  return o;
}

/** restic's parent: the given one, or the newest snapshot of this host with the same (absolute) paths. */
async function chooseParent(
  repo: Repository,
  req: BackupRequest,
  hostname: string,
  paths: readonly string[],
  warn: (message: string) => void,
): Promise<StoredSnapshot | undefined> {
  if (req.parent !== undefined) return findSnapshot(repo, req.parent);
  if (req.force === true) return undefined;
  const snaps = await listSnapshots(repo, skipDamagedSnapshots(warn));
  const abs = [...paths];
  return findParent(
    snaps,
    req.time !== undefined
      ? { host: hostname, paths: abs, before: req.time }
      : { host: hostname, paths: abs },
  );
}

/**
 * restic's filterExisting: a given path that does not exist or cannot be accessed is skipped with a warning (the
 * snapshot lists only the others); when none is left, nothing is backed up.
 */
export async function filterExisting(
  given: string[],
  warn: (message: string) => void,
): Promise<{ paths: string[]; skipped: string[] }> {
  const paths: string[] = [];
  const problems: { path: string; missing: boolean }[] = [];
  for (const p of given) {
    try {
      await fs.lstat(p);
      paths.push(p);
    } catch (err) {
      problems.push({ path: p, missing: errnoCode(err) === 'ENOENT' });
    }
  }
  const reason = (x: { path: string; missing: boolean }): string =>
    `${x.path} ${x.missing ? 'does not exist' : 'cannot be accessed'}`;
  if (paths.length === 0 && problems.length > 0) {
    throw new CairnError('source-unreadable', `Nothing to back up: ${problems.map(reason).join(', ')}.`);
  }
  for (const x of problems) warn(`${reason(x)}, skipping`);
  return { paths, skipped: problems.map((x) => x.path) };
}
