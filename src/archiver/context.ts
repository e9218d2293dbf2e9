import { throwIfAborted, type Id, type ProgressEvent, type Tree } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { encodeTree, sortNodes } from '../snapshot/index.js';
import { hashId } from '../core/index.js';
import type { IdNames, Source, SourceError, XattrMap } from '../source/index.js';
import type { BlobPipeline } from './blob-pipeline.js';
import type { FileReader } from './file-reader.js';
import type { Stats } from './stats.js';
import type { BackupHooks, ChangeRules } from './types.js';
import type { Budget, Clock } from '../util/index.js';

/** Everything the walk of one backup shares. */
export interface WalkContext {
  repo: Repository;
  source: Source;
  names: IdNames;
  reader: FileReader;
  pipeline: BlobPipeline;
  stats: Stats;
  /** Files being read at once (the walk waits for a slot: back-pressure). */
  fileSlots: Budget;
  sourceErrors: SourceError[];
  xattrs: Promise<XattrMap> | undefined;
  force: boolean;
  /** `--ignore-inode`, `--ignore-ctime`, `--with-atime`. */
  change: ChangeRules;
  /** formatTime in the local zone, with the zone's offsets remembered for this run (localTimeFormatter). */
  formatTime: (ns: bigint) => string;
  dryRun: boolean;
  signal: AbortSignal;
  clock: Clock;
  /** Paths of files being read now, for the status line. */
  current: Set<string>;
  emit: (e: ProgressEvent) => void;
  /** Called for every tree; returns its id. */
  saveTree: (tree: Tree) => Promise<Id>;
  hooks: BackupHooks | undefined;
}

/** Throws if the user aborted or a save already failed, so the walk stops promptly. */
export function checkRunning(ctx: WalkContext): void {
  throwIfAborted(ctx.signal);
  if (ctx.pipeline.error !== undefined) throw ctx.pipeline.error;
}

export function recordSourceError(ctx: WalkContext, err: SourceError): void {
  ctx.sourceErrors.push(err);
  ctx.stats.errorCount++;
  ctx.emit({ kind: 'source-error', item: err.item, during: err.during, message: err.message });
}

/** A tree saver that counts new tree blobs; on a dry run it only computes ids. */
export function makeTreeSaver(repo: Repository, stats: Stats, dryRun: boolean): (tree: Tree) => Promise<Id> {
  const seen = new Set<Id>();
  return async (tree) => {
    const bytes = encodeTree({ nodes: sortNodes(tree.nodes) });
    if (dryRun) {
      const id = hashId(bytes);
      if (!seen.has(id) && !repo.has('tree', id)) stats.addTree(bytes.length, bytes.length);
      seen.add(id);
      return id;
    }
    const res = await repo.saveBlob('tree', bytes);
    if (!res.known) stats.addTree(bytes.length, res.sizeInRepo);
    return res.id;
  };
}
