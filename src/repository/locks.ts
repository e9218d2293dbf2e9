import type { Backend } from '../backend/index.js';
import type { Id } from '../core/index.js';
import { CairnError, errnoCode, isCairnError, shortId } from '../core/index.js';
import type { Clock } from '../util/index.js';
import { formatTimeUtc, parseTimeMs } from './time.js';
import type { Lock } from './types.js';
import type { UnpackedStore } from './unpacked.js';

const STALE_AFTER_MS = 30 * 60 * 1000;
export const REFRESH_EVERY_MS = 5 * 60 * 1000;
/** Give up when a refresh has failed this long: 30 min − 1.5 × refresh interval, as newer restic does. */
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

/** Stale: older than 30 minutes, or made on this host by a process that no longer exists. */
export function isStale(doc: LockDoc, nowMs: number, hostname: string): boolean {
  const t = parseTimeMs(doc.time);
  if (Number.isNaN(t) || nowMs - t > STALE_AFTER_MS) return true;
  return doc.hostname === hostname && !pidAlive(doc.pid);
}

export function describeLock(doc: LockDoc): string {
  const kind = doc.exclusive ? 'exclusive' : 'non-exclusive';
  return `PID ${doc.pid} on ${doc.hostname} by ${doc.username} (${kind}, created ${doc.time})`;
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

/** Removes stale locks (with a warning) and fails on a live conflicting lock other than `ownId`. */
async function checkLocks(env: LockEnv, exclusive: boolean, ownId: Id | undefined, removeStale: boolean) {
  for (const { id, doc } of await readLocks(env)) {
    if (id === ownId) continue;
    if (isStale(doc, env.clock.now(), env.hostname)) {
      if (!removeStale) continue;
      await env.backend.remove({ type: 'locks', name: id }).catch(() => undefined);
      env.onWarning?.(`Removed stale lock ${shortId(id)} of ${describeLock(doc)}.`);
      continue;
    }
    if (conflict(exclusive, doc)) return doc;
  }
  return undefined;
}

class RepoLock implements Lock {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private lastRefresh: number;
  private released = false;

  constructor(
    private readonly env: LockEnv,
    readonly exclusive: boolean,
    public id: Id,
  ) {
    this.lastRefresh = env.clock.now();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), REFRESH_EVERY_MS);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Writes a fresh lock file, then deletes the old one; aborts `signal` when refreshing failed for too long. */
  async refresh(): Promise<void> {
    if (this.released) return;
    try {
      const newId = await this.env.files.save('locks', encodeLock(lockDoc(this.env, this.exclusive)));
      const old = this.id;
      this.id = newId;
      this.lastRefresh = this.env.clock.now();
      await this.env.backend.remove({ type: 'locks', name: old }).catch(() => undefined);
    } catch (err) {
      if (this.env.clock.now() - this.lastRefresh >= GIVE_UP_AFTER_MS) {
        this.controller.abort(
          new CairnError('lock-failed', 'The repository lock could not be refreshed for too long.', { cause: err }),
        );
      }
      throw err;
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.env.backend.remove({ type: 'locks', name: this.id }).catch((err: unknown) => {
      if (!isCairnError(err, 'not-found')) throw err;
    });
  }
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
  const fail = (doc: LockDoc) =>
    new CairnError('lock-failed', `repository is already locked by ${describeLock(doc)}`);
  const before = await checkLocks(env, exclusive, undefined, true);
  if (before) throw fail(before);
  const id = await env.files.save('locks', encodeLock(lockDoc(env, exclusive)));
  await (env.sleep ?? delay)(SETTLE_MS);
  const after = await checkLocks(env, exclusive, id, false);
  if (after) {
    await env.backend.remove({ type: 'locks', name: id }).catch(() => undefined);
    throw fail(after);
  }
  return new RepoLock(env, exclusive, id);
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
