import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashId } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { backupPaths, memRepo, names, nodeAt, tempDir, writeTree, type PathsBackupOptions } from './test-support.js';

// The file system changes between the listing of an entry and its opening; the `beforeOpen` hook makes the change
// at exactly that moment, so each race happens every time.

let dir: string;
let repo: Repository;

beforeEach(async () => {
  dir = tempDir('cairn-races-');
  repo = await memRepo();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (paths: string[], extra: Partial<PathsBackupOptions> = {}) =>
  backupPaths(repo, { paths, hostname: 'host', workers: 0, cwd: dir, ...extra });

/** Options whose hook calls `change` just before `target` is opened. */
function when(target: string, change: () => void): Partial<PathsBackupOptions> {
  return { hooks: { beforeOpen: (p) => (p === target ? change() : undefined) } };
}

const isRoot = process.getuid?.() === 0;
const SECRET = 'the secret, readable by its owner only\n';

describe('backup: a file replaced after the listing', () => {
  beforeEach(() => {
    writeTree(dir, { 'src/a': 'a', 'src/zz': 'public', secret: SECRET });
    fs.chmodSync(path.join(dir, 'secret'), 0o600);
  });
  const zz = () => path.join(dir, 'src/zz');
  const replaceBy = (make: (p: string) => void) => () => {
    fs.rmSync(zz());
    make(zz());
  };

  async function expectLeftOut(extra: Partial<PathsBackupOptions>, now: RegExp): Promise<void> {
    const res = await run(['src'], extra);
    expect(res.sourceErrors).toEqual([{ item: zz(), message: expect.stringMatching(now) as unknown }]);
    expect(await names(repo, (await nodeAt(repo, res.snapshot.tree, 'src')).subtree!)).toEqual(['a']);
    expect(repo.has('data', hashId(Buffer.from(SECRET)))).toBe(false);
    expect(res.snapshotId).toBeDefined();
  }

  it('by a symlink to a secret: left out with a warning, the secret is not read through it', async () => {
    await expectLeftOut(when(zz(), replaceBy((p) => fs.symlinkSync(path.join(dir, 'secret'), p))), /replaced by a symbolic link/);
  });

  it('by a symlink to /dev/zero: left out instead of read forever', { timeout: 10_000 }, async () => {
    await expectLeftOut(when(zz(), replaceBy((p) => fs.symlinkSync('/dev/zero', p))), /replaced by a symbolic link/);
  });

  it('by a FIFO: left out, the open does not block', { timeout: 10_000 }, async () => {
    await expectLeftOut(when(zz(), replaceBy((p) => execFileSync('mkfifo', [p]))), /replaced by a FIFO/);
  });

  it('by a socket: left out', async () => {
    const server = net.createServer();
    const listen = (p: string) => new Promise<void>((resolve) => server.listen(p, resolve));
    const swap = async (p: string) => (p === zz() ? (fs.rmSync(p), await listen(p)) : undefined);
    try {
      await expectLeftOut({ hooks: { beforeOpen: swap } }, /replaced by a socket/);
    } finally {
      server.close();
    }
  });

  // Only root can mknod a character device.
  it.skipIf(!isRoot)('by a character device: left out instead of read forever', { timeout: 10_000 }, async () => {
    await expectLeftOut(when(zz(), replaceBy((p) => execFileSync('mknod', [p, 'c', '1', '5']))), /replaced by a device/);
  });

  it('by another file renamed over it: left out (its bytes would be stored with the old metadata)', async () => {
    const swap = () => {
      fs.copyFileSync(path.join(dir, 'secret'), path.join(dir, 'tmp'));
      fs.renameSync(path.join(dir, 'tmp'), zz());
    };
    await expectLeftOut(when(zz(), swap), /replaced by another file/);
  });
});

describe('backup: a folder changed after the listing', () => {
  beforeEach(() => writeTree(dir, { 'src/a': 'a', 'src/d/x': 'x', 'elsewhere/secret': SECRET }));
  const d = () => path.join(dir, 'src/d');

  async function expectLeftOut(extra: Partial<PathsBackupOptions>, why: RegExp): Promise<void> {
    const res = await run(['src'], extra);
    expect(res.sourceErrors).toEqual([{ item: d(), message: expect.stringMatching(why) as unknown }]);
    expect(await names(repo, (await nodeAt(repo, res.snapshot.tree, 'src')).subtree!)).toEqual(['a']);
    expect(repo.has('data', hashId(Buffer.from(SECRET)))).toBe(false);
    expect(res.snapshotId).toBeDefined();
  }

  it('replaced by a symlink: left out with a warning, not backed up from the link target', async () => {
    const swap = () => {
      fs.rmSync(d(), { recursive: true });
      fs.symlinkSync(path.join(dir, 'elsewhere'), d());
    };
    await expectLeftOut(when(d(), swap), /replaced by a symbolic link/);
  });

  it('replaced by another folder renamed over it: left out', async () => {
    const swap = () => {
      fs.rmSync(d(), { recursive: true });
      fs.renameSync(path.join(dir, 'elsewhere'), d());
    };
    await expectLeftOut(when(d(), swap), /replaced by another folder/);
  });

  it('vanished: left out with a warning instead of stored as an empty folder', async () => {
    await expectLeftOut(when(d(), () => fs.rmSync(d(), { recursive: true })), /does not exist/);
  });

  // Root reads any folder; as root, test/e2e/bad-input.test.ts covers this case running the CLI as nobody.
  it.skipIf(isRoot)('unreadable: left out with a warning instead of stored as an empty folder', async () => {
    fs.chmodSync(d(), 0);
    try {
      await expectLeftOut({}, /Permission denied/);
    } finally {
      fs.chmodSync(d(), 0o755);
    }
  });

  it('unchanged: listed and backed up as usual', async () => {
    const res = await run(['src'], when(d(), () => undefined));
    expect(res.sourceErrors).toEqual([]);
    expect(await names(repo, (await nodeAt(repo, res.snapshot.tree, 'src/d')).subtree!)).toEqual(['x']);
  });
});
