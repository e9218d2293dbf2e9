import os from 'node:os';
import type { Id, ProgressListener } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import type { AffectedPath } from './check-affected.js';
import { findAffected } from './check-affected.js';
import type { CheckIndex } from './check-index.js';
import { loadCheckIndex } from './check-index.js';
import { checkPackFiles, checkPackHeaders, judgeWrongSizes } from './check-packs.js';
import { readPacks } from './check-read-data.js';
import { CheckReport } from './check-report.js';
import { InlineVerifier, WorkerVerifier } from './pack-verifier.js';
import { checkSnapshotsAndTrees } from './check-trees.js';
import { parseReadDataSubset, selectPacks } from './read-data-subset.js';

export interface CheckOptions {
  /** Read every pack whole and verify every blob (restic's `--read-data`). */
  readData?: boolean;
  /** Read only some packs: 'n/t', 'x%' or a size like '500M' (restic's `--read-data-subset`); implies reading. */
  readDataSubset?: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Packs read at the same time (default: workers + 1, at least 3), each in segments of ~2 MiB, two at most in memory. */
  readConcurrency?: number;
  /** Threads that open the blobs of packs for --read-data (default: one per core; 0: this thread). */
  workers?: number;
  /** Index files, pack headers, snapshots and trees loaded at the same time (default 8). */
  concurrency?: number;
  /** Source of randomness for the random subsets, in [0, 1) (tests pass a fixed one). */
  random?: () => number;
  /** At most this many affected snapshot paths are listed (default 100); all are counted. */
  affectedLimit?: number;
}

export interface CheckStats {
  indexFiles: number;
  packs: number;
  snapshots: number;
  trees: number;
  packsRead: number;
  bytesRead: number;
}

export interface CheckResult {
  /** One line per problem; empty means the repository is sound (as far as this check looked). */
  errors: string[];
  /** Hints that need no repair now, e.g. packs no index references (left by an interrupted backup). */
  warnings: string[];
  /** Packs whose bytes are wrong (size, header, content): candidates for `repair packs`/`prune`. */
  damagedPacks: Id[];
  /** Packs the index names that do not exist. */
  missingPacks: Id[];
  /** Packs that exist but no index file names. */
  unreferencedPacks: Id[];
  /** Snapshot paths that use a damaged or missing blob or tree (the first `affectedLimit`). */
  affected: AffectedPath[];
  /** How many affected snapshot paths there are in all. */
  affectedTotal: number;
  stats: CheckStats;
}

/**
 * Checks a repository as `restic check` does: index files, pack files against the index (existence, size, header),
 * snapshots and every tree reachable from them; with `readData`/`readDataSubset` also the content of packs.
 * Problems are reported, not thrown; it throws only for a bad option, an interruption ('interrupted') or when the
 * repository cannot be listed at all. The caller holds the (non-exclusive) lock.
 */
/** Worker threads load compiled .js modules only; under vitest (.ts sources) everything runs in this thread. */
const CAN_USE_WORKERS = import.meta.url.endsWith('.js');

export async function check(repo: Repository, opts: CheckOptions = {}): Promise<CheckResult> {
  const subset = opts.readDataSubset === undefined ? undefined : parseReadDataSubset(opts.readDataSubset);
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const workers = CAN_USE_WORKERS ? Math.max(0, opts.workers ?? os.availableParallelism()) : 0;
  const readConcurrency = Math.max(1, opts.readConcurrency ?? Math.max(3, workers + 1));
  const report = new CheckReport(opts.signal, opts.onProgress);
  report.throwIfAborted();

  const index = await report.phase(() => loadCheckIndex(repo, report, concurrency));
  const files = await report.phase(() => checkPackFiles(repo, index, report));
  // A pack whose header accounts for its size is sound however wrong the index is about it: check it like the rest.
  const exonerated = await report.phase(() => judgeWrongSizes(repo, files.wrongSize, report, concurrency));
  const present = new Map([...files.healthy, ...exonerated]);

  let toRead = new Map<Id, number>();
  if (subset) {
    for (const id of selectPacks(present, subset, opts.random)) toRead.set(id, present.get(id) ?? 0);
  } else if (opts.readData) {
    toRead = present;
  }
  // Packs read in full get their header checked as they are read; read only the tail of the others.
  const headerOnly = [...present.keys()].filter((id) => !toRead.has(id));
  await report.phase(() => checkPackHeaders(repo, index, present, headerOnly, report, concurrency));

  const walk = await report.phase(() => checkSnapshotsAndTrees(repo, index, report, concurrency));
  // Without --read-data(-subset) nothing is read: no read phase is reported, so no front end says it read data.
  const reading = subset !== undefined || opts.readData === true;
  const bytesRead = reading ? await report.phase(() => readAll(repo, index, toRead, report, readConcurrency, workers)) : 0;
  // Only when something is damaged or missing: then walk again to name what it breaks.
  const limit = Math.max(0, opts.affectedLimit ?? 100);
  const affected = report.blobsAtRisk
    ? await findAffected(repo, index, report, walk.roots, concurrency, limit)
    : { paths: [], total: 0 };

  return {
    errors: report.errors,
    warnings: report.warnings,
    damagedPacks: [...report.damagedPacks].sort(),
    missingPacks: [...report.missingPacks].sort(),
    unreferencedPacks: report.unreferencedPacks,
    affected: affected.paths,
    affectedTotal: affected.total,
    stats: {
      indexFiles: index.indexFiles,
      packs: index.packs.size,
      snapshots: walk.snapshots,
      trees: walk.trees,
      packsRead: toRead.size,
      bytesRead,
    },
  };
}

/** Pack bytes to read per worker thread started (fewer bytes, fewer workers; none below this). */
const BYTES_PER_WORKER = 32 * 1024 * 1024;

/** The read phase with its verifier, which is closed however the phase ends. */
async function readAll(
  repo: Repository,
  index: CheckIndex,
  packs: ReadonlyMap<Id, number>,
  report: CheckReport,
  concurrency: number,
  workers: number,
): Promise<number> {
  let bytes = 0;
  for (const size of packs.values()) bytes += size;
  // A worker costs about as much CPU to start as verifying 30 MiB does: small reads stay in this thread.
  const useful = Math.min(workers, Math.floor(bytes / BYTES_PER_WORKER));
  const verifier = useful > 0 ? new WorkerVerifier(repo.codec, useful) : new InlineVerifier(repo.codec);
  try {
    return await readPacks(repo, index, packs, report, concurrency, verifier);
  } finally {
    await verifier.close();
  }
}
