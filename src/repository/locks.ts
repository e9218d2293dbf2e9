import type { Backend } from '../backend/index.js';
import type { Id } from '../core/index.js';
import { CairnError, errnoCode, isCairnError, shortId } from '../core/index.js';
import type { Clock, Repeater } from '../util/index.js';
import { formatAge, formatTimeUtc, parseTimeMs } from './time.js';
import type { Lock } from './types.js';
import type { UnpackedStore } from './unpacked.js';

const STALE_AFTER_MS = 30 * 60 * 1000;
export const REFRESH_EVERY_MS = 5 * 60 * 1000;
/** The lock is lost when no refresh succeeded this long: 30 min − 1.5 × refresh interval, as newer restic does. */
const GIVE_UP_AFTER_MS = STALE_AFTER_MS - 1.5 * REFRESH_EVERY_MS;
const SETTLE_MS = 200;

/** A lock file's document (section 10 of the format notes). */
export interface LockDoc {
  time: string;
  exclusive: boolean;
  hostname: string;
  username: string;
  pid: number;
  uid?: number;
  gid?: number;
}

export interface LockEnv {
  backend: Backend;
  files: UnpackedStore;
  clock: Clock;
  hostname: string;
  username: string;
  onWarning: ((message: string) => void) | undefined;
  /** Other hosts' locks older than this are removed when locking (the user opted in); see removableBecause. */
  unlockStaleAfterMs: number | undefined;
  /** Schedules the refresh. */
  repeat: Repeater;
  /** Waits between writing a lock and re-checking; tests may shorten it. */
  sleep?: (ms: number) => Promise<void>;
}

export function encodeLock(doc: LockDoc): Buffer {
  const o: LockDoc = {
    time: doc.time,
    exclusive: doc.exclusive,
    hostname: doc.hostname,
    username: doc.username,
    pid: doc.pid,
  };
  if (doc.uid) o.uid = doc.uid;
  if (doc.gid) o.gid = doc.gid;
  return Buffer.from(JSON.stringify(o));
}

export function decodeLock(json: Uint8Array): LockDoc {
  const d = JSON.parse(Buffer.from(json).toString('utf8')) as Partial<LockDoc>;
  if (typeof d.time !== 'string' || typeof d.pid !== 'number') throw new Error('lock lacks time or pid');
  return {
    time: d.time,
    exclusive: d.exclusive === true,
    hostname: d.hostname ?? '',
    username: d.username ?? '',
    pid: d.pid,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM'; // exists, but belongs to someone else
  }
}

/** Stale for `unlock` (restic's rule): older than 30 minutes, or made on this host by a process that no longer exists. */
export function isStale(doc: LockDoc, nowMs: number, hostname: string): boolean {
  const t = parseTimeMs(doc.time);
  if (Number.isNaN(t) || nowMs - t > STALE_AFTER_MS) return true;
  return deadOnThisHost(doc, hostname);
}

function deadOnThisHost(doc: LockDoc, hostname: string): boolean {
  return doc.hostname === hostname && !pidAlive(doc.pid);
}

/** "alice on host-b (PID 42, exclusive lock, created 2 hours ago)": who holds a lock, for messages. */
export function describeLock(doc: LockDoc, nowMs: number): string {
  const kind = doc.exclusive ? 'exclusive' : 'non-exclusive';
  const age = nowMs - parseTimeMs(doc.time);
  let created: string;
  if (Number.isNaN(age)) created = `created at an unreadable time "${doc.time}"`;
  else if (age < -1000) created = `created ${formatAge(-age)} in the future by this computer's clock`;
  else created = age < 1000 ? 'created just now' : `created ${formatAge(age)} ago`;
  return `${doc.username} on ${doc.hostname} (PID ${doc.pid}, ${kind} lock, ${created})`;
}

/** Every readable lock file; unreadable ones are ignored, as restic 0.14 does. */
async function readLocks(env: LockEnv): Promise<{ id: Id; doc: LockDoc }[]> {
  const out: { id: Id; doc: LockDoc }[] = [];
  for await (const fi of env.backend.list('locks')) {
    try {
      out.push({ id: fi.name, doc: decodeLock(await env.files.load('locks', fi.name)) });
    } catch (err) {
      if (err instanceof CairnError && !isCairnError(err, 'corrupt') && !isCairnError(err, 'not-found')) throw err;
    }
  }
  return out;
}

function conflict(exclusive: boolean, doc: LockDoc): boolean {
  return exclusive || doc.exclusive;
}

/**
 * Why taking a lock may remove this one, or undefined. Like restic, never for its age alone: another host's clock
 * may be off, and its live lock would vanish. Only this host's locks of dead processes go, and locks older than
 * the user's `unlockStaleAfterMs`.
 */
function removableBecause(env: LockEnv, doc: LockDoc): string | undefined {
  if (deadOnThisHost(doc, env.hostname)) return 'its process no longer runs';
  const limit = env.unlockStaleAfterMs;
  const age = env.clock.now() - parseTimeMs(doc.time);
  if (limit !== undefined && !(age <= limit)) return `it is older than ${formatAge(limit)}`;
  return undefined;
}

/** Removes removable locks (with a warning) and returns a live conflicting lock other than `ownId`. */
async function checkLocks(env: LockEnv, exclusive: boolean, ownId: Id | undefined, remove: boolean) {
  for (const { id, doc } of await readLocks(env)) {
    if (id === ownId) continue;
    const why = removableBecause(env, doc);
    if (why !== undefined) {
      if (!remove) continue;
      await env.backend.remove({ type: 'locks', name: id }).catch(() => undefined);
      env.onWarning?.(`Removed the stale lock ${shortId(id)} of ${describeLock(doc, env.clock.now())}: ${why}.`);
      continue;
    }
    if (conflict(exclusive, doc)) return doc;
  }
  return undefined;
}

function lockedError(env: LockEnv, doc: LockDoc): CairnError {
  const now = env.clock.now();
  const unlock = isStale(doc, now, env.hostname) ? '`cairn unlock`' : '`cairn unlock --remove-all`';
  return new CairnError(
    'lock-failed',
    `The repository is locked by ${describeLock(doc, now)}; if that process no longer runs, remove the lock with ${unlock}.`,
  );
}

/**
 * A held lock. It is refreshed every 5 minutes, one refresh at a time; a release waits for a running refresh, so a
 * released lock never comes back. When no refresh succeeded for 22.5 minutes (restic's limit, well before others
 * may call the lock stale) the lock is lost: `signal` aborts with a lock-failed error.
 */
class RepoLock implements Lock {
  private readonly controller = new AbortController();
  private readonly stopTimer: () => void;
  private lastRefresh: number;
  private state: 'held' | 'lost' | 'released' = 'held';
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly env: LockEnv,
    readonly exclusive: boolean,
    public id: Id,
  ) {
    this.lastRefresh = env.clock.now();
    this.stopTimer = env.repeat(REFRESH_EVERY_MS, () => this.tick());
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Writes a fresh lock file, then deletes the old one; joins a refresh that is already running. */
  refresh(): Promise<void> {
    if (this.state !== 'held') return Promise.resolve();
    this.refreshing ??= this.replace().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  async release(): Promise<void> {
    if (this.state === 'released') return;
    this.state = 'released';
    this.stopTimer();
    await this.refreshing?.catch(() => undefined);
    await this.env.backend.remove({ type: 'locks', name: this.id }).catch((err: unknown) => {
      if (!isCairnError(err, 'not-found')) throw err;
    });
  }

  private tick(): void {
    // A refresh that still hangs when the limit is reached cannot save the lock any more.
    if (this.refreshing && this.overdue()) this.lose(new Error('the repository did not answer'));
    else this.refresh().catch(() => undefined);
  }

  private overdue(): boolean {
    return this.env.clock.now() - this.lastRefresh >= GIVE_UP_AFTER_MS;
  }

  private async replace(): Promise<void> {
    // An overdue lock may already be gone (another host took it for stale): it is renewed only while it exists.
    const late = this.overdue();
    try {
      if (late) await this.mustExist();
      const newId = await this.env.files.save('locks', encodeLock(lockDoc(this.env, this.exclusive)));
      if (late) {
        await (this.env.sleep ?? delay)(SETTLE_MS);
        await this.mustExist().catch(async (err: unknown) => {
          await this.removeFile(newId);
          throw err;
        });
      }
      // Released or lost meanwhile: the new file must not outlive the lock.
      if (this.state !== 'held') return await this.removeFile(newId);
      const old = this.id;
      this.id = newId;
      this.lastRefresh = this.env.clock.now();
      await this.removeFile(old);
    } catch (err) {
      if (late || this.overdue()) this.lose(err);
      throw err;
    }
  }

  private async mustExist(): Promise<void> {
    await this.env.backend.stat({ type: 'locks', name: this.id }).catch((err: unknown) => {
      if (!isCairnError(err, 'not-found')) throw err;
      throw new CairnError('lock-failed', 'another process removed its lock file');
    });
  }

  private removeFile(id: Id): Promise<void> {
    return this.env.backend.remove({ type: 'locks', name: id }).catch(() => undefined);
  }

  private lose(cause: unknown): void {
    if (this.state !== 'held') return;
    this.state = 'lost';
    this.stopTimer();
    const minutes = Math.floor((this.env.clock.now() - this.lastRefresh) / 60_000);
    const why = isCairnError(cause, 'lock-failed')
      ? cause.message
      : `it could not be refreshed for ${minutes} minutes (${reasonText(cause)})`;
    this.controller.abort(
      new CairnError(
        'lock-failed',
        `The repository lock was lost because ${why}, so Cairn stopped writing to the repository.`,
        { cause },
      ),
    );
  }
}

function reasonText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
}

function lockDoc(env: LockEnv, exclusive: boolean): LockDoc {
  return {
    time: formatTimeUtc(env.clock.nowNs()),
    exclusive,
    hostname: env.hostname,
    username: env.username,
    pid: process.pid,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
  };
}

/** restic's lock protocol: check, write ours, wait 200 ms, check again (section 10). */
export async function acquireLock(env: LockEnv, exclusive: boolean): Promise<RepoLock> {
  const before = await checkLocks(env, exclusive, undefined, true);
  if (before) throw lockedError(env, before);
  const id = await env.files.save('locks', encodeLock(lockDoc(env, exclusive)));
  await (env.sleep ?? delay)(SETTLE_MS);
  const after = await checkLocks(env, exclusive, id, false);
  if (after) {
    await env.backend.remove({ type: 'locks', name: id }).catch(() => undefined);
    throw lockedError(env, after);
  }
  return new RepoLock(env, exclusive, id);
}

/** Every readable lock with whether `unlock` would remove it as stale (what the dashboard shows). */
export async function listLocks(env: LockEnv): Promise<{ id: Id; doc: LockDoc; stale: boolean }[]> {
  return (await readLocks(env)).map((l) => ({ ...l, stale: isStale(l.doc, env.clock.now(), env.hostname) }));
}

/** Deletes all lock files, or only stale ones (restic `unlock`); returns how many were removed. */
export async function removeLocks(env: LockEnv, staleOnly: boolean): Promise<number> {
  let removed = 0;
  if (staleOnly) {
    for (const { id, doc } of await readLocks(env)) {
      if (!isStale(doc, env.clock.now(), env.hostname)) continue;
      await env.backend.remove({ type: 'locks', name: id });
      removed++;
    }
    return removed;
  }
  for await (const fi of env.backend.list('locks')) {
    await env.backend.remove({ type: 'locks', name: fi.name });
    removed++;
  }
  return removed;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type { RepoLock };
