/** What the daemon tells the notifier: one fact about one job, already decided (the notifier does not judge runs). */
export type NotifyEventKind =
  | 'run-started'
  | 'run-succeeded'
  | 'run-failed'
  | 'run-warning'
  | 'job-overdue'
  | 'drill-overdue'
  | 'size-drop'
  | 'recovered';

export type NotifyOperation = 'backup' | 'copy' | 'forget' | 'prune' | 'check' | 'drill' | 'restore';

export interface NotifyFigures {
  files?: number;
  bytesAdded?: number;
  bytesTotal?: number;
  /** For `size-drop`: the total of the run compared against. */
  previousBytesTotal?: number;
}

export interface NotifyEvent {
  kind: NotifyEventKind;
  /** The job's name in the config file. */
  job: string;
  host: string;
  time: Date;
  operation?: NotifyOperation;
  /** The repository's NAME from the config file, never its URL or password. */
  repository?: string;
  snapshotId?: string;
  durationMs?: number;
  figures?: NotifyFigures;
  /** One sentence: what went wrong. Secrets in it are masked before it leaves the process. */
  error?: string;
  /** What to do about it; a default is used for the kinds that have one. */
  hint?: string;
  /** For the overdue kinds: the period the job (or drill) should have succeeded within, as written in the config ("26h"). */
  expectedWithin?: string;
}

/** The classes a route subscribes to: "only on failure" is `on: [failure]`. */
export const EVENT_CLASSES = ['failure', 'warning', 'success', 'recovery', 'start'] as const;
export type EventClass = (typeof EVENT_CLASSES)[number];

const CLASS_OF: Record<NotifyEventKind, EventClass> = {
  'run-started': 'start',
  'run-succeeded': 'success',
  'run-failed': 'failure',
  'run-warning': 'warning',
  // The dead-man's switch is an alarm: whoever wants failures wants to hear that nothing happened at all.
  'job-overdue': 'failure',
  'drill-overdue': 'failure',
  'size-drop': 'warning',
  recovered: 'recovery',
};

export function classOf(kind: NotifyEventKind): EventClass {
  return CLASS_OF[kind];
}
