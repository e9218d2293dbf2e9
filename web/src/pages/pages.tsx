// Which page a route shows. The pages with charts load on demand (recharts is the biggest part of the bundle).
import { lazy, Suspense } from 'react';
import { useI18n } from '../i18n';
import type { Route } from '../router';
import { Overview } from './overview';
import { Settings } from './settings';
import { SnapshotsPage } from './snapshots';

const JobPage = lazy(() => import('./job').then((m) => ({ default: m.JobPage })));
const Browser = lazy(() => import('./browser').then((m) => ({ default: m.Browser })));
const RepositoriesPage = lazy(() => import('./repositories').then((m) => ({ default: m.RepositoriesPage })));

export function Pages({ route }: { route: Route }): React.JSX.Element {
  const { t } = useI18n();
  const [section, a, b] = route.parts;
  let page: React.JSX.Element;
  if (section === 'jobs' && a) page = <JobPage key={a} name={a} run={route.query.get('run')} />;
  else if (section === 'snapshots') page = <SnapshotsPage query={route.query} />;
  else if (section === 'browse' && a && b)
    page = <Browser key={`${a}/${b}`} repo={a} id={b} path={route.query.get('path') ?? '/'} />;
  else if (section === 'repositories') page = <RepositoriesPage selected={a} />;
  else if (section === 'settings') page = <Settings />;
  else if (!section) page = <Overview />;
  else page = <p>{t('notFound')}</p>;
  return <Suspense fallback={<p className="muted">{t('loading')}</p>}>{page}</Suspense>;
}
