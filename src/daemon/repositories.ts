/** How the daemon opens the repositories of its config through the app: options, passwords, caches, creation. */
import path from 'node:path';
import os from 'node:os';
import type { AppDeps, OpenOptions, PasswordSource } from '../app/index.js';
import { createRepository, repositoryExists } from '../app/index.js';
import type { CairnConfig, RepositoryConfig } from '../config/index.js';
import { durationMs, repositoryPassword } from '../config/index.js';
import { errnoCode } from '../core/index.js';
import type { LimitOptions } from '../registry.js';
import { openBackend, openSource } from '../registry.js';
import { systemClock } from '../util/index.js';
import fs from 'node:fs/promises';

function passwordSource(name: string, repo: RepositoryConfig, signal: AbortSignal): PasswordSource {
  return {
    configured: async () => {
      // A repository the daemon creates may get its password generated into password_file (see createRepository).
      if (repo.create && repo.password_file !== undefined && !(await exists(repo.password_file)))
        return undefined;
      return repositoryPassword(name, repo, signal);
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch (err) {
    return errnoCode(err) !== 'ENOENT';
  }
}

export function openOptions(
  config: CairnConfig,
  dataDir: string,
  name: string,
  signal: AbortSignal,
  extra: Partial<OpenOptions> = {},
): OpenOptions {
  const repo = config.repositories[name]!;
  const opts: OpenOptions = {
    target: {
      url: repo.url,
      isDefault: repo.create,
      ...(repo.password_file !== undefined ? { passwordFile: repo.password_file } : {}),
    },
    password: passwordSource(name, repo, signal),
    signal,
    progressStatus: false,
    ...extra,
  };
  if (repo.cache) opts.cacheDir = path.join(dataDir, 'cache');
  const stale = repo.unlock_stale_after === undefined ? undefined : durationMs(repo.unlock_stale_after);
  if (stale !== undefined) opts.unlockStaleAfterMs = stale;
  return opts;
}

/** Backend options of the config (`-o key=value`) by repository URL, as registry.ts takes them. */
export function backendOptionsByUrl(config: CairnConfig): Map<string, Record<string, string>> {
  return new Map(
    Object.values(config.repositories).map((r) => [
      r.url,
      Object.fromEntries(Object.entries(r.options).map(([k, v]) => [k, String(v)])),
    ]),
  );
}

/** Creates the repositories marked `create: true` that do not exist yet. */
export async function createMissing(
  deps: AppDeps,
  config: CairnConfig,
  dataDir: string,
  names: string[],
  signal: AbortSignal,
): Promise<void> {
  for (const name of names) {
    if (!config.repositories[name]!.create) continue;
    const opts = openOptions(config, dataDir, name, signal);
    if (await repositoryExists(deps.openBackend(opts.target.url))) continue;
    const session = await createRepository(deps, opts);
    await session.repo.close();
  }
}

/** The app's dependencies for the daemon's runs: backends with the config's options, the real sources and clock. */
export function appDeps(
  optionsByUrl: Map<string, Record<string, string>>,
  env: Record<string, string | undefined>,
  warn: (message: string) => void,
  limits: LimitOptions = {},
): AppDeps {
  const deps: AppDeps = {
    openBackend: (url) => openBackend(url, { options: optionsByUrl.get(url) ?? {}, env, limits }),
    openSource,
    clock: systemClock,
    hostname: os.hostname(),
    username: env.USER ?? env.LOGNAME ?? '',
    warn,
  };
  if (process.getuid) deps.uid = process.getuid();
  if (process.getgid) deps.gid = process.getgid();
  return deps;
}
