import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileInfo, Handle } from '../backend/index.js';
import { MemBackend } from '../backend/mem/index.js';
import type { FileType } from '../core/index.js';
import type { Clock, Repeater } from '../util/index.js';
import { runBackup } from './backup.js';
import { runCheck } from './check.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { initRepository } from './init.js';
import { exitCodeFor } from '../cli/exit-codes.js';
import { openSource } from '../registry.js';

/** A backend where "another process" acts at the moment our lock is re-checked (after the 200 ms settle). */
class RacedBackend extends MemBackend {
  private lockLists = 0;
  onLockRecheck: (() => Promise<void>) | undefined;
  /** Runs before the first pack upload goes out. */
  onFirstPack: (() => Promise<void>) | undefined;
  failLockWrites = false;

  override async write(h: Handle, data: Uint8Array): Promise<void> {
    if (h.type === 'locks' && this.failLockWrites) throw new Error('connection reset by peer');
    if (h.type === 'data' && this.onFirstPack) {
      const act = this.onFirstPack;
      this.onFirstPack = undefined;
      await act();
    }
    await super.write(h, data);
  }

  override async *list(type: FileType): AsyncIterable<FileInfo> {
    if (type === 'locks' && ++this.lockLists % 2 === 0 && this.onLockRecheck) {
      const act = this.onLockRecheck;
      this.onLockRecheck = undefined;
      await act();
    }
    yield* super.list(type);
  }

  async removeAll(type: FileType): Promise<void> {
    for await (const fi of super.list(type)) await this.remove({ type, name: fi.name });
  }
}

describe('locking in the use cases', () => {
  let dir: string;
  let backend: RacedBackend;
  let deps: AppDeps;
  let opts: OpenOptions;
  let now: number;
  const ticks = new Set<() => void>();

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-locking-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'a.txt'), 'alpha\n'.repeat(1000));
    backend = new RacedBackend();
    now = Date.UTC(2024, 5, 1);
    const clock: Clock = { now: () => now, nowNs: () => BigInt(now) * 1_000_000n };
    const repeat: Repeater = (_ms, tick) => {
      ticks.add(tick);
      return () => ticks.delete(tick);
    };
    deps = { openBackend: () => backend, openSource, clock, repeat, hostname: 'h', username: 'u', warn: () => undefined };
    opts = { target: { url: 'mem', isDefault: false }, password: { configured: async () => 'pw' } };
    await initRepository(deps, opts);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an index pruned by another process while the lock is taken is not used: the backup stores its blobs again', async () => {
    const src = path.join(dir, 'src');
    await runBackup(deps, opts, { paths: [src], workers: 0 });
    // `forget --prune` of everything elsewhere, after our warm-up loaded the index but before our lock holds.
    backend.onLockRecheck = async () => {
      for (const type of ['snapshots', 'index', 'data'] as const) await backend.removeAll(type);
    };
    const second = await runBackup(deps, opts, { paths: [src], workers: 0 });
    expect(backend.onLockRecheck).toBeUndefined();
    expect(second.parent).toBeUndefined();
    const checked = await runCheck(deps, opts, { readData: true });
    expect(checked.errors).toEqual([]);
  });

  it('a lock lost during a backup stops it with lock-failed (exit 11): no index or snapshot is written after it', async () => {
    backend.onFirstPack = async () => {
      // The repository stops answering lock refreshes for 25 minutes while the first pack uploads.
      backend.failLockWrites = true;
      now += 25 * 60 * 1000;
      for (const tick of [...ticks]) tick();
      await new Promise((r) => setTimeout(r, 50));
    };
    const err: unknown = await runBackup(deps, opts, { paths: [path.join(dir, 'src')], workers: 0 }).catch((e: unknown) => e);
    expect(backend.onFirstPack).toBeUndefined();
    expect(err).toMatchObject({
      code: 'lock-failed',
      message:
        'The repository lock was lost because it could not be refreshed for 25 minutes (connection reset by peer), ' +
        'so Cairn stopped writing to the repository.',
    });
    expect(exitCodeFor(err)).toBe(11);
    for (const type of ['index', 'snapshots'] as const) {
      for await (const fi of backend.list(type)) expect.fail(`${type}/${fi.name} was written after the lock was lost`);
    }
  });
});
