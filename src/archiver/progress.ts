import type { ProgressListener } from '../core/index.js';
import type { ScanTotals } from '../source/index.js';
import type { Clock } from '../util/index.js';
import type { Stats } from './stats.js';

/**
 * Periodic 'backup-status' events: done counts from the walk, totals from the parallel scanner (restic's scanner),
 * an ETA from the byte rate once the scanner has finished.
 */
export class StatusReporter {
  private timer: NodeJS.Timeout | undefined;
  private totals: ScanTotals = { files: 0, dirs: 0, bytes: 0 };
  private scanDone = false;
  private readonly start: number;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly stats: Stats,
    private readonly current: Set<string>,
    private readonly clock: Clock,
    intervalMs: number,
  ) {
    this.start = clock.now();
    if (listener) {
      this.timer = setInterval(() => this.report(), intervalMs);
      this.timer.unref();
    }
  }

  setTotals(t: ScanTotals, done: boolean): void {
    this.totals = { ...t };
    this.scanDone = done;
  }

  report(): void {
    if (!this.listener) return;
    const elapsed = (this.clock.now() - this.start) / 1000;
    const totalBytes = Math.max(this.totals.bytes, this.stats.bytesDone);
    const totalFiles = Math.max(this.totals.files, this.stats.filesDone);
    const percentDone = totalBytes > 0 ? this.stats.bytesDone / totalBytes : 0;
    const event: Parameters<ProgressListener>[0] = {
      kind: 'backup-status',
      secondsElapsed: elapsed,
      percentDone,
      totalFiles,
      filesDone: this.stats.filesDone,
      totalBytes,
      bytesDone: this.stats.bytesDone,
      errorCount: this.stats.errorCount,
      currentFiles: [...this.current].slice(0, 2),
    };
    if (this.scanDone && percentDone > 0 && elapsed > 0) {
      event.secondsRemaining = Math.max(0, (elapsed / percentDone) * (1 - percentDone));
    }
    this.listener(event);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
