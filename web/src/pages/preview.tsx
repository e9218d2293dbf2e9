// Shows a text file (its first 256 KiB) or an image from the snapshot; anything else only downloads.
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n';

const IMAGE = /\.(png|jpe?g|gif|webp|bmp|ico|avif)$/i;
const TEXT =
  /\.(txt|md|log|csv|tsv|json|ya?ml|toml|ini|conf|cfg|env|xml|sql|sh|py|js|mjs|cjs|ts|tsx|jsx|css|go|rs|c|h|cpp|java|rb|php)$|^[^.]+$/i;
const MAX = 256 * 1024;

export function Preview({
  url,
  name,
  size,
}: {
  url: string;
  name: string;
  size: number | null;
}): React.JSX.Element {
  const { t } = useI18n();
  const [text, setText] = useState<string>();
  const [error, setError] = useState<string>();
  const isText = TEXT.test(name);
  useEffect(() => {
    if (!isText) return;
    const ctrl = new AbortController();
    setText(undefined);
    setError(undefined);
    fetch(url, { signal: ctrl.signal })
      .then(async (res) => {
        if (!res.ok || !res.body) throw new Error(`${res.status} ${res.statusText}`);
        // Read at most MAX bytes, then stop the download: a preview of a huge log must not fetch all of it.
        const reader = res.body.getReader();
        const parts: Uint8Array[] = [];
        let got = 0;
        while (got < MAX) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
          got += value.byteLength;
        }
        const more = got >= MAX && (size ?? got) > MAX;
        if (more) await reader.cancel();
        const all = new Uint8Array(Math.min(got, MAX));
        let at = 0;
        for (const part of parts) {
          const take = part.subarray(0, all.length - at);
          all.set(take, at);
          at += take.length;
        }
        setText(new TextDecoder().decode(all) + (more ? '\n…' : ''));
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setError((err as Error).message);
      });
    return () => ctrl.abort();
  }, [url, isText, size]);
  if (IMAGE.test(name))
    return <img className="preview-img" src={url} alt={name} data-testid="preview-image" />;
  if (!isText) return <p className="muted">{t('noPreview')}</p>;
  if (error) return <p className="error">{error}</p>;
  return (
    <pre className="preview-text" data-testid="preview-text">
      {text ?? t('loading')}
    </pre>
  );
}
