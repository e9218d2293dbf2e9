/** Typed progress events of long operations; the CLI renders them as a bar or JSON lines, the server as SSE. */
export interface BackupStatus {
  kind: 'backup-status';
  secondsElapsed: number;
  secondsRemaining?: number;
  percentDone: number;
  totalFiles: number;
  filesDone: number;
  totalBytes: number;
  bytesDone: number;
  errorCount: number;
  currentFiles: string[];
}

export interface BackupFileEvent {
  kind: 'backup-file';
  action: 'new' | 'unchanged' | 'modified';
  item: string;
  duration: number;
  dataSize: number;
  dataSizeInRepo: number;
  metadataSize: number;
  totalFiles: number;
}

export interface SourceErrorEvent {
  kind: 'source-error';
  item: string;
  during: string;
  message: string;
}

export interface RestoreStatus {
  kind: 'restore-status';
  secondsElapsed: number;
  percentDone: number;
  totalFiles: number;
  filesRestored: number;
  totalBytes: number;
  bytesRestored: number;
}

export interface WarningEvent {
  kind: 'warning';
  message: string;
}

/** Progress of `check`: one phase at a time; `total` may grow while trees are discovered. */
export interface CheckStatus {
  kind: 'check-status';
  phase: 'index' | 'packs' | 'snapshots' | 'trees' | 'read-data' | 'affected';
  done: number;
  total: number;
  bytesDone?: number;
  bytesTotal?: number;
  errorCount: number;
}

export type ProgressEvent =
  | BackupStatus
  | BackupFileEvent
  | SourceErrorEvent
  | RestoreStatus
  | WarningEvent
  | CheckStatus;

export type ProgressListener = (event: ProgressEvent) => void;
