import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import { masterKeyFromJSON } from '../crypto/index.js';
import { decodeUnpacked } from '../compress/index.js';
import { open as openBox } from '../crypto/index.js';
import type { Handle } from '../backend/index.js';
import type { Clock, Repeater } from '../util/index.js';
import { Repository } from './repository.js';
import { decodeLock, encodeLock, isStale } from './locks.js';
import { formatAge } from './time.js';
import type { RepoLock } from './locks.js';
import { FIXTURES, loadFacts, newMemRepo } from './test-support.js';
import type { RepositoryOptions } from './types.js';

const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
function fakeClock(start = T0): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    nowNs: () => BigInt(now) * 1_000_000n,
    advance(ms) {
      now += ms;
    },
  };
}

type Extra = Partial<Pick<RepositoryOptions, 'hostname' | 'onWarning' | 'unlockStaleAfterMs' | 'repeat'>>;
async function open(backend: MemBackend, clock: Clock, extra: Extra = {}) {
  return Repository.open(backend, { password: 'pw', clock, hostname: 'host-a', username: 'alice', ...extra });
}

async function lockCount(backend: MemBackend): Promise<number> {
  let n = 0;
  for await (const fi of backend.list('locks')) if (fi.name) n++;
  return n;
}

/** Holds lock-file writes until `letGo`, so a refresh overlaps other work. */
class HeldLockWrites extends MemBackend {
  hold = false;
  lockWrites = 0;
  private readonly held: (() => void)[] = [];
  override async write(h: Handle, data: Uint8Array): Promise<void> {
    if (h.type === 'locks') {
      this.lockWrites++;
      if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    }
    await super.write(h, data);
  }
  letGo(): void {
    this.hold = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** A Repeater ticked by hand; `tick` waits until the refresh it started has settled. */
function manualRepeater(): { repeat: Repeater; tick(): Promise<void> } {
  const ticks = new Set<() => void>();
  return {
    repeat: (_ms, tick) => {
      ticks.add(tick);
      return () => ticks.delete(tick);
    },
    async tick() {
      for (const t of [...ticks]) t();
      await new Promise((r) => setTimeout(r, 250)); // a late refresh waits 200 ms before its re-check
    },
  };
}

describe('locks', () => {
  it('an exclusive lock blocks a second exclusive lock with a message naming the holder', async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    await newMemRepo({}, backend, clock);
    const a = await open(backend, clock);
    const b = await open(backend, clock, { hostname: 'host-b' });
    const held = await a.lock({ exclusive: true });
    await expect(b.lock({ exclusive: true })).rejects.toMatchObject({
      code: 'lock-failed',
      message: `The repository is locked by alice on host-a (PID ${process.pid}, exclusive lock, created just now); ` +
        'if that process no longer runs, remove the lock with `cairn unlock --remove-all`.',
    });
    expect(await lockCount(backend)).toBe(1);
    await held.release();
    expect(await lockCount(backend)).toBe(0);
    const next = await b.lock({ exclusive: true });
    await next.release();
  });

  it('non-exclusive locks coexist but block an exclusive one', async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    await newMemRepo({}, backend, clock);
    const a = await open(backend, clock);
    const l1 = await a.lock({ exclusive: false });
    const l2 = await a.lock({ exclusive: false });
    expect(await lockCount(backend)).toBe(2);
    await expect(a.lock({ exclusive: true })).rejects.toMatchObject({ code: 'lock-failed' });
    expect(await lockCount(backend)).toBe(2);
    await l1.release();
    await l2.release();
  });

  it("another host's old lock is kept and refused, naming holder, host, PID, age and `cairn unlock`", async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    await newMemRepo({}, backend, clock);
    const other = await open(backend, clock, { hostname: 'elsewhere' });
    await other.lock({ exclusive: true }); // never refreshed: dead, or its clock is off
    clock.advance(2 * 60 * 60 * 1000);
    const warnings: string[] = [];
    const a = await open(backend, clock, { onWarning: (m) => warnings.push(m) });
    await expect(a.lock({ exclusive: false })).rejects.toMatchObject({
      code: 'lock-failed',
      message:
        `The repository is locked by alice on elsewhere (PID ${process.pid}, exclusive lock, created 2 hours ago); ` +
        'if that process no longer runs, remove the lock with `cairn unlock`.',
    });
    expect(warnings).toEqual([]);
    expect(await lockCount(backend)).toBe(1);
  });

  it('a young lock of another host points at `cairn unlock --remove-all`', async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    await newMemRepo({}, backend, clock);
    await (await open(backend, clock, { hostname: 'elsewhere' })).lock({ exclusive: true });
    clock.advance(90 * 1000);
    await expect((await open(backend, clock)).lock({ exclusive: true })).rejects.toThrow(
      /\(PID \d+, exclusive lock, created 1 minute 30 seconds ago\); .*`cairn unlock --remove-all`\.$/,
    );
  });

  it("this host's lock of a process that no longer runs is removed when locking, with a warning", async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    const repo = await newMemRepo({}, backend, clock);
    const dead = { time: '2024-06-01T11:59:00Z', exclusive: true, hostname: 'host-a', username: 'bob', pid: 2 ** 22 + 12345 };
    const id = await repo.saveUnpacked('locks', encodeLock(dead));
    const warnings: string[] = [];
    const lock = await (await open(backend, clock, { onWarning: (m) => warnings.push(m) })).lock({ exclusive: true });
    expect(warnings).toEqual([
      `Removed the stale lock ${id.slice(0, 8)} of bob on host-a (PID ${dead.pid}, exclusive lock, created 1 minute ago): ` +
        'its process no longer runs.',
    ]);
    expect(await lockCount(backend)).toBe(1);
    await lock.release();
  });

  it("unlockStaleAfterMs removes another host's older lock and says so; a younger one still refuses", async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    await newMemRepo({}, backend, clock);
    await (await open(backend, clock, { hostname: 'elsewhere' })).lock({ exclusive: true });
    clock.advance(45 * 60 * 1000);
    const warnings: string[] = [];
    const strict = await open(backend, clock, { unlockStaleAfterMs: 60 * 60 * 1000 });
    await expect(strict.lock({ exclusive: true })).rejects.toMatchObject({ code: 'lock-failed' });
    const opted = await open(backend, clock, { unlockStaleAfterMs: 30 * 60 * 1000, onWarning: (m) => warnings.push(m) });
    const lock = await opted.lock({ exclusive: true });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Removed the stale lock [0-9a-f]{8} of alice on elsewhere \(PID \d+, exclusive lock, created 45 minutes ago\): it is older than 30 minutes\.$/,
    );
    expect(await lockCount(backend)).toBe(1);
    await lock.release();
  });

  it('a lock of a dead process on the same host is stale; a live one is not', () => {
    const doc = { time: new Date(T0).toISOString(), exclusive: true, hostname: 'h', username: 'u', pid: 2 ** 22 + 12345 };
    expect(isStale(doc, T0, 'h')).toBe(true);
    expect(isStale(doc, T0, 'other-host')).toBe(false);
    expect(isStale({ ...doc, pid: process.pid }, T0, 'h')).toBe(false);
    expect(isStale({ ...doc, pid: process.pid }, T0 + 30 * 60 * 1000 + 1, 'h')).toBe(true);
  });

  it('unreadable lock files are ignored', async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    const repo = await newMemRepo({}, backend, clock);
    await backend.write({ type: 'locks', name: 'ee'.repeat(32) }, Buffer.from('garbage'));
    const lock = await repo.lock({ exclusive: true });
    await lock.release();
  });

  it('refresh writes a new lock file and deletes the old one', async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    const repo = await newMemRepo({}, backend, clock);
    const lock = (await repo.lock({ exclusive: false })) as RepoLock;
    const before = lock.id;
    clock.advance(5 * 60 * 1000);
    await lock.refresh();
    const names = [];
    for await (const f of backend.list('locks')) names.push(f.name);
    expect(names).toEqual([lock.id]);
    expect(lock.id).not.toBe(before);
    expect(decodeLock(await repo.loadUnpacked('locks', lock.id)).time).toBe('2024-06-01T12:05:00Z');
    await lock.release();
  });

  it('the signal aborts when refreshing has failed for 22.5 minutes', async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    const repo = await newMemRepo({}, backend, clock);
    const lock = (await repo.lock({ exclusive: false })) as RepoLock;
    backend.write = () => Promise.reject(new Error('offline'));
    clock.advance(20 * 60 * 1000);
    await expect(lock.refresh()).rejects.toThrow('offline');
    expect(lock.signal.aborted).toBe(false);
    clock.advance(3 * 60 * 1000);
    await expect(lock.refresh()).rejects.toThrow('offline');
    expect(lock.signal.aborted).toBe(true);
    await lock.release();
  });

  it('a refresh racing release leaves no lock file, and a released lock never comes back', async () => {
    const backend = new HeldLockWrites();
    const clock = fakeClock();
    const repo = await newMemRepo({}, backend, clock);
    const lock = (await repo.lock({ exclusive: false })) as RepoLock;
    backend.hold = true;
    const refreshing = lock.refresh();
    await new Promise((r) => setImmediate(r)); // the new lock file is on its way
    const releasing = lock.release();
    backend.letGo();
    await Promise.all([refreshing, releasing]);
    await lock.refresh();
    expect(await lockCount(backend)).toBe(0);
  });

  it('a refresh joins one that is still running instead of writing a second lock file', async () => {
    const backend = new HeldLockWrites();
    const clock = fakeClock();
    const repo = await newMemRepo({}, backend, clock);
    const lock = (await repo.lock({ exclusive: false })) as RepoLock;
    const writes = backend.lockWrites;
    backend.hold = true;
    const both = Promise.all([lock.refresh(), lock.refresh()]);
    await new Promise((r) => setImmediate(r));
    backend.letGo();
    await both;
    expect(backend.lockWrites - writes).toBe(1);
    expect(await lockCount(backend)).toBe(1);
    await lock.release();
  });

  it('a lock not refreshed for 22.5 minutes is lost: the signal says why and the repository writes nothing more', async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    const timer = manualRepeater();
    await newMemRepo({}, backend, clock);
    const repo = await open(backend, clock, { repeat: timer.repeat });
    const lock = await repo.lock({ exclusive: false });
    const write = backend.write.bind(backend);
    backend.write = (h, data) => (h.type === 'locks' ? Promise.reject(new Error('connection refused')) : write(h, data));
    for (let i = 0; i < 4; i++) {
      clock.advance(5 * 60 * 1000);
      await timer.tick();
    }
    expect(lock.signal.aborted).toBe(false);
    await repo.saveBlob('data', Buffer.from('queued before the loss'));
    clock.advance(5 * 60 * 1000);
    await timer.tick();
    expect(lock.signal.aborted).toBe(true);
    expect(lock.signal.reason).toMatchObject({
      code: 'lock-failed',
      message:
        'The repository lock was lost because it could not be refreshed for 25 minutes (connection refused), ' +
        'so Cairn stopped writing to the repository.',
    });
    await expect(repo.flush()).rejects.toMatchObject({ code: 'lock-failed' });
    await expect(repo.saveUnpacked('snapshots', Buffer.from('{}'))).rejects.toMatchObject({ code: 'lock-failed' });
    await repo.close();
    for (const type of ['data', 'index', 'snapshots'] as const) {
      for await (const fi of backend.list(type)) expect.fail(`${type}/${fi.name} was written after the lock was lost`);
    }
  });

  it('a refresh that hangs past the limit loses the lock; one whose file another process removed, too', async () => {
    const backend = new HeldLockWrites();
    const clock = fakeClock();
    const timer = manualRepeater();
    await newMemRepo({}, backend, clock);
    const repo = await open(backend, clock, { repeat: timer.repeat });
    const hung = await repo.lock({ exclusive: false });
    backend.hold = true;
    clock.advance(5 * 60 * 1000);
    await timer.tick();
    clock.advance(20 * 60 * 1000);
    await timer.tick();
    expect(hung.signal.reason).toMatchObject({ message: expect.stringContaining('for 25 minutes (the repository did not answer)') as unknown });
    backend.letGo();
    await hung.release();

    const removed = (await repo.lock({ exclusive: false })) as RepoLock;
    await backend.remove({ type: 'locks', name: removed.id }); // `unlock --remove-all` elsewhere
    clock.advance(23 * 60 * 1000); // e.g. this computer slept
    await expect(removed.refresh()).rejects.toMatchObject({ code: 'lock-failed' });
    expect(removed.signal.reason).toMatchObject({
      message:
        'The repository lock was lost because another process removed its lock file, so Cairn stopped writing to the repository.',
    });
    expect(await lockCount(backend)).toBe(0);
  });

  it('removeLocks removes only stale locks with staleOnly, all without', async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    const repo = await newMemRepo({}, backend, clock);
    await repo.lock({ exclusive: false });
    const old = { time: '2024-06-01T11:20:00Z', exclusive: false, hostname: 'far', username: 'bob', pid: 1 };
    await repo.saveUnpacked('locks', encodeLock(old));
    expect(await lockCount(backend)).toBe(2);
    expect(await repo.removeLocks({ staleOnly: true })).toBe(1);
    expect(await lockCount(backend)).toBe(1);
    expect(await repo.removeLocks({ staleOnly: false })).toBe(1);
    expect(await lockCount(backend)).toBe(0);
  });

  it('ages in messages use the two largest units', () => {
    expect([500, 45_000, 90_000, 60 * 60_000, 90 * 60_000, 2 * 60 * 60_000 + 5_000, 50 * 60 * 60_000].map(formatAge)).toEqual([
      '0 seconds',
      '45 seconds',
      '1 minute 30 seconds',
      '1 hour',
      '1 hour 30 minutes',
      '2 hours',
      '2 days 2 hours',
    ]);
  });

  it('encodes lock documents in restic field order, omitting zero uid/gid', () => {
    const doc = { time: 't', exclusive: false, hostname: 'h', username: 'u', pid: 7, uid: 0, gid: 5 };
    expect(encodeLock(doc).toString()).toBe('{"time":"t","exclusive":false,"hostname":"h","username":"u","pid":7,"gid":5}');
  });

  it("decodes restic 0.14's lock files", () => {
    const facts = loadFacts();
    const key = masterKeyFromJSON(JSON.stringify(facts.masterkey));
    const read = (name: string) => fs.readFileSync(path.join(FIXTURES, 'locks', name));
    const ex = decodeLock(decodeUnpacked(openBox(key, read('lock-exclusive'))));
    const nonEx = decodeLock(decodeUnpacked(openBox(key, read('lock-nonexclusive'))));
    expect(ex.exclusive).toBe(true);
    expect(nonEx.exclusive).toBe(false);
    expect(ex.pid).toBeGreaterThan(0);
    expect(Date.parse(ex.time)).toBeGreaterThan(Date.UTC(2020, 0, 1));
  });

  it("restic's lock samples in a repository conflict with an exclusive lock, named in the error", async () => {
    const facts = loadFacts();
    const key = masterKeyFromJSON(JSON.stringify(facts.masterkey));
    const bytes = fs.readFileSync(path.join(FIXTURES, 'locks', 'lock-exclusive'));
    const doc = decodeLock(decodeUnpacked(openBox(key, bytes)));
    const backend = new MemBackend();
    const clock = fakeClock(Date.parse(doc.time) + 60_000);
    const repo = await newMemRepo({ hostname: 'not-' + doc.hostname }, backend, clock);
    // seal the restic lock with this repository's key, keeping its document
    const id = await repo.saveUnpacked('locks', encodeLock(doc));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await expect(repo.lock({ exclusive: false })).rejects.toMatchObject({
      message: expect.stringContaining(`locked by ${doc.username} on ${doc.hostname} (PID ${doc.pid}, exclusive lock, created 1 minute ago)`) as unknown,
    });
  });
});
