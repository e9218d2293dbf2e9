import type { CheckStatus, Id, ProgressListener } from '../core/index.js';
import { isCairnError, throwIfAborted } from '../core/index.js';

type Phase = CheckStatus['phase'];

/**
 * What one check run has found so far, shared by its phases: one line per problem, the packs whose bytes are bad,
 * progress for the front ends, and the abort signal.
 */
export class CheckReport {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  readonly damagedPacks = new Set<Id>();
  readonly missingPacks = new Set<Id>();
  readonly unreferencedPacks: Id[] = [];
  /** `packId:blobId` of blob copies found bad when their pack was read whole. */
  readonly badBlobCopies = new Set<string>();
  /** Packs read whole: their blobs were judged one by one, so a damaged pack does not condemn all of them. */
  readonly verifiedPacks = new Set<Id>();
  /** Trees that could not be loaded (the walk did not go below them). */
  readonly unloadableTrees = new Set<Id>();
  /** Set when a tree refers to a blob that no index names. */
  unindexedBlobs = false;
  private readonly signal: AbortSignal | undefined;
  private readonly onProgress: ProgressListener | undefined;

  constructor(signal?: AbortSignal, onProgress?: ProgressListener) {
    this.signal = signal;
    this.onProgress = onProgress;
  }

  error(message: string): void {
    this.errors.push(message);
  }

  /** An error that means the pack's bytes are wrong: `repair`/`prune` must deal with that pack. */
  damaged(packId: Id, message: string): void {
    this.damagedPacks.add(packId);
    this.errors.push(message);
  }

  /** A pack that could not be checked: damaged if its bytes were wrong, a plain error if reading it failed. */
  packFailure(packId: Id, message: string, err: unknown): void {
    if (isCairnError(err, 'corrupt')) this.damaged(packId, message);
    else this.error(message);
  }

  /** A blob copy whose bytes are wrong: its pack is damaged and files using only this copy are affected. */
  damagedBlob(packId: Id, blobId: Id, message: string): void {
    this.badBlobCopies.add(`${packId}:${blobId}`);
    this.damaged(packId, message);
  }

  /** Whether anything was found that can make files of snapshots unrestorable. */
  get blobsAtRisk(): boolean {
    return (
      this.damagedPacks.size > 0 || this.missingPacks.size > 0 || this.unloadableTrees.size > 0 || this.unindexedBlobs
    );
  }

  warning(message: string): void {
    this.warnings.push(message);
  }

  progress(phase: Phase, done: number, total: number, bytes?: { done: number; total: number }): void {
    if (!this.onProgress) return;
    const event: CheckStatus = { kind: 'check-status', phase, done, total, errorCount: this.errors.length };
    if (bytes) {
      event.bytesDone = bytes.done;
      event.bytesTotal = bytes.total;
    }
    this.onProgress(event);
  }

  /**
   * Runs one phase; its messages are then sorted, so that the report does not depend on which of the concurrent
   * loads finished first.
   */
  async phase<T>(run: () => Promise<T>): Promise<T> {
    this.throwIfAborted();
    const errorsBefore = this.errors.length;
    const warningsBefore = this.warnings.length;
    const result = await run();
    this.errors.push(...this.errors.splice(errorsBefore).sort());
    this.warnings.push(...this.warnings.splice(warningsBefore).sort());
    return result;
  }

  throwIfAborted(): void {
    throwIfAborted(this.signal);
  }
}

/** The message of an error for a one-line report (CairnError messages are single sentences already). */
export function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\.$/, '').replace(/\s*\n\s*/g, ' ');
}
