/** Progress views of one event stream: a terminal status line or restic's JSON message lines. */
import type { BackupStatus, ProgressEvent, RestoreStatus } from '../../core/index.js';
import { maskCredentials } from '../../util/index.js';
import { formatBytes, formatDuration } from './format.js';
import { jsonLine } from './json.js';
import { StatusLine } from './status-line.js';

export interface OutputStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

export interface ProgressSettings {
  json: boolean;
  quiet: boolean;
  verbose: number;
  /** Show a status line (stderr is a terminal and neither --json nor --quiet). */
  tty: boolean;
  now: () => number;
}

/** The one-line backup status: elapsed, files, bytes, rate, ETA and the current file. */
export function backupStatusText(s: BackupStatus): string {
  const rate = s.secondsElapsed > 0 ? `${formatBytes(s.bytesDone / s.secondsElapsed)}/s` : '';
  const eta = s.secondsRemaining !== undefined ? ` ETA ${formatDuration(s.secondsRemaining)}` : '';
  const pct = `${(s.percentDone * 100).toFixed(2)}%`;
  const files = `${s.filesDone}/${s.totalFiles} files`;
  const bytes = `${formatBytes(s.bytesDone)}/${formatBytes(s.totalBytes)}`;
  const errs = s.errorCount > 0 ? ` ${s.errorCount} errors` : '';
  const current = s.currentFiles.length > 0 ? ` ${s.currentFiles[0]}` : '';
  return `[${formatDuration(s.secondsElapsed)}] ${pct} ${files} ${bytes} ${rate}${eta}${errs}${current}`;
}

export function restoreStatusText(s: RestoreStatus): string {
  const pct = `${(s.percentDone * 100).toFixed(2)}%`;
  return (
    `[${formatDuration(s.secondsElapsed)}] ${pct} ${s.filesRestored}/${s.totalFiles} files ` +
    `${formatBytes(s.bytesRestored)}/${formatBytes(s.totalBytes)}`
  );
}

/** restic's backup `status` message. */
export function backupStatusJSON(s: BackupStatus): Record<string, unknown> {
  const out: Record<string, unknown> = {
    message_type: 'status',
    seconds_elapsed: Math.floor(s.secondsElapsed),
  };
  if (s.secondsRemaining !== undefined) out.seconds_remaining = Math.floor(s.secondsRemaining);
  out.percent_done = s.percentDone;
  out.total_files = s.totalFiles;
  out.files_done = s.filesDone;
  out.total_bytes = s.totalBytes;
  out.bytes_done = s.bytesDone;
  out.error_count = s.errorCount;
  if (s.currentFiles.length > 0) out.current_files = s.currentFiles;
  return out;
}

export function restoreStatusJSON(s: RestoreStatus): Record<string, unknown> {
  return {
    message_type: 'status',
    seconds_elapsed: Math.floor(s.secondsElapsed),
    percent_done: s.percentDone,
    total_files: s.totalFiles,
    files_restored: s.filesRestored,
    total_bytes: s.totalBytes,
    bytes_restored: s.bytesRestored,
  };
}

/**
 * Renders progress events. JSON status lines go out about once a second, the terminal line ~4×/s; errors and
 * warnings always reach stderr (as JSON lines with --json, as restic does).
 */
export class ProgressView {
  private readonly line: StatusLine | undefined;
  private lastJSON = -Infinity;
  errorCount = 0;

  constructor(
    private readonly io: OutputStreams,
    private readonly settings: ProgressSettings,
  ) {
    this.line =
      settings.tty && !settings.json && !settings.quiet ? new StatusLine(io.stderr, settings.now) : undefined;
  }

  /** Whether status events reach the output: a terminal status line, or JSON status lines without --quiet. */
  get showsStatus(): boolean {
    return this.line !== undefined || (this.settings.json && !this.settings.quiet);
  }

  readonly listener = (e: ProgressEvent): void => {
    switch (e.kind) {
      case 'backup-status':
        this.status(backupStatusText(e), backupStatusJSON(e));
        return;
      case 'restore-status':
        this.status(restoreStatusText(e), restoreStatusJSON(e));
        return;
      case 'backup-file':
        this.fileDone(e);
        return;
      case 'source-error':
        this.errorCount++;
        if (this.settings.json) {
          this.io.stderr.write(
            jsonLine({
              message_type: 'error',
              error: { message: e.message },
              during: e.during,
              item: e.item,
            }),
          );
        } else
          this.stderrLine(`error: ${e.message.includes(e.item) ? e.message : `${e.item}: ${e.message}`}`);
        return;
      case 'warning':
        this.warn(e.message);
        return;
      default:
        return;
    }
  };

  warn(text: string): void {
    const message = maskCredentials(text);
    if (this.settings.json) this.io.stderr.write(jsonLine({ message_type: 'warning', message }));
    else this.stderrLine(`warning: ${message}`);
  }

  private status(text: string, json: Record<string, unknown>): void {
    if (this.settings.json) {
      const t = this.settings.now();
      if (t - this.lastJSON < 1000) return;
      this.lastJSON = t;
      if (!this.settings.quiet) this.io.stdout.write(jsonLine(json));
    } else this.line?.update(text);
  }

  private fileDone(e: Extract<ProgressEvent, { kind: 'backup-file' }>): void {
    if (this.settings.verbose < 1) return;
    if (this.settings.json) {
      this.io.stdout.write(
        jsonLine({
          message_type: 'verbose_status',
          action: e.action,
          item: e.item,
          duration: e.duration,
          data_size: e.dataSize,
          data_size_in_repo: e.dataSizeInRepo,
          metadata_size: e.metadataSize,
          total_files: e.totalFiles,
        }),
      );
    } else if (this.settings.verbose >= 2) {
      const added = e.dataSizeInRepo > 0 ? ` (${formatBytes(e.dataSizeInRepo)} added)` : '';
      this.stdoutLine(`${e.action.padEnd(10)}${e.item}, saved in ${e.duration.toFixed(3)}s${added}`);
    }
  }

  private stderrLine(text: string): void {
    if (this.line) this.line.log(text);
    else this.io.stderr.write(`${text}\n`);
  }

  private stdoutLine(text: string): void {
    this.line?.clear();
    this.io.stdout.write(`${text}\n`);
  }

  /** Removes the status line before the final output. */
  done(): void {
    this.line?.clear();
  }
}
