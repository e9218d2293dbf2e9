// Small pieces the pages share: status badges, errors, a run's outcome and log.
import { useEffect } from 'react';
import { useApi, useEvents } from './hooks';
import { DICTIONARIES, useI18n } from './i18n';
import type { Key } from './i18n';
import { dateTime, duration } from './format';
import { STATUS_LABEL } from './status';
import type { JobStatus } from './status';
import type { RunOutcome, RunWithLog } from './types';

export function StatusBadge({ status }: { status: JobStatus }): React.JSX.Element {
  const { t } = useI18n();
  return (
    <span className={`badge s-${status}`} data-testid="job-status" data-status={status}>
      {t(STATUS_LABEL[status])}
    </span>
  );
}

export function OutcomeBadge({ outcome }: { outcome: RunOutcome }): React.JSX.Element {
  const { t } = useI18n();
  return (
    <span className={`badge o-${outcome}`} data-testid="run-outcome" data-outcome={outcome}>
      {t(`outcome_${outcome}` as Key)}
    </span>
  );
}

/** A table's header row: one cell per column title ('' for none). */
export function TableHead({ cols }: { cols: string[] }): React.JSX.Element {
  return (
    <thead>
      <tr>
        {cols.map((c, i) => (
          <th key={i}>{c}</th>
        ))}
      </tr>
    </thead>
  );
}

/** A run kind in the chosen language (an unknown kind as the API names it). */
export function KindLabel({ kind }: { kind: string }): React.JSX.Element {
  const { t } = useI18n();
  const key = `kind_${kind}` as Key;
  return <>{key in DICTIONARIES.en ? t(key) : kind}</>;
}

export function Problem({ error }: { error: string | undefined }): React.JSX.Element | null {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {t('error')}: {error}
    </p>
  );
}

/** A run with its outcome and log, reloaded while it runs. */
export function RunPanel({ id }: { id: number }): React.JSX.Element {
  const { t, lang } = useI18n();
  const run = useApi<RunWithLog>(`/runs/${id}`);
  const running = run.data?.outcome === 'running';
  useEvents((name, data) => {
    if (name !== 'progress' && (data as { runId?: number }).runId === id) run.reload();
  });
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(run.reload, 2000);
    return () => clearInterval(timer);
  }, [running, run.reload]);
  const r = run.data;
  return (
    <section className="card" data-testid="run-panel" data-run-id={id}>
      <h3>
        {t('run')} #{id} {r && <OutcomeBadge outcome={r.outcome} />}
      </h3>
      <Problem error={run.error} />
      {r && (
        <>
          <p className="muted">
            <KindLabel kind={r.kind} /> · {dateTime(r.startedAt, lang)} · {duration(r.durationSeconds)}
            {r.error && <span className="error"> · {r.error}</span>}
          </p>
          <pre className="log" data-testid="run-log">
            {r.log.map((l) => `${l.at.slice(11, 19)} ${l.level.padEnd(5)} ${l.message}`).join('\n') || '–'}
          </pre>
          {r.steps.length > 0 && (
            <ul className="steps">
              {r.steps.map((s) => (
                <li key={s.id}>
                  <KindLabel kind={s.kind} /> {s.repository ?? ''} <OutcomeBadge outcome={s.outcome} />{' '}
                  {s.error ?? ''}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
