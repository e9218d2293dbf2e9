import type { Id } from '../core/index.js';
import type { PackBlob, Repository } from '../repository/index.js';
import type { CheckIndex } from './check-index.js';
import { judgeByHeader } from './check-packs.js';
import type { CheckReport } from './check-report.js';
import { reason } from './check-report.js';
import type { PackVerifier, VerifyOutcome } from './pack-verifier.js';
import { forEachLimit, WorkerCrashError } from '../util/index.js';

/** One read of a whole pack, verified: its header as decoded (or why not), its size and what the verifier found. */
interface PackRead {
  size: number;
  header: PackBlob[] | { error: unknown };
  blobs: readonly PackBlob[];
  outcome: VerifyOutcome;
}

/**
 * Reads a pack whole and has it verified. The header is decoded here (it is small) before the bytes move to the
 * verifier, which hashes the pack and opens every blob. Without a header the index still says where the blobs are,
 * which names the damaged ones.
 */
async function readAndVerify(repo: Repository, index: CheckIndex, verifier: PackVerifier, packId: Id, size: number): Promise<PackRead> {
  const bytes = await repo.readPackRange(packId, 0, size);
  let header: PackRead['header'];
  try {
    header = repo.parsePackHeader(bytes);
  } catch (err) {
    header = { error: err };
  }
  const blobs = Array.isArray(header) ? header : (index.packs.get(packId) ?? []);
  // Taken before the bytes move to another thread, which leaves this view empty.
  const read = bytes.length;
  const outcome = await verifier.verify(packId, bytes, blobs);
  return { size: read, header, blobs, outcome };
}

/** Reports what one read of a pack showed: its name, its header against the index, and every blob in it. */
function reportPack(index: CheckIndex, packId: Id, read: PackRead, report: CheckReport): void {
  report.verifiedPacks.add(packId);
  if (!read.outcome.nameMatches) report.damaged(packId, `pack ${packId}: ID does not match, file is damaged`);
  if (Array.isArray(read.header)) judgeByHeader(packId, read.size, read.header, index, report);
  else report.damaged(packId, `pack ${packId}: header cannot be decoded: ${reason(read.header.error)}`);
  read.blobs.forEach((blob, i) => {
    if (blob.offset + blob.length > read.size) {
      report.damagedBlob(packId, blob.id, `pack ${packId}: blob ${blob.id} ends past the end of the pack`);
      return;
    }
    const error = read.outcome.openErrors[i];
    if (error !== undefined) report.damagedBlob(packId, blob.id, `pack ${packId}: blob ${blob.id}: ${reason(new Error(error))}`);
  });
}

/**
 * Reads each pack whole (restic's `--read-data`) with at most `concurrency` packs in memory at a time; the verifier
 * hashes and opens them (on all cores when it runs workers). Bytes that do not hash to the pack's name are read a
 * second time and that copy is judged: a pack is called damaged only when two reads agree (see readRechecked).
 * Returns the bytes read.
 */
export async function readPacks(
  repo: Repository,
  index: CheckIndex,
  packs: ReadonlyMap<Id, number>,
  report: CheckReport,
  concurrency: number,
  verifier: PackVerifier,
): Promise<number> {
  let bytesTotal = 0;
  for (const size of packs.values()) bytesTotal += size;
  let bytesDone = 0;
  let done = 0;
  report.progress('read-data', 0, packs.size, { done: 0, total: bytesTotal });
  await forEachLimit(packs.keys(), concurrency, async (packId) => {
    report.throwIfAborted();
    const size = packs.get(packId) ?? 0;
    let read: PackRead | undefined;
    try {
      read = await readAndVerify(repo, index, verifier, packId, size);
      if (!read.outcome.nameMatches) read = await readAndVerify(repo, index, verifier, packId, size);
    } catch (err) {
      // A dead worker says nothing about the pack: check stops rather than blame it.
      if (err instanceof WorkerCrashError) throw err;
      report.packFailure(packId, `pack ${packId}: cannot be read: ${reason(err)}`, err);
    }
    if (read) {
      reportPack(index, packId, read, report);
      bytesDone += read.size;
    }
    report.progress('read-data', ++done, packs.size, { done: bytesDone, total: bytesTotal });
  });
  return bytesDone;
}
