import { spawn } from 'node:child_process';
import { CairnError, errnoCode } from '../core/index.js';

/** `backup --pre CMD` / `--post CMD`: shell commands run around a backup. */
export interface BackupHooks {
  pre?: string;
  post?: string;
}

/** What every hook is told about the run (CAIRN_* variables). */
export interface HookRun {
  repository: string;
  sources: string[];
  tags: string[];
  hostname: string;
  dryRun: boolean;
}

/** How the backup ended, for the post-hook. */
export type HookOutcome = { ok: true; snapshotId?: string } | { ok: false; error: string };

/** A repository URL without any `user:password@` in it, for hook environments and messages. */
export function maskRepository(url: string): string {
  return url.replace(/(\/\/[^/:@]*):[^/@]*@/, '$1:***@');
}

function hookEnv(run: HookRun, hook: 'pre' | 'post', outcome?: HookOutcome): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CAIRN_HOOK: hook,
    CAIRN_REPOSITORY: maskRepository(run.repository),
    CAIRN_SOURCES: run.sources.join(' '),
    CAIRN_TAGS: run.tags.join(','),
    CAIRN_HOSTNAME: run.hostname,
    CAIRN_DRY_RUN: run.dryRun ? '1' : '0',
  };
  // The repository password never reaches a hook.
  delete env.RESTIC_PASSWORD;
  delete env.CAIRN_PASSWORD;
  if (outcome !== undefined) {
    env.CAIRN_OUTCOME = outcome.ok ? 'success' : 'failure';
    if (outcome.ok && outcome.snapshotId !== undefined) env.CAIRN_SNAPSHOT_ID = outcome.snapshotId;
    if (!outcome.ok) env.CAIRN_ERROR = outcome.error;
  }
  return env;
}

/** Runs one hook through `sh -c`; its output goes to our stderr. @throws CairnError 'fatal' when it fails. */
export function runHook(command: string, hook: 'pre' | 'post', run: HookRun, outcome?: HookOutcome): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 2, 2], env: hookEnv(run, hook, outcome) });
    child.once('error', (err) => reject(new CairnError('fatal', `The --${hook} hook could not be started (${errnoCode(err) ?? err.message}).`)));
    child.once('close', (code, sig) => {
      if (code === 0) resolve();
      else reject(new CairnError('fatal', `The --${hook} hook "${command}" ${sig !== null ? `was killed by ${sig}` : `exited with status ${code ?? -1}`}.`));
    });
  });
}

/**
 * Runs `body` between the hooks: a failing pre-hook stops the run before anything is backed up; the post-hook runs
 * after success and after failure (including a failed pre-hook), with the outcome in its environment. A post-hook
 * that fails after a successful backup fails the command (the snapshot stays); after a failed one, `warn` names it.
 */
export async function withHooks<T extends { snapshotId?: string }>(
  hooks: BackupHooks,
  run: HookRun,
  warn: (message: string) => void,
  body: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    if (hooks.pre !== undefined) await runHook(hooks.pre, 'pre', run);
    result = await body();
  } catch (err) {
    if (hooks.post !== undefined) {
      const error = err instanceof Error ? err.message : String(err);
      await runHook(hooks.post, 'post', run, { ok: false, error }).catch((e: unknown) => warn(e instanceof Error ? e.message : String(e)));
    }
    throw err;
  }
  if (hooks.post !== undefined) {
    const outcome: HookOutcome = result.snapshotId !== undefined ? { ok: true, snapshotId: result.snapshotId } : { ok: true };
    try {
      await runHook(hooks.post, 'post', run, outcome);
    } catch (err) {
      const id = result.snapshotId === undefined ? '' : ` (snapshot ${result.snapshotId.slice(0, 8)} was saved)`;
      throw new CairnError('fatal', `${(err as Error).message.replace(/\.$/, '')}${id}.`);
    }
  }
  return result;
}
