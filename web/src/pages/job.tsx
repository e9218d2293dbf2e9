// One job: its state, Run now / Cancel, live progress, charts of its backups, the run history and a run's log.
import { useState } from 'react';
import { enc, post } from '../api';
import { KindLabel, OutcomeBadge, Problem, RunPanel, StatusBadge, TableHead } from '../components';
import { bytes, count, dateTime, duration, relative } from '../format';
import { useApi, useReloadOnRuns } from '../hooks';
import { useI18n } from '../i18n';
import { href, navigate } from '../router';
import { jobStatus } from '../status';
import type { Job, Run } from '../types';
import { BarsChart } from './charts';
import { ProgressBar } from './progress';

export function JobPage({ name, run }: { name: string; run: string | null }): React.JSX.Element {
  const { t, lang } = useI18n();
  const jobs = useApi<Job[]>('/jobs');
  const runs = useApi<Run[]>(`/jobs/${enc(name)}/runs?limit=200`);
  const [actionError, setActionError] = useState<string>();
  useReloadOnRuns(() => {
    jobs.reload();
    runs.reload();
  });
  const job = jobs.data?.find((j) => j.name === name);
  if (jobs.data && !job) return <p>{t('notFound')}</p>;
  const running = runs.data?.find((r) => r.outcome === 'running' && r.parentId === null);
  const act = (p: Promise<unknown>): void => {
    setActionError(undefined);
    p.then(
      () => {
        jobs.reload();
        runs.reload();
      },
      (err: unknown) => setActionError((err as Error).message),
    );
  };
  const backups = (runs.data ?? []).filter((r) => r.kind === 'backup' && r.outcome !== 'running').reverse();
  const label = (r: Run): string => dateTime(r.startedAt, lang);
  // Without a choice, the newest run (so Run now shows its log as it happens).
  const selected = run ? Number(run) : runs.data?.[0]?.id;

  return (
    <div className="page" data-testid="job-page" data-job={name}>
      <div className="page-head">
        <h1>
          <a href="#/" className="muted">
            {t('overview')}
          </a>{' '}
          / {name} {job && <StatusBadge status={jobStatus(job)} />}
        </h1>
        <div className="buttons">
          <button
            type="button"
            data-testid="run-now"
            disabled={!job || job.running}
            onClick={() => act(post(`/jobs/${enc(name)}/run`))}
          >
            {t('runNow')}
          </button>
          <button
            type="button"
            className="danger"
            data-testid="cancel-run"
            disabled={!running}
            onClick={() => running && act(post(`/runs/${running.id}/cancel`))}
          >
            {t('cancel')}
          </button>
        </div>
      </div>
      <Problem error={jobs.error ?? runs.error ?? actionError} />
      {job && (
        <section className="card facts">
          {job.description && <p>{job.description}</p>}
          <dl>
            <dt>{t('sources')}</dt>
            <dd>{job.sources.join(', ')}</dd>
            <dt>{t('schedule')}</dt>
            <dd>{job.schedule}</dd>
            <dt>{t('lastSuccess')}</dt>
            <dd data-testid="last-success">{relative(job.lastSuccessAt, lang)}</dd>
            <dt>{t('nextRun')}</dt>
            <dd>{relative(job.nextRunAt, lang)}</dd>
            <dt>{t('repositories')}</dt>
            <dd>
              {job.repositories.map((r) => (
                <a key={r} href={href('snapshots', { repo: r, job: name })}>
                  {r}{' '}
                </a>
              ))}
            </dd>
          </dl>
          <ProgressBar job={name} />
        </section>
      )}
      {backups.length > 1 && (
        <div className="grid2">
          <section className="card">
            <h3>{t('chartDuration')}</h3>
            <BarsChart
              unit="seconds"
              data={backups.map((r) => ({ label: label(r), value: r.durationSeconds ?? 0 }))}
            />
          </section>
          <section className="card">
            <h3>{t('chartAdded')}</h3>
            <BarsChart
              unit="bytes"
              data={backups.map((r) => ({ label: label(r), value: r.bytesAdded ?? 0 }))}
            />
          </section>
        </div>
      )}
      <div className="grid2">
        <section className="card">
          <h2>{t('runHistory')}</h2>
          {runs.data?.length === 0 && <p className="muted">{t('noRuns')}</p>}
          <div className="scroll-x">
            <table data-testid="runs-table">
              <TableHead
                cols={['#', t('started'), t('kind'), t('outcome'), t('durationCol'), t('files'), t('added')]}
              />
              <tbody>
                {(runs.data ?? []).map((r) => (
                  <tr
                    key={r.id}
                    data-testid="run-row"
                    data-run-id={r.id}
                    data-kind={r.kind}
                    className={`clickable ${selected === r.id ? 'selected' : ''}`}
                    onClick={() => navigate(href('jobs', name, { run: String(r.id) }))}
                  >
                    <td>{r.id}</td>
                    <td>{dateTime(r.startedAt, lang)}</td>
                    <td>
                      <KindLabel kind={r.kind} />
                      {r.repository ? ` · ${r.repository}` : ''}
                    </td>
                    <td>
                      <OutcomeBadge outcome={r.outcome} />
                    </td>
                    <td>{duration(r.durationSeconds)}</td>
                    <td>{count(r.files, lang)}</td>
                    <td>{bytes(r.bytesAdded)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        <div>
          {selected ? (
            <RunPanel key={selected} id={selected} />
          ) : (
            <p className="muted card">{t('selectRun')}</p>
          )}
        </div>
      </div>
    </div>
  );
}
