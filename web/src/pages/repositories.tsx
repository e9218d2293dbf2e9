// Repositories: size over time, check / prune / drill and their results, the locks held and by whom.
import { useState } from 'react';
import { enc, post } from '../api';
import { KindLabel, OutcomeBadge, Problem, RunPanel, TableHead } from '../components';
import { bytes, count, dateTime, duration, relative } from '../format';
import { useApi, useReloadOnRuns } from '../hooks';
import { useI18n } from '../i18n';
import { href } from '../router';
import type { Job, Lock, Repository, Run, StatsPoint } from '../types';
import { AreaSizeChart } from './charts';

export function RepositoriesPage({ selected }: { selected: string | undefined }): React.JSX.Element {
  const { t, lang } = useI18n();
  const repos = useApi<Repository[]>('/repositories');
  useReloadOnRuns(repos.reload);
  const name = selected ?? repos.data?.[0]?.name;
  const repo = repos.data?.find((r) => r.name === name);
  return (
    <div className="page" data-testid="repositories-page">
      <nav className="tabs">
        {(repos.data ?? []).map((r) => (
          <a key={r.name} href={href('repositories', r.name)} className={r.name === name ? 'active' : ''}>
            {r.name}
          </a>
        ))}
      </nav>
      <Problem error={repos.error} />
      {repo && (
        <>
          <section className="card facts">
            <h2>{repo.name}</h2>
            <p className="muted mono small">{repo.url}</p>
            {repo.error && <p className="error">{repo.error}</p>}
            <dl>
              <dt>{t('snapshotCount')}</dt>
              <dd>{count(repo.snapshots, lang)}</dd>
              <dt>{t('storedSize')}</dt>
              <dd>{bytes(repo.storedBytes)}</dd>
              <dt>{t('restoreSize')}</dt>
              <dd>{bytes(repo.restoreBytes)}</dd>
              <dt>{t('dedup')}</dt>
              <dd>{repo.dedupRatio === null ? '–' : `${repo.dedupRatio.toFixed(2)}×`}</dd>
              <dt>{t('updated')}</dt>
              <dd>{relative(repo.updatedAt, lang)}</dd>
            </dl>
          </section>
          <RepositoryDetails key={repo.name} name={repo.name} />
        </>
      )}
    </div>
  );
}

function RepositoryDetails({ name }: { name: string }): React.JSX.Element {
  const { t, lang } = useI18n();
  const history = useApi<StatsPoint[]>(`/repositories/${enc(name)}/stats-history?limit=500`);
  const locks = useApi<Lock[]>(`/repositories/${enc(name)}/locks`);
  const jobs = useApi<Job[]>('/jobs');
  const runs = useApi<Run[]>(`/repositories/${enc(name)}/runs?limit=20`);
  const [subset, setSubset] = useState('');
  const [shown, setShown] = useState<number>();
  const [error, setError] = useState<string>();
  useReloadOnRuns(() => {
    history.reload();
    locks.reload();
    runs.reload();
  });
  const start = (path: string, body: unknown = {}): void => {
    setError(undefined);
    post<{ runId: number }>(path, body).then(
      (r) => {
        setShown(r.runId);
        runs.reload();
      },
      (err: unknown) => setError((err as Error).message),
    );
  };
  const users = (jobs.data ?? []).filter((j) => j.repositories.includes(name));
  return (
    <>
      <section className="card">
        <h3>{t('sizeOverTime')}</h3>
        <Problem error={history.error} />
        {history.data && history.data.length > 0 && (
          <AreaSizeChart
            data={history.data.map((p) => ({ label: dateTime(p.at, lang), value: p.storedBytes }))}
          />
        )}
      </section>
      <section className="card">
        <h3>{t('actions')}</h3>
        <div className="buttons wrap">
          <input
            placeholder={t('readDataSubset')}
            value={subset}
            onChange={(e) => setSubset(e.target.value)}
            data-testid="check-subset"
          />
          <button
            type="button"
            data-testid="repo-check"
            onClick={() =>
              start(`/repositories/${enc(name)}/check`, subset ? { readDataSubset: subset } : {})
            }
          >
            {t('check')}
          </button>
          <button
            type="button"
            data-testid="repo-prune"
            onClick={() => start(`/repositories/${enc(name)}/prune`)}
          >
            {t('prune')}
          </button>
          {users.map((j) => (
            <button key={j.name} type="button" onClick={() => start(`/jobs/${enc(j.name)}/drill`)}>
              {t('drill')}: {j.name}
            </button>
          ))}
        </div>
        <Problem error={error ?? runs.error} />
        {runs.data && runs.data.length > 0 && (
          <div className="scroll-x">
            <table data-testid="repository-runs">
              <TableHead cols={['#', t('started'), t('kind'), t('job'), t('outcome'), t('durationCol')]} />
              <tbody>
                {runs.data.map((r) => (
                  <tr
                    key={r.id}
                    className={`clickable ${shown === r.id ? 'selected' : ''}`}
                    onClick={() => setShown(r.id)}
                  >
                    <td>{r.id}</td>
                    <td>{dateTime(r.startedAt, lang)}</td>
                    <td>
                      <KindLabel kind={r.kind} />
                    </td>
                    <td>{r.job}</td>
                    <td>
                      <OutcomeBadge outcome={r.outcome} />
                    </td>
                    <td>{duration(r.durationSeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {shown !== undefined && <RunPanel key={shown} id={shown} />}
      </section>
      <section className="card">
        <h3>{t('locks')}</h3>
        <Problem error={locks.error} />
        {locks.data?.length === 0 && <p className="muted">{t('noLocks')}</p>}
        {locks.data && locks.data.length > 0 && (
          <div className="scroll-x">
            <table data-testid="locks-table">
              <TableHead cols={['ID', t('heldBy'), t('time'), t('exclusive'), t('stale')]} />
              <tbody>
                {locks.data.map((l) => (
                  <tr key={l.id}>
                    <td className="mono">{l.id.slice(0, 8)}</td>
                    <td>
                      {l.username}@{l.hostname} (pid {l.pid})
                    </td>
                    <td>{dateTime(l.time, lang)}</td>
                    <td>{l.exclusive ? t('yes') : t('no')}</td>
                    <td className={l.stale ? 'warn' : ''}>{l.stale ? t('yes') : t('no')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
