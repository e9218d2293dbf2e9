import fs from 'node:fs';
import path from 'node:path';

/**
 * Finds the restic binary (the interop oracle) on PATH. Outside CI a missing restic returns undefined so the tests
 * that need it skip; with `CI` set it throws, so a CI run without the oracle fails instead of passing on skips.
 */
export function findRestic(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'restic');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  if (env.CI) {
    throw new Error(
      'restic is not on PATH, and CI must not skip the interop tests: run scripts/install-test-deps.sh',
    );
  }
  return undefined;
}

/** The restic binary on PATH, found once per test file (undefined: absent, and the tests that need it skip). */
export const RESTIC = findRestic();
