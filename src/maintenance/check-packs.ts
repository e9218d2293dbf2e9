import type { Id } from '../core/index.js';
import type { PackBlob, Repository } from '../repository/index.js';
import type { CheckIndex, IndexedBlob } from './check-index.js';
import { expectedPackSize } from './check-index.js';
import type { CheckReport } from './check-report.js';
import { reason } from './check-report.js';
import { forEachLimit } from '../util/index.js';

/**
 * Compares the index with the listing of `data/` (one list call): every indexed pack must exist with the size its
 * entries imply; packs no index names are only a hint, as in restic. Returns the packs whose size is right, the
 * ones worth looking into further.
 */
export async function checkPackFiles(repo: Repository, index: CheckIndex, report: CheckReport): Promise<Map<Id, number>> {
  const listed = new Map<Id, number>();
  for await (const f of repo.list('data')) listed.set(f.name, f.size);
  report.throwIfAborted();

  const healthy = new Map<Id, number>();
  const total = index.packs.size;
  let done = 0;
  for (const packId of [...index.packs.keys()].sort()) {
    const blobs = index.packs.get(packId) ?? [];
    const size = listed.get(packId);
    const expected = expectedPackSize(blobs);
    if (size === undefined) {
      report.missingPacks.add(packId);
      report.error(`pack ${packId} does not exist`);
    } else if (size !== expected) {
      report.damaged(packId, `pack ${packId}: size ${size} does not match the ${expected} bytes its index entries imply`);
    } else {
      healthy.set(packId, size);
    }
    if (hasGapsOrOverlaps(blobs)) report.error(`pack ${packId}: index entries leave gaps or overlap`);
    report.progress('packs', ++done, total);
  }
  for (const packId of [...listed.keys()].sort()) {
    if (index.packs.has(packId)) continue;
    report.unreferencedPacks.push(packId);
    report.warning(`pack ${packId} not referenced in any index`);
  }
  return healthy;
}

function hasGapsOrOverlaps(blobs: readonly PackBlob[]): boolean {
  const sorted = [...blobs].sort((a, b) => a.offset - b.offset);
  let end = 0;
  for (const b of sorted) {
    if (b.offset !== end) return true;
    end = b.offset + b.length;
  }
  return false;
}

function describe(b: PackBlob): string {
  const ul = b.uncompressedLength === undefined ? 'uncompressed' : `uncompressed length ${b.uncompressedLength}`;
  return `${b.type} at offset ${b.offset}, length ${b.length}, ${ul}`;
}

function sameEntry(a: PackBlob, b: PackBlob): boolean {
  return (
    a.id === b.id &&
    a.type === b.type &&
    a.offset === b.offset &&
    a.length === b.length &&
    a.uncompressedLength === b.uncompressedLength
  );
}

/**
 * The pack header and the index must describe the same blobs at the same places. Returns one message per
 * disagreement, naming the pack and the blob.
 */
export function compareHeaderWithIndex(packId: Id, header: readonly PackBlob[], indexed: readonly IndexedBlob[]): string[] {
  const problems: string[] = [];
  const headerById = new Map<Id, PackBlob[]>();
  for (const h of header) {
    const list = headerById.get(h.id);
    if (list) list.push(h);
    else headerById.set(h.id, [h]);
  }
  const matched = new Set<PackBlob>();
  for (const entry of indexed) {
    const candidates = headerById.get(entry.id);
    const exact = candidates?.find((h) => sameEntry(h, entry));
    if (exact) {
      matched.add(exact);
    } else if (candidates && candidates.length > 0) {
      const [first] = candidates;
      if (first) matched.add(first);
      problems.push(
        `pack ${packId}: blob ${entry.id}: the index says ${describe(entry)}, the pack header says ${describe(first ?? entry)}`,
      );
    } else {
      problems.push(`pack ${packId}: blob ${entry.id} (${entry.type}) is in the index but not in the pack header`);
    }
  }
  for (const h of header) {
    if (!matched.has(h)) problems.push(`pack ${packId}: blob ${h.id} (${h.type}) is in the pack header but not in the index`);
  }
  return problems;
}

/**
 * Reads only the header of each pack (a ranged read of the tail) and compares it with the index. A header that
 * cannot be read or disagrees with the index marks the pack damaged.
 */
export async function checkPackHeaders(
  repo: Repository,
  index: CheckIndex,
  packIds: readonly Id[],
  report: CheckReport,
  concurrency: number,
): Promise<void> {
  let done = 0;
  await forEachLimit(packIds, concurrency, async (packId) => {
    report.throwIfAborted();
    let header: PackBlob[] | undefined;
    try {
      header = await repo.loadPackHeader(packId);
    } catch (err) {
      report.packFailure(packId, `pack ${packId}: header cannot be read: ${reason(err)}`, err);
    }
    if (header) {
      for (const p of compareHeaderWithIndex(packId, header, index.packs.get(packId) ?? [])) report.damaged(packId, p);
    }
    report.progress('packs', ++done, packIds.length);
  });
}
