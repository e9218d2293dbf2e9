import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (two levels up from both src/cli and dist/cli). */
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

export function versionText(): string {
  return `cairn ${VERSION} (restic repository format 1 and 2) on Node.js ${process.version} ${process.platform}/${process.arch}`;
}
