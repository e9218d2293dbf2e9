// The effective configuration as the daemon runs it; secrets are masked by the server.
import { Problem } from '../components';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';

export function Settings(): React.JSX.Element {
  const { t } = useI18n();
  const config = useApi<unknown>('/config');
  return (
    <div className="page">
      <section className="card">
        <h2>{t('effectiveConfig')}</h2>
        <Problem error={config.error} />
        {config.data !== undefined ? (
          <pre className="config" data-testid="config">
            {JSON.stringify(config.data, null, 2)}
          </pre>
        ) : (
          !config.error && <p className="muted">{t('loading')}</p>
        )}
      </section>
    </div>
  );
}
