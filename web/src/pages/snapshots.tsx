// Snapshots of a repository, filtered by job, host, tag and date; two selected are compared.
import { useState } from 'react';
import { enc } from '../api';
import { Problem, TableHead } from '../components';
import { bytes, count, dateTime } from '../format';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { href, navigate } from '../router';
import type { Diff, Repository, Snapshot } from '../types';

const FILTERS = ['job', 'host', 'tag', 'from', 'to'] as const;

export function SnapshotsPage({ query }: { query: URLSearchParams }): React.JSX.Element {
  const { t, lang } = useI18n();
  const repos = useApi<Repository[]>('/repositories');
  const repo = query.get('repo') ?? repos.data?.[0]?.name;
  const filters = new URLSearchParams();
  for (const f of FILTERS) {
    const v = query.get(f);
    // Dates from the date inputs are days: `to` includes the whole day.
    if (v) filters.set(f, f === 'from' ? `${v}T00:00:00Z` : f === 'to' ? `${v}T23:59:59Z` : v);
  }
  const qs = filters.toString();
  const snaps = useApi<Snapshot[]>(repo ? `/repositories/${enc(repo)}/snapshots${qs ? `?${qs}` : ''}` : null);
  const [picked, setPicked] = useState<string[]>([]);
  const [compare, setCompare] = useState<[string, string]>();

  const setFilter = (key: string, value: string): void => {
    const next: Record<string, string | undefined> = { repo };
    for (const f of FILTERS) next[f] = query.get(f) ?? undefined;
    next[key] = value || undefined;
    setPicked([]);
    setCompare(undefined);
    navigate(href('snapshots', next));
  };
  const toggle = (id: string): void =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  // Newest first; a comparison goes from the older to the newer.
  const list = [...(snaps.data ?? [])].sort((a, b) => b.time.localeCompare(a.time));
  const startCompare = (): void => {
    const [a, b] = picked
      .map((id) => list.find((s) => s.id === id)!)
      .sort((x, y) => x.time.localeCompare(y.time));
    if (a && b) setCompare([a.id, b.id]);
  };

  return (
    <div className="page" data-testid="snapshots-page">
      <section className="card filters">
        <label>
          {t('repository')}
          <select
            value={repo ?? ''}
            onChange={(e) => setFilter('repo', e.target.value)}
            data-testid="filter-repo"
          >
            {(repos.data ?? []).map((r) => (
              <option key={r.name}>{r.name}</option>
            ))}
          </select>
        </label>
        {FILTERS.map((f) => (
          <label key={f}>
            {t(f === 'job' ? 'job' : f === 'host' ? 'host' : f === 'tag' ? 'tag' : f)}
            <input
              type={f === 'from' || f === 'to' ? 'date' : 'text'}
              defaultValue={query.get(f) ?? ''}
              data-testid={`filter-${f}`}
              onKeyDown={(e) => e.key === 'Enter' && setFilter(f, e.currentTarget.value)}
              onBlur={(e) =>
                e.currentTarget.value !== (query.get(f) ?? '') && setFilter(f, e.currentTarget.value)
              }
            />
          </label>
        ))}
      </section>
      <Problem error={repos.error ?? snaps.error} />
      <section className="card">
        <div className="page-head">
          <h2>
            {t('snapshots')} {snaps.data && <span className="muted">({count(list.length, lang)})</span>}
          </h2>
          <button type="button" data-testid="compare" disabled={picked.length !== 2} onClick={startCompare}>
            {t('compare')}
          </button>
        </div>
        <p className="muted small">{t('compareHint')}</p>
        <div className="scroll-x">
          <table data-testid="snapshots-table">
            <TableHead
              cols={['', 'ID', t('time'), t('job'), t('host'), t('paths'), t('tags'), t('size'), '']}
            />
            <tbody>
              {list.map((s) => (
                <tr key={s.id} data-testid="snapshot-row" data-snapshot={s.id}>
                  <td>
                    <input
                      type="checkbox"
                      data-testid="snapshot-pick"
                      aria-label={s.shortId}
                      checked={picked.includes(s.id)}
                      onChange={() => toggle(s.id)}
                    />
                  </td>
                  <td className="mono">{s.shortId}</td>
                  <td>{dateTime(s.time, lang)}</td>
                  <td>{s.job ?? ''}</td>
                  <td>{s.hostname}</td>
                  <td className="small">{s.paths.join(', ')}</td>
                  <td>{s.tags.join(', ')}</td>
                  <td>{bytes(s.summary?.totalBytes)}</td>
                  <td>
                    <a href={href('browse', repo!, s.id)} data-testid="browse-snapshot">
                      {t('browse')}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {compare && repo && <DiffView repo={repo} from={compare[0]} to={compare[1]} />}
    </div>
  );
}

function DiffView({ repo, from, to }: { repo: string; from: string; to: string }): React.JSX.Element {
  const { t } = useI18n();
  const diff = useApi<Diff>(`/repositories/${enc(repo)}/diff?from=${enc(from)}&to=${enc(to)}`);
  const d = diff.data;
  return (
    <section className="card" data-testid="diff">
      <h2>{t('diffTitle', { from: from.slice(0, 8), to: to.slice(0, 8) })}</h2>
      <Problem error={diff.error} />
      {!d && !diff.error && <p className="muted">{t('loading')}</p>}
      {d && (
        <>
          <p className="muted" data-testid="diff-totals">
            {t('diffTotals', {
              added: d.totals.added.files,
              addedBytes: bytes(d.totals.added.bytes),
              removed: d.totals.removed.files,
              removedBytes: bytes(d.totals.removed.bytes),
              changed: d.totals.changedFiles,
            })}
          </p>
          {d.truncated && <p className="warn">{t('diffTruncated', { n: d.changes.length })}</p>}
          {d.changes.length === 0 && <p>{t('noChanges')}</p>}
          <ul className="diff">
            {d.changes.map((c) => (
              <li
                key={`${c.change}:${c.path}`}
                className={`c-${c.change}`}
                data-testid="diff-change"
                data-change={c.change}
                data-path={c.path}
              >
                <span className="mark">{MARK[c.change]}</span> <span className="mono">{c.path}</span>{' '}
                <span className="muted small">{c.change}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

const MARK: Record<string, string> = {
  added: '+',
  removed: '−',
  modified: 'M',
  'type-changed': 'T',
  metadata: 'U',
};
