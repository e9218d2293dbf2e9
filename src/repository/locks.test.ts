import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import { masterKeyFromJSON } from '../crypto/index.js';
import { decodeUnpacked } from '../compress/index.js';
import { open as openBox } from '../crypto/index.js';
import type { Clock } from '../util/index.js';
import { Repository } from './repository.js';
import { decodeLock, encodeLock, isStale } from './locks.js';
import type { RepoLock } from './locks.js';
import { FIXTURES, loadFacts, newMemRepo } from './test-support.js';

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

async function open(backend: MemBackend, clock: Clock, extra: Partial<{ hostname: string; onWarning: (m: string) => void }> = {}) {
  return Repository.open(backend, { password: 'pw', clock, hostname: 'host-a', username: 'alice', ...extra });
}

async function lockCount(backend: MemBackend): Promise<number> {
  let n = 0;
  for await (const fi of backend.list('locks')) if (fi.name) n++;
  return n;
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
      message: expect.stringMatching(
        new RegExp(`^repository is already locked by PID ${process.pid} on host-a by alice \\(exclusive, created 2024-06-01T12:00:00Z\\)`),
      ) as unknown,
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

  it('a lock older than 30 minutes is removed when taking a lock, with a warning', async () => {
    const backend = new MemBackend();
    const clock = fakeClock();
    await newMemRepo({}, backend, clock);
    const other = await open(backend, clock, { hostname: 'elsewhere' });
    await other.lock({ exclusive: true }); // never released: its process "died"
    clock.advance(31 * 60 * 1000);
    const warnings: string[] = [];
    const a = await open(backend, clock, { onWarning: (m) => warnings.push(m) });
    const lock = await a.lock({ exclusive: true });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Removed stale lock [0-9a-f]{8} of PID \d+ on elsewhere/);
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
      message: expect.stringContaining(`PID ${doc.pid} on ${doc.hostname} by ${doc.username} (exclusive`) as unknown,
    });
  });
});
