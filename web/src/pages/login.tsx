import { useState } from 'react';
import { post } from '../api';
import { useI18n } from '../i18n';
import type { Session } from '../types';

export function Login({ onLogin }: { onLogin: (s: Session) => void }): React.JSX.Element {
  const { t } = useI18n();
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await post<Session>('/login', { user, password }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card login" data-testid="login-form" onSubmit={(e) => void submit(e)}>
      <h1>{t('loginTitle')}</h1>
      <label>
        {t('user')}
        <input
          data-testid="login-user"
          autoComplete="username"
          value={user}
          onChange={(e) => setUser(e.target.value)}
          required
        />
      </label>
      <label>
        {t('password')}
        <input
          data-testid="login-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      {error && (
        <p className="error" role="alert" data-testid="login-error">
          {error}
        </p>
      )}
      <button type="submit" data-testid="login-submit" disabled={busy}>
        {t('login')}
      </button>
    </form>
  );
}
