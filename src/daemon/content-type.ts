/**
 * Content-Type of a snapshot file by its extension, for previews and downloads. HTML, SVG and other types a browser
 * would run as a page of our origin are never served as such: text/plain to look at, an opaque attachment to keep.
 */
const TEXT = 'text/plain; charset=utf-8';
const TEXT_EXT = new Set(
  'txt md markdown log csv tsv json jsonl yaml yml toml ini conf cfg env properties sql sh bash zsh py rb pl php js mjs cjs ts tsx jsx css scss go rs c h cc cpp hpp java kt swift cs lua r tex rst diff patch gitignore dockerfile makefile service timer'.split(
    ' ',
  ),
);
const TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  pdf: 'application/pdf',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
};
/** Shown as source text, downloaded as bytes: never rendered from the dashboard's origin. */
const ACTIVE = new Set([
  'html',
  'htm',
  'xhtml',
  'svg',
  'svgz',
  'xml',
  'xsl',
  'xslt',
  'mht',
  'mhtml',
  'shtml',
]);

export function contentType(name: string, download: boolean): { type: string; attachment: boolean } {
  const dot = name.lastIndexOf('.');
  const ext = (dot > 0 ? name.slice(dot + 1) : name).toLowerCase();
  if (ACTIVE.has(ext))
    return download
      ? { type: 'application/octet-stream', attachment: true }
      : { type: TEXT, attachment: false };
  if (TEXT_EXT.has(ext)) return { type: TEXT, attachment: download };
  return { type: TYPES[ext] ?? 'application/octet-stream', attachment: download };
}

/** `inline` or `attachment` with the name as ASCII and as UTF-8 (RFC 6266 / 5987). */
export function disposition(kind: 'inline' | 'attachment', name: string): string {
  name = name.toWellFormed(); // a name with undecodable bytes (lone surrogates) cannot be percent-encoded
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const utf8 = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
