import type { FsPath, Id } from '../core/index.js';
import type { IndexEntry, PackRange as RepoPackRange, Repository } from '../repository/index.js';
import { plainLength, splitRanges } from '../repository/index.js';
import type { PlannedFile } from './plan.js';
import type { FdFile, FileIdentity } from './safe-fs.js';

export { SEAL_OVERHEAD } from '../repository/index.js';

/** One file being written: its content arrives blob by blob, in pack order rather than file order. */
export interface FileTask {
  file: PlannedFile;
  path: FsPath;
  /** Blob writes still to come; the file is finished (metadata, close) when this reaches 0. */
  pending: number;
  written: number;
  /** Opened on the first write; closed when the file is finished, or earlier to make room (see OpenFiles). */
  fh?: Promise<FdFile> | undefined;
  /** `fh` once it has opened. */
  opened?: FdFile | undefined;
  /** Set when the file was closed before it was complete: it is reopened, not created, and must still be this file. */
  identity?: FileIdentity;
  /** Writes to `fh` planned or inside worker jobs not yet answered: the file must not be closed before they are. */
  writing: number;
  failed: boolean;
  /** Why the file cannot be restored before anything is read (a blob missing from the index). */
  missing?: string;
}

export interface BlobUse {
  task: FileTask;
  offset: number;
}

export interface PlannedBlob {
  id: Id;
  entry: IndexEntry;
  uses: BlobUse[];
}

/** Blobs of one pack read in a single backend read, from `offset` for `length` bytes. */
export type PackRange = RepoPackRange<PlannedBlob>;

/** Gaps up to this size inside one pack are read and thrown away rather than split into two reads. */
const MAX_GAP = 1 << 20;

/**
 * Plans a restore by pack, like restic's filerestorer: which blobs of which pack go to which files at which offsets.
 * Packs come in the order files first need them; each pack's blobs are read as few contiguous ranges of at most
 * `maxRange` bytes (a blob longer than that is a range of its own).
 */
export function planPackReads(
  repo: Repository,
  files: readonly PlannedFile[],
  pathOf: (f: PlannedFile) => FsPath,
  maxRange: number,
): { tasks: FileTask[]; ranges: PackRange[] } {
  const tasks: FileTask[] = [];
  const blobs = new Map<Id, PlannedBlob>();
  const packs = new Map<Id, PlannedBlob[]>();
  for (const file of files) {
    const task: FileTask = { file, path: pathOf(file), pending: 0, written: 0, writing: 0, failed: false };
    tasks.push(task);
    const content = file.node.content ?? [];
    const entries = content.map((id) => repo.lookup('data', id));
    const lost = content.findIndex((_, i) => entries[i] === undefined);
    if (lost >= 0) {
      task.missing = `The data blob ${content[lost]} is not in the index.`;
      continue;
    }
    let offset = 0;
    content.forEach((id, i) => {
      const entry = entries[i]!;
      let blob = blobs.get(id);
      if (blob === undefined) {
        blob = { id, entry, uses: [] };
        blobs.set(id, blob);
        const inPack = packs.get(entry.packId);
        if (inPack === undefined) packs.set(entry.packId, [blob]);
        else inPack.push(blob);
      }
      blob.uses.push({ task, offset });
      task.pending++;
      offset += plainLength(entry);
    });
  }
  const ranges: PackRange[] = [];
  for (const [packId, list] of packs) ranges.push(...splitRanges(packId, list, { maxGap: MAX_GAP, maxRange }));
  return { tasks, ranges };
}
