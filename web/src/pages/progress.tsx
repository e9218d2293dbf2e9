// A running backup's progress from the SSE `progress` events: bar, files, rate over the last seconds, ETA.
import { useRef, useState } from 'react';
import { bytes, count, duration } from '../format';
import { useEvents } from '../hooks';
import { useI18n } from '../i18n';
import type { Progress } from '../types';

interface Sample {
  t: number;
  bytes: number;
}

export function ProgressBar({ job }: { job: string }): React.JSX.Element | null {
  const { t, lang } = useI18n();
  const [p, setP] = useState<Progress>();
  const samples = useRef<Sample[]>([]);
  useEvents((name, data) => {
    const d = data as Partial<Progress> & { job?: string };
    if (d.job !== job) return;
    if (name === 'progress') {
      const now = Date.now();
      if (p && p.runId !== d.runId) samples.current = [];
      samples.current = [
        ...samples.current.filter((s) => now - s.t < 10_000),
        { t: now, bytes: d.bytesDone ?? 0 },
      ];
      setP(d as Progress);
    } else if (name === 'run-succeeded' || name === 'run-failed') {
      samples.current = [];
      setP(undefined);
    }
  });
  if (!p) return null;
  const first = samples.current[0];
  const last = samples.current[samples.current.length - 1];
  const seconds = first && last ? (last.t - first.t) / 1000 : 0;
  const rate = seconds > 0.5 ? (last!.bytes - first!.bytes) / seconds : null;
  const eta = rate && rate > 0 ? Math.max(0, p.totalBytes - p.bytesDone) / rate : null;
  const pct = Math.max(0, Math.min(100, p.percentDone * 100));
  return (
    <div className="progress" data-testid="progress">
      <div
        className="bar"
        role="progressbar"
        aria-valuenow={Math.round(pct)}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div style={{ width: `${pct}%` }} />
      </div>
      <div className="muted small">
        {t('progress')}: {pct.toFixed(1)}% · {count(p.filesDone, lang)}/{count(p.totalFiles, lang)}{' '}
        {t('files')} · {bytes(p.bytesDone)}/{bytes(p.totalBytes)} · {t('rate')}:{' '}
        {rate === null ? '–' : `${bytes(rate)}/s`} · {t('eta')}: {duration(eta)}
      </div>
    </div>
  );
}
