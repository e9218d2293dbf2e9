/**
 * `repair index` (restic 0.14's `rebuild-index`): builds the index again from the pack files. Packs the index
 * already describes correctly (listed with the size their entries imply) keep their entries unless `readAllPacks`;
 * every other pack's header is read. A pack whose header cannot be read is named and left out of the index, as are
 * indexed packs that are gone and index files that cannot be read. Crash-safe order: the new index files are written
 * first, the old ones deleted last, so at every moment the index files together name every readable pack.
 */
import type { Id } from '../core/index.js';
import { isCairnError, throwIfAborted } from '../core/index.js';
import type { PackBlob, Repository } from '../repository/index.js';
import { forEachLimit } from '../util/index.js';
import { expectedPackSize } from './check-index.js';

const HEADER_READERS = 4;

export interface RepairIndexOptions {
  /** Read the header of every pack, not only of those the index does not describe correctly. */
  readAllPacks?: boolean;
  signal: AbortSignal;
  /** Called as each step starts, with restic's wording ("loading indexes..."). */
  onStep?: (message: string) => void;
  /** Called, in restic's wording, for each pack or index file that is added, read again, dropped or skipped. */
  onWarning?: (message: string) => void;
}

export interface RepairIndexResult {
  /** Packs no index named, now indexed from their headers. */
  added: Id[];
  /** Indexed packs whose size differed from the index, indexed again from their headers. */
  reindexed: Id[];
  /** Packs the index named that are not in the repository, dropped from the index. */
  missing: Id[];
  /** Packs whose header could not be read, left out of the index, with the reason. */
  unreadable: { id: Id; reason: string }[];
  /** Index files that could not be read, deleted once the new index was written, with the reason. */
  damagedIndexFiles: { id: Id; reason: string }[];
  packsRead: number;
  indexFiles: { written: number; removed: number };
}

export async function repairIndex(repo: Repository, opts: RepairIndexOptions): Promise<RepairIndexResult> {
  const say = opts.onStep ?? ((): void => undefined);
  const warn = opts.onWarning ?? ((): void => undefined);
  const result: RepairIndexResult = {
    added: [],
    reindexed: [],
    missing: [],
    unreadable: [],
    damagedIndexFiles: [],
    packsRead: 0,
    indexFiles: { written: 0, removed: 0 },
  };
  say('loading indexes...');
  await repo.loadIndex({
    onDamaged: (id, err) => {
      warn(`removing invalid index ${id}: ${err.message}`);
      result.damagedIndexFiles.push({ id, reason: err.message });
    },
  });
  // The size each indexed pack must have: its blobs plus the header its entries imply.
  const indexedSize = new Map([...repo.indexedPacks()].map(([id, blobs]) => [id, expectedPackSize(blobs)]));

  say('getting pack files to read...');
  const toRead: Id[] = [];
  const listed = new Set<Id>();
  for await (const { name, size } of repo.list('data')) {
    listed.add(name);
    const expected = indexedSize.get(name);
    if (expected === undefined) {
      warn(`adding pack file to index ${name}`);
      result.added.push(name);
    } else if (expected !== size) {
      warn(`reindexing pack file ${name} with unexpected size ${size} instead of ${expected}`);
      result.reindexed.push(name);
    } else if (opts.readAllPacks !== true) continue;
    toRead.push(name);
  }
  for (const id of indexedSize.keys()) {
    if (listed.has(id)) continue;
    warn(`removing not found pack file ${id}`);
    result.missing.push(id);
  }
  throwIfAborted(opts.signal);

  const headers = new Map<Id, readonly PackBlob[]>();
  if (toRead.length > 0) say('reading pack files');
  await forEachLimit(toRead.sort(), HEADER_READERS, async (id) => {
    throwIfAborted(opts.signal);
    try {
      headers.set(id, await repo.loadPackHeader(id));
    } catch (err) {
      // Only a pack's own damage (or its removal meanwhile) is skipped; a failing backend stops the repair.
      if (!isCairnError(err, 'corrupt') && !isCairnError(err, 'not-found')) throw err;
      warn(`skipping invalid file ${id}: ${err.message}`);
      result.unreadable.push({ id, reason: err.message });
    }
  });
  result.packsRead = toRead.length;
  result.unreadable.sort((a, b) => (a.id < b.id ? -1 : 1));
  result.added = result.added.filter((id) => headers.has(id)).sort();
  const forget = new Set([...result.missing, ...result.unreadable.map((u) => u.id)]);
  result.missing.sort();
  result.reindexed = result.reindexed.filter((id) => headers.has(id)).sort();
  throwIfAborted(opts.signal);

  repo.reindexPacks(forget, headers);
  say('rebuilding index');
  result.indexFiles = await repo.rewriteIndex(new Set());
  // Damaged index files were never loaded, so rewriteIndex does not know them: deleted last, as the others.
  const damaged = result.damagedIndexFiles.map((d) => d.id);
  await repo.removeFiles('index', damaged);
  result.indexFiles.removed += damaged.length;
  say('done');
  return result;
}
