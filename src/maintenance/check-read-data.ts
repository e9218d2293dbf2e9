import type { Id } from '../core/index.js';
import { hashId } from '../core/index.js';
import type { PackBlob, Repository } from '../repository/index.js';
import type { CheckIndex } from './check-index.js';
import { judgeByHeader } from './check-packs.js';
import type { CheckReport } from './check-report.js';
import { reason } from './check-report.js';
import { forEachLimit } from '../util/index.js';

/** Checks one whole pack in memory: its name, its header against the index, and every blob in it. */
export function verifyPackBytes(repo: Repository, index: CheckIndex, packId: Id, bytes: Buffer, report: CheckReport): void {
  report.verifiedPacks.add(packId);
  if (hashId(bytes) !== packId) report.damaged(packId, `pack ${packId}: ID does not match, file is damaged`);
  const indexed = index.packs.get(packId) ?? [];
  let blobs: readonly PackBlob[];
  try {
    blobs = repo.parsePackHeader(bytes);
    judgeByHeader(packId, bytes.length, blobs, index, report);
  } catch (err) {
    report.damaged(packId, `pack ${packId}: header cannot be decoded: ${reason(err)}`);
    // Without a header the index still says where the blobs are, which names the damaged ones.
    blobs = indexed;
  }
  for (const blob of blobs) {
    if (blob.offset + blob.length > bytes.length) {
      report.damagedBlob(packId, blob.id, `pack ${packId}: blob ${blob.id} ends past the end of the pack`);
      continue;
    }
    try {
      repo.codec.open(bytes.subarray(blob.offset, blob.offset + blob.length), blob.id, blob.uncompressedLength);
    } catch (err) {
      report.damagedBlob(packId, blob.id, `pack ${packId}: blob ${blob.id}: ${reason(err)}`);
    }
  }
}

/**
 * Reads each pack whole (restic's `--read-data`) with at most `concurrency` packs in memory at a time. Returns
 * the bytes read.
 */
export async function readPacks(
  repo: Repository,
  index: CheckIndex,
  packs: ReadonlyMap<Id, number>,
  report: CheckReport,
  concurrency: number,
): Promise<number> {
  let bytesTotal = 0;
  for (const size of packs.values()) bytesTotal += size;
  let bytesDone = 0;
  let done = 0;
  report.progress('read-data', 0, packs.size, { done: 0, total: bytesTotal });
  await forEachLimit(packs.keys(), concurrency, async (packId) => {
    report.throwIfAborted();
    let bytes: Buffer | undefined;
    try {
      bytes = await repo.readPack(packId);
    } catch (err) {
      report.packFailure(packId, `pack ${packId}: cannot be read: ${reason(err)}`, err);
    }
    if (bytes) {
      verifyPackBytes(repo, index, packId, bytes, report);
      bytesDone += bytes.length;
    }
    report.progress('read-data', ++done, packs.size, { done: bytesDone, total: bytesTotal });
  });
  return bytesDone;
}
