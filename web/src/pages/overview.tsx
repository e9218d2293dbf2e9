// Are my backups OK? One banner, the alerts, every job's state, every repository's size.
import { useState } from 'react';
import { enc, post } from '../api';
import { Problem, StatusBadge, TableHead } from '../components';
import { bytes, count, relative } from '../format';
import { useApi, useReloadOnRuns } from '../hooks';
import { useI18n } from '../i18n';
import { href } from '../router';
import { jobStatus, overviewTone } from '../status';
import type { Overview as OverviewData } from '../types';
import { ProgressBar } from './progress';

export function Overview(): React.JSX.Element {
  const { t, lang } = useI18n();
  const o = useApi<OverviewData>('/overview');
  useReloadOnRuns(o.reload);
  const [actionError, setActionError] = useState<string>();
  if (!o.data) return o.error ? <Problem error={o.error} /> : <p className="muted">{t('loading')}</p>;
  const { jobs, repositories, alerts } = o.data;
  const statuses = jobs.map(jobStatus);
  const { tone, bad, pending, ok } = overviewTone(jobs);
  const n = jobs.length;
  const runNow = (job: string): void => {
    setActionError(undefined);
    post(`/jobs/${enc(job)}/run`).then(o.reload, (err: unknown) => setActionError((err as Error).message));
  };
  return (
    <div className="page" data-testid="overview">
      <div className={`banner ${tone}`} data-testid="overview-banner" data-tone={tone}>
        {tone === 'bad'
          ? t('someBad', { bad, n })
          : tone === 'pending'
            ? t('somePending', { ok, pending, n })
            : t('allGood', { n })}
      </div>
      <Problem error={o.error ?? actionError} />
      <section className="card">
        <h2>{t('alerts')}</h2>
        {alerts.length === 0 ? (
          <p className="muted">{t('noAlerts')}</p>
        ) : (
          <ul className="alerts" data-testid="alerts">
            {alerts.map((a, i) => (
              <li key={i} className={a.level}>
                <strong>{a.job ?? ''}</strong> {a.message}{' '}
                <span className="muted">{relative(a.at, lang)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h2>{t('jobs')}</h2>
        <div className="scroll-x">
          <table className="jobs" data-testid="jobs-table">
            <TableHead
              cols={[t('job'), t('status'), t('lastSuccess'), t('nextRun'), t('repositories'), '']}
            />
            <tbody>
              {jobs.map((j, i) => (
                <tr key={j.name} data-testid="job-row" data-job={j.name}>
                  <td>
                    <a href={href('jobs', j.name)}>{j.name}</a>
                    {j.description && <div className="muted small">{j.description}</div>}
                  </td>
                  <td>
                    <StatusBadge status={statuses[i]!} />
                    {j.running && <ProgressBar job={j.name} />}
                  </td>
                  <td title={j.lastSuccessAt ?? ''}>{relative(j.lastSuccessAt, lang)}</td>
                  <td title={j.nextRunAt ?? ''}>{relative(j.nextRunAt, lang)}</td>
                  <td>{j.repositories.join(', ')}</td>
                  <td>
                    <button type="button" disabled={j.running} onClick={() => runNow(j.name)}>
                      {t('runNow')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card">
        <h2>{t('repositories')}</h2>
        <div className="scroll-x">
          <table className="repos" data-testid="repositories-table">
            <TableHead
              cols={[
                t('repository'),
                t('snapshotCount'),
                t('storedSize'),
                t('restoreSize'),
                t('dedup'),
                t('updated'),
              ]}
            />
            <tbody>
              {repositories.map((r) => (
                <tr key={r.name} data-testid="repository-row">
                  <td>
                    <a href={href('repositories', r.name)}>{r.name}</a>
                    <div className="muted small">{r.url}</div>
                    {r.error && <div className="error small">{r.error}</div>}
                  </td>
                  <td>{count(r.snapshots, lang)}</td>
                  <td>{bytes(r.storedBytes)}</td>
                  <td>{bytes(r.restoreBytes)}</td>
                  <td>{r.dedupRatio === null ? '–' : `${r.dedupRatio.toFixed(2)}×`}</td>
                  <td>{relative(r.updatedAt, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
