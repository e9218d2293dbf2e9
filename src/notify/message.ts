import type { EventClass, NotifyEvent } from './event.js';
import { classOf } from './event.js';
import { maskSecrets } from './redact.js';

/**
 * One notification as every channel receives it: already worded, already masked. `event` is the masked event,
 * for channels that send structured data (the `json` template) or pick an endpoint by kind (healthchecks).
 */
export interface Message {
  /** One line, English: what happened, to which job, on which host. */
  subject: string;
  /** Plain text, one fact a line: what failed, where, what to do, then the figures. */
  text: string;
  eventClass: EventClass;
  event: NotifyEvent;
}

const DEFAULT_HINTS: Partial<Record<NotifyEvent['kind'], string>> = {
  'run-failed':
    'Look at the run log with `cairn status`, fix the cause and run the job again with `cairn run JOB`.',
  'job-overdue':
    'Check that `cairn serve` is running on this host and look at the last runs of the job with `cairn status`.',
  'drill-overdue': 'Run a drill now (`cairn drill`) to prove that the backups can be restored.',
  'size-drop':
    'Check whether data was deleted or encrypted at the source before retention removes the older snapshots.',
};

function what(e: NotifyEvent): string {
  const op = e.operation ?? 'backup';
  const pct = dropPercent(e);
  switch (e.kind) {
    case 'run-started':
      return `${op} started`;
    case 'run-succeeded':
      return `${op} succeeded`;
    case 'run-failed':
      return `${op} failed`;
    case 'run-warning':
      return `${op} finished with warnings`;
    case 'job-overdue':
      return `no successful run within ${e.expectedWithin ?? 'the expected interval'}`;
    case 'drill-overdue':
      return `no passed restore drill within ${e.expectedWithin ?? 'the drill period'}`;
    case 'size-drop':
      return pct === undefined ? 'backup size dropped sharply' : `backup size dropped by ${pct}%`;
    case 'recovered':
      return `${op} works again`;
  }
}

const LABEL: Record<EventClass, string> = {
  failure: 'FAILED',
  warning: 'WARNING',
  success: 'OK',
  recovery: 'RECOVERED',
  start: 'STARTED',
};

function dropPercent(e: NotifyEvent): number | undefined {
  const now = e.figures?.bytesTotal;
  const before = e.figures?.previousBytesTotal;
  if (now === undefined || before === undefined || before <= 0) return undefined;
  return Math.round((1 - now / before) * 100);
}

/** "1.5 GiB", with one decimal from KiB on: a notification is read by people, not parsed. */
function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = h > 0 ? [`${h}h`, `${m}m`] : m > 0 ? [`${m}m`, `${s % 60}s`] : [`${s % 60}s`];
  return parts.join(' ');
}

function figureLines(e: NotifyEvent): string[] {
  const f = e.figures;
  const lines: string[] = [];
  if (e.snapshotId !== undefined) lines.push(`Snapshot: ${e.snapshotId}`);
  if (e.durationMs !== undefined) lines.push(`Duration: ${duration(e.durationMs)}`);
  if (f?.files !== undefined) lines.push(`Files: ${f.files}`);
  if (f?.bytesAdded !== undefined) lines.push(`Added: ${bytes(f.bytesAdded)}`);
  if (f?.bytesTotal !== undefined) lines.push(`Total: ${bytes(f.bytesTotal)}`);
  if (f?.previousBytesTotal !== undefined) lines.push(`Previous total: ${bytes(f.previousBytesTotal)}`);
  return lines;
}

/** Masks every free-text field of an event; names pass through the mask too, in case a URL was used as a name. */
export function maskEvent(e: NotifyEvent, secrets: readonly string[]): NotifyEvent {
  const m = (s: string): string => maskSecrets(s, secrets);
  const out: NotifyEvent = { ...e, job: m(e.job), host: m(e.host) };
  if (e.repository !== undefined) out.repository = m(e.repository);
  if (e.error !== undefined) out.error = m(e.error);
  if (e.hint !== undefined) out.hint = m(e.hint);
  return out;
}

/**
 * Words an event for people: the subject says what happened to which job on which host; the text adds where
 * (repository), the error, what to do (the event's hint or a default for its kind) and the figures. Every secret
 * the patterns of `maskSecrets` or the `secrets` list catch is masked.
 */
export function renderMessage(raw: NotifyEvent, secrets: readonly string[] = []): Message {
  const e = maskEvent(raw, secrets);
  const eventClass = classOf(e.kind);
  const where = e.repository === undefined ? '' : ` (repository ${e.repository})`;
  // A run that is no job's (a check or prune started from the API) is about its repository.
  const who = e.job === '' ? `repository ${e.repository ?? '?'}` : `job ${e.job}`;
  const subject = `[cairn] ${LABEL[eventClass]}: ${who} on ${e.host}: ${what(e)}${where}`;
  const hint = e.hint ?? DEFAULT_HINTS[e.kind];
  const lines = [
    `What: ${what(e)}`,
    ...(e.job === '' ? [] : [`Job: ${e.job}`]),
    ...(e.repository === undefined ? [] : [`Repository: ${e.repository}`]),
    `Host: ${e.host}`,
    `Time: ${e.time.toISOString()}`,
    ...(e.error === undefined ? [] : [`Error: ${e.error}`]),
    ...(hint === undefined ? [] : [`What to do: ${hint}`]),
    ...figureLines(e),
  ];
  return { subject, text: lines.join('\n') + '\n', eventClass, event: e };
}
