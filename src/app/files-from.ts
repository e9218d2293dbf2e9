/** restic's `--files-from` (globs expanded), `--files-from-verbatim` (lines as they are) and `--files-from-raw` (NUL). */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { CairnError, errnoCode } from '../core/index.js';
import { globToRegExp } from '../source/index.js';

export interface FilesFromLists {
  /** Lines; `#` comments and blank lines skipped, spaces trimmed, each a glob expanded as Go's filepath.Glob. */
  globs?: string[];
  /** Lines taken as they are (only empty lines skipped). */
  verbatim?: string[];
  /** NUL-separated names taken as they are. */
  raw?: string[];
}

const META = /[*?[\\]/;

/** Every path the lists name, in order; a glob that matches nothing is skipped with a warning, as restic does. */
export async function readFilesFromLists(
  lists: FilesFromLists,
  warn: (m: string) => void,
): Promise<string[]> {
  const out: string[] = [];
  for (const file of lists.globs ?? []) {
    for (const line of parseFilesFrom(await readList(file, '--files-from'))) {
      const expanded = await expandGlob(line);
      if (expanded.length === 0) warn(`pattern "${line}" does not match any files, skipping`);
      out.push(...expanded);
    }
  }
  for (const file of lists.verbatim ?? []) {
    out.push(
      ...(await readList(file, '--files-from-verbatim'))
        .split('\n')
        .map((l) => l.replace(/\r$/, ''))
        .filter((l) => l !== ''),
    );
  }
  for (const file of lists.raw ?? []) {
    out.push(...(await readList(file, '--files-from-raw')).split('\0').filter((l) => l !== ''));
  }
  return out;
}

/** `--files-from` lines: '#' starts a comment line, blank lines are skipped, surrounding spaces trimmed. */
export function parseFilesFrom(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Go's filepath.Glob: a pattern without wildcards names itself if it exists; matches sorted per folder. */
export async function expandGlob(pattern: string): Promise<string[]> {
  if (!META.test(pattern)) return (await exists(pattern)) ? [pattern] : [];
  const abs = pattern.startsWith('/');
  let found = [abs ? '/' : ''];
  for (const part of pattern.split('/').filter((p) => p !== '')) {
    const next: string[] = [];
    for (const base of found) {
      if (!META.test(part)) {
        const p = base === '' ? part : path.join(base, part);
        if (await exists(p)) next.push(p);
        continue;
      }
      const re = globToRegExp(part);
      const names = await fs.readdir(base === '' ? '.' : base).catch(() => [] as string[]);
      for (const name of names.sort())
        if (re.test(name)) next.push(base === '' ? name : path.join(base, name));
    }
    found = next;
  }
  return found;
}

const exists = (p: string): Promise<boolean> =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

async function readList(file: string, flag: string): Promise<string> {
  try {
    return file === '-' ? await readAll(process.stdin) : await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CairnError(
      'invalid-argument',
      `The file ${file} given to ${flag} cannot be read (${errnoCode(err) ?? String(err)}).`,
      {
        cause: err,
      },
    );
  }
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
