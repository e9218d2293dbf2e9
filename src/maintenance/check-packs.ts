import type { Id } from '../core/index.js';
import type { PackBlob, Repository } from '../repository/index.js';
import type { CheckIndex, IndexedBlob } from './check-index.js';
import { expectedPackSize } from './check-index.js';
import type { CheckReport } from './check-report.js';
import { reason } from './check-report.js';
import { forEachLimit } from '../util/index.js';

/** What the listing of `data/` says about the indexed packs. */
export interface PackFiles {
  /** Packs whose size is what their index entries imply: the ones worth looking into further. */
  healthy: Map<Id, number>;
  /** Packs whose size is not: the pack is damaged, or the index is wrong about it (its header tells which). */
  wrongSize: Map<Id, { size: number; expected: number }>;
}

/**
 * Compares the index with the listing of `data/` (one list call): every indexed pack must exist with the size its
 * entries imply; packs no index names are only a hint, as in restic.
 */
export async function checkPackFiles(repo: Repository, index: CheckIndex, report: CheckReport): Promise<PackFiles> {
  const listed = new Map<Id, number>();
  for await (const f of repo.list('data')) listed.set(f.name, f.size);
  report.throwIfAborted();

  const files: PackFiles = { healthy: new Map(), wrongSize: new Map() };
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
      files.wrongSize.set(packId, { size, expected });
    } else {
      files.healthy.set(packId, size);
    }
    if (hasGapsOrOverlaps(blobs)) report.error(`pack ${packId}: index entries leave gaps or overlap`);
    report.progress('packs', ++done, total);
  }
  for (const packId of [...listed.keys()].sort()) {
    if (index.packs.has(packId)) continue;
    report.unreferencedPacks.push(packId);
    report.warning(`pack ${packId} not referenced in any index`);
  }
  return files;
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
        `${wrongIndex(packId)}: blob ${entry.id}: the index says ${describe(entry)}, the pack header says ${describe(first ?? entry)}`,
      );
    } else {
      problems.push(`${wrongIndex(packId)}: blob ${entry.id} (${entry.type}) is in the index but not in the pack header`);
    }
  }
  for (const h of header) {
    if (!matched.has(h)) problems.push(`${wrongIndex(packId)}: blob ${h.id} (${h.type}) is in the pack header but not in the index`);
  }
  return problems;
}

const wrongIndex = (packId: Id): string => `the index is wrong about pack ${packId}`;

/**
 * Judges a pack by its header, which is authenticated: where it disagrees with the index, the index is wrong (an
 * error, the pack is not blamed); a file size the header does not account for means the pack's bytes are damaged.
 */
export function judgeByHeader(packId: Id, size: number, header: readonly PackBlob[], index: CheckIndex, report: CheckReport): void {
  for (const p of compareHeaderWithIndex(packId, header, index.packs.get(packId) ?? [])) report.error(p);
  const implied = expectedPackSize(header);
  if (size !== implied) report.damaged(packId, `pack ${packId}: size ${size} does not match the ${implied} bytes its header implies`);
}

/**
 * Reads only the header of each pack (a ranged read of the tail) and judges the pack by it (see judgeByHeader). A
 * header that cannot be read marks the pack damaged; so does a wrong size with such a header.
 */
export async function checkPackHeaders(
  repo: Repository,
  index: CheckIndex,
  sizes: ReadonlyMap<Id, number>,
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
    if (header) judgeByHeader(packId, sizes.get(packId) ?? 0, header, index, report);
    report.progress('packs', ++done, packIds.length);
  });
}

/**
 * Packs whose size differs from what the index implies: when the header is readable and accounts for the size, the
 * index is wrong and the pack is returned (with its size) to be checked as any other; otherwise the pack is damaged.
 */
export async function judgeWrongSizes(
  repo: Repository,
  wrongSize: PackFiles['wrongSize'],
  report: CheckReport,
  concurrency: number,
): Promise<Map<Id, number>> {
  const exonerated = new Map<Id, number>();
  await forEachLimit([...wrongSize.keys()], concurrency, async (packId) => {
    report.throwIfAborted();
    const { size, expected } = wrongSize.get(packId)!;
    const message = `pack ${packId}: size ${size} does not match the ${expected} bytes its index entries imply`;
    let header: PackBlob[];
    try {
      header = await repo.loadPackHeader(packId);
    } catch (err) {
      report.packFailure(packId, message, err);
      return;
    }
    if (expectedPackSize(header) !== size) {
      report.damaged(packId, message);
      return;
    }
    // What the index gets wrong is reported when the pack is checked with the others.
    exonerated.set(packId, size);
  });
  return exonerated;
}
