// Restore: first a dry run says exactly where it writes and what it overwrites; only then can it be confirmed.
import { useState } from 'react';
import { restoreRequest } from '../api';
import { Problem, RunPanel } from '../components';
import { count } from '../format';
import { useI18n } from '../i18n';
import type { RestorePlan, RestoreTarget } from '../types';

interface Props {
  repo: string;
  id: string;
  paths: string[];
  onClose: () => void;
}

export function RestoreDialog({ repo, id, paths, onClose }: Props): React.JSX.Element {
  const { t, lang } = useI18n();
  const [kind, setKind] = useState<'path' | 'source'>('path');
  const [target, setTarget] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [plan, setPlan] = useState<RestorePlan>();
  const [runId, setRunId] = useState<number>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const dest = (): RestoreTarget => (kind === 'path' ? { kind: 'path', path: target } : { kind: 'source' });
  // Any change of the request makes the last dry run stale.
  const change =
    <V,>(set: (v: V) => void) =>
    (v: V) => {
      set(v);
      setPlan(undefined);
    };
  const send = async (dryRun: boolean): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await restoreRequest(repo, id, { paths, target: dest(), overwrite, dryRun });
      if (dryRun) setPlan(answer as RestorePlan);
      else setRunId((answer as { runId: number }).runId);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const what = paths.length ? paths.join(', ') : t('restoreEverything');

  return (
    <div className="modal-back" role="dialog" aria-modal="true">
      <div className="card modal" data-testid="restore-dialog">
        <h2>{t('restoreTitle', { what })}</h2>
        {runId === undefined && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void send(true);
            }}
          >
            <div className="radios">
              <label>
                <input type="radio" checked={kind === 'path'} onChange={() => change(setKind)('path')} />
                {t('restoreToPath')}
              </label>
              <label>
                <input
                  type="radio"
                  data-testid="restore-kind-source"
                  checked={kind === 'source'}
                  onChange={() => change(setKind)('source')}
                />
                {t('restoreToSource')}
              </label>
            </div>
            {kind === 'path' && (
              <label>
                {t('targetPath')}
                <input
                  data-testid="restore-target"
                  value={target}
                  required
                  placeholder="/srv/restore"
                  onChange={(e) => change(setTarget)(e.target.value)}
                />
              </label>
            )}
            <label className="inline">
              <input
                type="checkbox"
                data-testid="restore-overwrite"
                checked={overwrite}
                onChange={(e) => change(setOverwrite)(e.target.checked)}
              />
              {t('overwriteExisting')}
            </label>
            <div className="buttons">
              <button type="submit" data-testid="restore-check" disabled={busy}>
                {t('checkRestore')}
              </button>
              <button type="button" className="ghost" onClick={onClose}>
                {t('cancel')}
              </button>
            </div>
          </form>
        )}
        <Problem error={error} />
        {plan && runId === undefined && (
          <div className="plan" data-testid="restore-plan">
            <p>
              {kind === 'source'
                ? t('restoreSourceWrites', { target: plan.target })
                : t('restoreWillWrite', { target: plan.target, create: count(plan.create, lang) })}
            </p>
            {plan.overwriteCount > 0 ? (
              <>
                <p className="warn">
                  {t(kind === 'source' ? 'restoreSourceReplaces' : 'restoreWillOverwrite', {
                    n: count(plan.overwriteCount, lang),
                  })}
                </p>
                <ul className="mono small overwrite-list">
                  {plan.overwrite.map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                  {plan.overwriteCount > plan.overwrite.length && (
                    <li>{t('andMore', { n: plan.overwriteCount - plan.overwrite.length })}</li>
                  )}
                </ul>
              </>
            ) : (
              <p>{t(kind === 'source' ? 'restoreSourceNothingReplaced' : 'restoreNothingOverwritten')}</p>
            )}
            <button
              type="button"
              className={plan.overwriteCount > 0 ? 'danger' : ''}
              data-testid="restore-confirm"
              disabled={busy}
              onClick={() => void send(false)}
            >
              {t('confirmRestore')}
            </button>
          </div>
        )}
        {runId !== undefined && (
          <>
            <p data-testid="restore-started">{t('restoreStarted', { id: runId })}</p>
            <RunPanel id={runId} />
            <button type="button" data-testid="restore-close" onClick={onClose}>
              {t('close')}
            </button>
          </>
        )}
      </div>
    </div>
  );
}
