// The shell: session (login form on 401), navigation, language and theme, the live event stream, the pages.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, get, post, setSession, setUnauthorizedHandler } from './api';
import { EventsContext, useEventSource } from './hooks';
import { I18nContext, initialLang, translator } from './i18n';
import type { Lang } from './i18n';
import { Login } from './pages/login';
import { Pages } from './pages/pages';
import { href, useRoute } from './router';
import type { Session } from './types';

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('cairn.theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function App(): React.JSX.Element {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [session, setSess] = useState<Session | null | undefined>(undefined);
  const [fatal, setFatal] = useState<string>();
  const i18n = useMemo(() => ({ lang, t: translator(lang) }), [lang]);
  const route = useRoute();
  const events = useEventSource(!!session);

  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    localStorage.setItem('cairn.lang', lang);
  }, [lang]);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  // Until the switch is used, the theme follows the system's as it changes.
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const follow = (e: MediaQueryListEvent): void => {
      if (!localStorage.getItem('cairn.theme')) setTheme(e.matches ? 'dark' : 'light');
    };
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, []);

  const loggedIn = useCallback((s: Session | null) => {
    setSession(s);
    setSess(s);
  }, []);
  useEffect(() => {
    setUnauthorizedHandler(() => loggedIn(null));
    get<Session>('/session').then(loggedIn, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) loggedIn(null);
      else setFatal((err as Error).message);
    });
  }, [loggedIn]);

  const t = i18n.t;
  const switchTheme = (): void => {
    const next = theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem('cairn.theme', next);
    setTheme(next);
  };
  const logout = async (): Promise<void> => {
    await post('/logout').catch(() => undefined);
    loggedIn(null);
  };
  const section = route.parts[0] ?? '';
  const nav: [string, string, string][] = [
    ['', t('overview'), 'nav-overview'],
    ['snapshots', t('snapshots'), 'nav-snapshots'],
    ['repositories', t('repositories'), 'nav-repositories'],
    ['settings', t('settings'), 'nav-settings'],
  ];

  return (
    <I18nContext.Provider value={i18n}>
      <EventsContext.Provider value={events}>
        <header className="top">
          <a className="brand" href="#/">
            {t('appName')}
          </a>
          {session && (
            <nav>
              {nav.map(([to, label, id]) => (
                <a
                  key={id}
                  href={to ? href(to) : '#/'}
                  data-testid={id}
                  className={section === to || (to === 'snapshots' && section === 'browse') ? 'active' : ''}
                >
                  {label}
                </a>
              ))}
            </nav>
          )}
          <div className="switches">
            <select
              aria-label={t('language')}
              data-testid="lang-switch"
              value={lang}
              onChange={(e) => setLang(e.target.value as Lang)}
            >
              <option value="en">English</option>
              <option value="zh">中文</option>
            </select>
            <button type="button" className="ghost" data-testid="theme-switch" onClick={switchTheme}>
              {theme === 'dark' ? `☀ ${t('themeLight')}` : `☾ ${t('themeDark')}`}
            </button>
            {session?.authRequired && (
              <button type="button" className="ghost" data-testid="logout" onClick={() => void logout()}>
                {session.user} · {t('logout')}
              </button>
            )}
          </div>
        </header>
        <main>
          {fatal && <p className="error">{fatal}</p>}
          {session === undefined && !fatal && <p className="muted">{t('loading')}</p>}
          {session === null && <Login onLogin={loggedIn} />}
          {session && <Pages route={route} />}
        </main>
      </EventsContext.Provider>
    </I18nContext.Provider>
  );
}
