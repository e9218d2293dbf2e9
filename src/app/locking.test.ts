import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileInfo } from '../backend/index.js';
import { MemBackend } from '../backend/mem/index.js';
import type { FileType } from '../core/index.js';
import { systemClock } from '../util/index.js';
import { runBackup } from './backup.js';
import { runCheck } from './check.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { initRepository } from './init.js';

/** A backend where "another process" acts at the moment our lock is re-checked (after the 200 ms settle). */
class RacedBackend extends MemBackend {
  private lockLists = 0;
  onLockRecheck: (() => Promise<void>) | undefined;

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

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-locking-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'a.txt'), 'alpha\n'.repeat(1000));
    backend = new RacedBackend();
    deps = { openBackend: () => backend, clock: systemClock, hostname: 'h', username: 'u', warn: () => undefined };
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
});
