/**
 * `cairn run JOB` while `cairn serve` holds the data directory: the daemon runs the job (so it never overlaps the
 * daemon's own run of it, and one process writes the history), asked through its API with the config's token; the
 * run's log is followed on stderr until it ends, and Ctrl-C cancels it there.
 */
import type { RunWithLog } from '../../api/index.js';
import type { CairnConfig } from '../../config/index.js';
import { CairnError } from '../../core/index.js';
import type { LockHolder } from '../../daemon/index.js';
import type { CommandContext } from '../context.js';

const POLL_MS = 500;

interface Remote {
  url: string;
  pid: number;
  token: string | undefined;
  /** Without a token the daemon is in open mode and wants its CSRF token on POSTs (from GET /api/v1/session). */
  csrf?: string;
}

async function call<T>(r: Remote, method: string, route: string): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`${r.url}${route}`, {
      method,
      headers:
        r.token !== undefined
          ? { authorization: `Bearer ${r.token}` }
          : r.csrf !== undefined
            ? { 'x-csrf-token': r.csrf }
            : {},
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new CairnError(
      'fatal',
      `cairn serve (pid ${r.pid}) holds the data directory but does not answer at ${r.url} (${(err as Error).message}).`,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  if (res.status === 401 || res.status === 403)
    throw new CairnError(
      'access-denied',
      `cairn serve (pid ${r.pid}) refused the request (${res.status}): give the config a server.tokens entry the daemon accepts.`,
    );
  return { status: res.status, body: body as T };
}

/** Asks the daemon to run `job`'s backup or drill and follows the run; returns its outcome as an exit code's input. */
export async function runThroughDaemon(
  ctx: CommandContext,
  config: CairnConfig,
  job: string,
  kind: 'backup' | 'drill',
  holder: LockHolder & { url: string },
): Promise<RunWithLog> {
  const r: Remote = { url: holder.url, pid: holder.pid, token: config.server.tokens[0] };
  if (r.token === undefined) {
    const session = await call<{ csrfToken?: string }>(r, 'GET', '/api/v1/session');
    if (session.body.csrfToken !== undefined) r.csrf = session.body.csrfToken;
  }
  const started = await call<{ runId?: number; error?: string }>(
    r,
    'POST',
    `/api/v1/jobs/${encodeURIComponent(job)}/${kind === 'drill' ? 'drill' : 'run'}`,
  );
  if (started.status === 409)
    throw new CairnError('lock-failed', `The job "${job}" is running in cairn serve (pid ${r.pid}) already.`);
  if (started.status !== 202 || started.body.runId === undefined)
    throw new CairnError(
      'fatal',
      `cairn serve (pid ${r.pid}) did not start the job "${job}" (${started.status}: ${started.body.error ?? 'no run id'}).`,
    );
  const runId = started.body.runId;
  if (!ctx.quiet)
    ctx.io.stderr.write(`cairn serve (pid ${r.pid}) runs the ${kind} of job ${job} as run ${runId}; following its log\n`);
  let cancelled = false;
  const cancel = (): void => {
    cancelled = true;
    void call(r, 'POST', `/api/v1/runs/${runId}/cancel`).catch(() => undefined);
  };
  ctx.signal.addEventListener('abort', cancel, { once: true });
  try {
    let shown = 0;
    for (;;) {
      const { status, body: run } = await call<RunWithLog>(r, 'GET', `/api/v1/runs/${runId}`);
      if (status !== 200)
        throw new CairnError('fatal', `cairn serve (pid ${r.pid}) lost run ${runId} (${status}).`);
      if (!ctx.quiet)
        for (const l of run.log.slice(shown))
          ctx.io.stderr.write(`${l.at} ${l.level.toUpperCase()} ${l.message}\n`);
      shown = run.log.length;
      if (run.outcome !== 'running') return run;
      // After Ctrl-C the run ends soon (its repository lock released); a second Ctrl-C would end us anyway.
      await new Promise((resolve) => setTimeout(resolve, cancelled ? POLL_MS / 5 : POLL_MS));
    }
  } finally {
    ctx.signal.removeEventListener('abort', cancel);
  }
}
