import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (two levels up from both src/core and dist/core). */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

/** What snapshots record in `program_version`, as restic records "restic 0.17.0". */
export const PROGRAM_VERSION = `cairn ${VERSION}`;
