import { createHash } from 'node:crypto';
import type { Id } from '../core/index.js';
import type { PackBlob, Repository } from '../repository/index.js';
import type { CheckIndex } from './check-index.js';
import { judgeByHeader } from './check-packs.js';
import type { CheckReport } from './check-report.js';
import { reason } from './check-report.js';
import { planSegments } from './check-segments.js';
import type { OpenErrors, PackVerifier } from './pack-verifier.js';
import { forEachLimit, WorkerCrashError } from '../util/index.js';

/** Bytes of a pack read and opened at once: whole blobs, so a larger blob is a segment of its own. */
const SEGMENT_BYTES = 2 * 1024 * 1024;
/** The end of a pack read first for its header; most headers fit, a longer one costs a second read. */
const TAIL_BYTES = 64 * 1024;

/** What one read of a pack showed: its header as decoded (or why not), its size, and what opening its blobs found. */
interface PackRead {
  size: number;
  header: PackBlob[] | { error: unknown };
  blobs: readonly PackBlob[];
  nameMatches: boolean;
  openErrors: OpenErrors;
}

/** The last bytes of a pack, at least its header and length (when the length is plausible). */
async function readTail(repo: Repository, packId: Id, size: number): Promise<Buffer> {
  const first = Math.min(size, TAIL_BYTES);
  const tail = await repo.readPackRange(packId, size - first, first);
  const len = tail.length >= 4 ? tail.readUInt32LE(tail.length - 4) : 0;
  return len + 4 > tail.length && len + 4 <= size ? repo.readPackRange(packId, size - len - 4, len + 4) : tail;
}

/**
 * Reads a pack as a stream of segments and has their blobs opened, so that no thread holds the whole pack: the
 * header first (from the end of the file), then the pack in order, hashed here as it goes, each segment moving to
 * the verifier once hashed (one opened while the next is read). Without a header the index still says where the
 * blobs are, which names the damaged ones.
 */
async function readAndVerify(repo: Repository, index: CheckIndex, verifier: PackVerifier, packId: Id, size: number): Promise<PackRead> {
  const tail = await readTail(repo, packId, size);
  const tailStart = size - tail.length;
  let header: PackRead['header'];
  try {
    header = repo.parsePackHeader(tail, size);
  } catch (err) {
    header = { error: err };
  }
  const blobs = Array.isArray(header) ? header : (index.packs.get(packId) ?? []);
  const openErrors: OpenErrors = new Array<string | undefined>(blobs.length).fill(undefined);
  const hash = createHash('sha256');
  // The segment being opened while the next is read; its failure (a dead worker) is kept, not left unhandled.
  let opening: Promise<void> = Promise.resolve();
  let failure: { err: unknown } | undefined;
  const settle = async (): Promise<void> => {
    await opening;
    if (failure) throw failure.err;
  };
  try {
    for (const seg of planSegments(blobs, size, SEGMENT_BYTES)) {
      const bytes =
        seg.start >= tailStart
          ? tail.subarray(seg.start - tailStart, seg.end - tailStart)
          : await repo.readPackRange(packId, seg.start, seg.end - seg.start);
      hash.update(bytes);
      await settle();
      if (seg.blobs.length === 0) continue;
      const inSegment = seg.blobs.map(({ blob }) => ({ ...blob, offset: blob.offset - seg.start }));
      opening = verifier.open(bytes, inSegment).then(
        (errors) => seg.blobs.forEach(({ index }, j) => (openErrors[index] = errors[j])),
        (err: unknown) => void (failure = { err }),
      );
    }
  } finally {
    await opening;
  }
  await settle();
  return { size, header, blobs, nameMatches: hash.digest('hex') === packId, openErrors };
}

/** Reports what one read of a pack showed: its name, its header against the index, and every blob in it. */
function reportPack(index: CheckIndex, packId: Id, read: PackRead, report: CheckReport): void {
  report.verifiedPacks.add(packId);
  if (!read.nameMatches) report.damaged(packId, `pack ${packId}: ID does not match, file is damaged`);
  if (Array.isArray(read.header)) judgeByHeader(packId, read.size, read.header, index, report);
  else report.damaged(packId, `pack ${packId}: header cannot be decoded: ${reason(read.header.error)}`);
  read.blobs.forEach((blob, i) => {
    if (blob.offset + blob.length > read.size) {
      report.damagedBlob(packId, blob.id, `pack ${packId}: blob ${blob.id} ends past the end of the pack`);
      return;
    }
    const error = read.openErrors[i];
    if (error !== undefined) report.damagedBlob(packId, blob.id, `pack ${packId}: blob ${blob.id}: ${reason(new Error(error))}`);
  });
}

/**
 * Reads every byte of each pack (restic's `--read-data`), `concurrency` packs at a time, each as a stream of
 * segments (at most two per pack in memory); the verifier opens their blobs (on all cores when it runs workers). Bytes that do not hash to the pack's name are read a
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
      if (!read.nameMatches) read = await readAndVerify(repo, index, verifier, packId, size);
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
