// A snapshot's tree, one folder at a time, in a virtualised list (100,000 entries stay smooth); preview,
// download and restore of what is selected.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { archiveUrl, enc, fileUrl } from '../api';
import { Problem } from '../components';
import { bytes, count, dateTime } from '../format';
import { usePages } from '../hooks';
import { useI18n } from '../i18n';
import { href, navigate } from '../router';
import type { TreeEntry } from '../types';
import { Preview } from './preview';
import { RestoreDialog } from './restore';

const join = (dir: string, name: string): string => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);
const parentOf = (p: string): string => p.replace(/\/[^/]*$/, '') || '/';
// Glyphs every font has (emoji fonts are often missing on servers and in CI).
const ICON: Record<TreeEntry['type'], string> = { dir: '▸', file: '·', symlink: '↪', other: '◇' };
// Rows per request: 49 kB of JSON where a whole folder of 100,000 entries is 9.7 MB; the other pages are read as
// they scroll into view (the daemon keeps the folder decoded meanwhile, so each costs milliseconds).
const PAGE = 500;

export function Browser({ repo, id, path }: { repo: string; id: string; path: string }): React.JSX.Element {
  const { t, lang } = useI18n();
  const tree = usePages<TreeEntry>(
    `/repositories/${enc(repo)}/snapshots/${enc(id)}/tree?path=${enc(path)}`,
    PAGE,
  );
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [preview, setPreview] = useState<TreeEntry & { path: string }>();
  const [restoring, setRestoring] = useState(false);
  const at = (p: string): string => href('browse', repo, id, { path: p });
  // The listing shown is the one of this path (while the next loads, none: no click on a stale entry).
  const total = tree.total ?? 0;
  const scroller = useRef<HTMLDivElement>(null);
  // Another folder: its own preview and scroll position.
  useEffect(() => {
    setPreview(undefined);
    scroller.current?.scrollTo(0, 0);
  }, [path]);
  const rows = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => 34,
    overscan: 12,
  });
  const toggle = (p: string): void =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(p)) next.add(p);
      return next;
    });
  const crumbs = path.split('/').filter(Boolean);
  // The pages of the rows in view (and the overscan) are read as they come into view.
  const visible = rows.getVirtualItems();
  const [first, last] = [visible[0]?.index ?? 0, visible.at(-1)?.index ?? 0];
  const { want } = tree;
  useEffect(() => want(first, last), [want, first, last]);

  return (
    <div className="page" data-testid="browser" data-path={tree.base ? path : undefined}>
      <div className="page-head">
        <h1 className="crumbs">
          <a href={href('snapshots', { repo })}>{id.slice(0, 8)}</a>
          <a href={at('/')}>/</a>
          {crumbs.map((c, i) => (
            <a key={i} href={at(`/${crumbs.slice(0, i + 1).join('/')}`)}>
              {c}/
            </a>
          ))}
        </h1>
        <div className="buttons">
          <button type="button" disabled={path === '/'} onClick={() => navigate(at(parentOf(path)))}>
            ↑ {t('up')}
          </button>
          <a className="button" href={archiveUrl(repo, id, path, 'tar')} download data-testid="download-tar">
            {t('downloadTar')}
          </a>
          <a className="button" href={archiveUrl(repo, id, path, 'zip')} download data-testid="download-zip">
            {t('downloadZip')}
          </a>
          <button type="button" data-testid="restore-open" onClick={() => setRestoring(true)}>
            {selected.size ? `${t('restoreSelected')} (${selected.size})` : t('restore')}
          </button>
        </div>
      </div>
      <Problem error={tree.error} />
      <div className="browser-grid">
        <section className="card list-card">
          <div className="list-head">
            <span />
            <span>{t('name')}</span>
            <span>{t('size')}</span>
            <span className="hide-phone">{t('modified')}</span>
            <span className="hide-phone">{t('mode')}</span>
          </div>
          <div className="vlist" ref={scroller} data-testid="tree-list">
            <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
              {rows.getVirtualItems().map((v) => {
                const e = tree.at(v.index);
                if (!e)
                  return (
                    <div
                      key={v.key}
                      className="vrow"
                      style={{ transform: `translateY(${v.start}px)`, height: v.size }}
                      data-testid="tree-entry-loading"
                    >
                      <span />
                      <span className="muted">…</span>
                    </div>
                  );
                const p = join(path, e.name);
                return (
                  <div
                    key={v.key}
                    className={`vrow ${preview?.path === p ? 'selected' : ''}`}
                    style={{ transform: `translateY(${v.start}px)`, height: v.size }}
                    data-testid="tree-entry"
                    data-name={e.name}
                    data-type={e.type}
                  >
                    <input
                      type="checkbox"
                      aria-label={e.name}
                      checked={selected.has(p)}
                      onChange={() => toggle(p)}
                      data-testid="tree-select"
                    />
                    {e.type === 'dir' ? (
                      <a className="name" href={at(p)} data-testid="tree-open">
                        {ICON[e.type]} {e.name}
                      </a>
                    ) : (
                      <button
                        type="button"
                        className="name link"
                        onClick={() => setPreview({ ...e, path: p })}
                        data-testid="tree-open"
                      >
                        {ICON[e.type]} {e.name}
                      </button>
                    )}
                    <span>{e.type === 'dir' ? '' : bytes(e.size)}</span>
                    <span className="hide-phone muted small">{dateTime(e.mtime, lang)}</span>
                    <span className="hide-phone mono small">{e.mode}</span>
                  </div>
                );
              })}
            </div>
          </div>
          <p className="muted small" data-testid="tree-count">
            {t('entries', { n: count(total, lang) })}
            {selected.size > 0 && <> · {t('selected', { n: selected.size })}</>}
          </p>
        </section>
        {preview && (
          <section className="card preview-card" data-testid="preview">
            <div className="page-head">
              <h3 className="mono">{preview.name}</h3>
              <div className="buttons">
                <a
                  className="button"
                  href={fileUrl(repo, id, preview.path, true)}
                  download
                  data-testid="download-file"
                >
                  {t('download')}
                </a>
                <button type="button" className="ghost" onClick={() => setPreview(undefined)}>
                  {t('close')}
                </button>
              </div>
            </div>
            <Preview url={fileUrl(repo, id, preview.path)} name={preview.name} size={preview.size} />
          </section>
        )}
      </div>
      {restoring && (
        <RestoreDialog repo={repo} id={id} paths={[...selected]} onClose={() => setRestoring(false)} />
      )}
    </div>
  );
}
