import { beforeEach, describe, expect, it } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import type { Snapshot } from '../core/index.js';
import { openSource } from '../registry.js';
import { Repository } from '../repository/index.js';
import { saveSnapshot, saveTree } from '../snapshot/index.js';
import type { Clock } from '../util/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { forgetSnapshots } from './forget.js';
import type { ForgetRequest } from './forget.js';
import { parseGroupBy } from '../maintenance/index.js';

const DEFAULT_GROUPS = parseGroupBy('host,paths');

describe('forgetSnapshots', () => {
  let backend: MemBackend;
  let deps: AppDeps;
  let opts: OpenOptions;
  let ids: string[];

  const snapshotFiles = async (): Promise<string[]> => {
    const names: string[] = [];
    for await (const fi of backend.list('snapshots')) names.push(fi.name);
    return names.sort();
  };
  const forget = (req: Partial<ForgetRequest>) =>
    forgetSnapshots(deps, opts, { policy: {}, groupBy: DEFAULT_GROUPS, ...req });

  beforeEach(async () => {
    backend = new MemBackend();
    const now = Date.UTC(2025, 0, 1);
    const clock: Clock = { now: () => now, nowNs: () => BigInt(now) * 1_000_000n };
    deps = { openBackend: () => backend, openSource, clock, hostname: 'h', username: 'u', warn: () => undefined };
    opts = { target: { url: 'mem', isDefault: false }, password: { configured: async () => 'pw' } };
    // Cheap scrypt: the use case opens the repository with whatever its key file says.
    const repo = await Repository.init(backend, { password: 'pw', scryptParams: { N: 1024, r: 8, p: 1 } });
    const tree = (await saveTree(repo, { nodes: [] })).id;
    const doc = (day: number, host: string): Snapshot => ({
      time: `2024-05-0${day}T12:00:00+02:00`,
      tree,
      paths: ['/data'],
      hostname: host,
    });
    ids = [];
    for (const s of [doc(1, 'a'), doc(2, 'a'), doc(3, 'a'), doc(4, 'b')]) ids.push(await saveSnapshot(repo, s));
    await repo.close();
  });

  it('removes what the policy does not keep, per group, and nothing in a dry run', async () => {
    const dry = await forget({ policy: { last: 1 }, dryRun: true });
    expect(dry.removed).toEqual([ids[0], ids[1]].sort());
    expect(dry.groups.map((g) => [g.key.host, g.keep.length, g.remove.length])).toEqual([
      ['a', 1, 2],
      ['b', 1, 0],
    ]);
    expect(await snapshotFiles()).toHaveLength(4);
    await forget({ policy: { last: 1 } });
    expect(await snapshotFiles()).toEqual([ids[2], ids[3]].sort());
  });

  it('refuses, before deleting anything, a policy that empties a group; the unsafe flag allows it', async () => {
    await expect(forget({ policy: { tags: [['none']] } })).rejects.toThrow(
      /refusing to delete the last snapshot of the group "host a, path \[\/data\]" \(--allow-empty allows it\)/,
    );
    expect(await snapshotFiles()).toHaveLength(4);
    await forget({ policy: { tags: [['none']] }, unsafeAllowRemoveAll: true });
    expect(await snapshotFiles()).toEqual([]);
  });

  it('--allow-empty lets a policy empty a group, and nothing more: an empty policy is still refused', async () => {
    await expect(forget({ allowEmpty: true })).rejects.toThrow(/no policy was specified/);
    await forget({ policy: { tags: [['none']] }, filter: { hosts: ['a'] }, allowEmpty: true });
    expect(await snapshotFiles()).toEqual([ids[3]]);
  });

  it('with an empty policy refuses, or with the unsafe flag and a filter removes every selected snapshot', async () => {
    await expect(forget({})).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(forget({ unsafeAllowRemoveAll: true })).rejects.toThrow(/snapshot filter/);
    await forget({ unsafeAllowRemoveAll: true, filter: { hosts: ['a'] } });
    expect(await snapshotFiles()).toEqual([ids[3]]);
  });

  it('removes exactly the named snapshots, or none when one name matches nothing', async () => {
    await expect(forget({ snapshots: [ids[0]!.slice(0, 8), 'deadbeef'] })).rejects.toMatchObject({ code: 'not-found' });
    expect(await snapshotFiles()).toHaveLength(4);
    const out = await forget({ snapshots: [ids[1]!.slice(0, 8), 'latest'] });
    expect(out.removed).toEqual([ids[1], ids[3]].sort());
    expect(await snapshotFiles()).toEqual([ids[0], ids[2]].sort());
  });

  it('takes the exclusive lock: it waits for no one and fails while another process holds a lock', async () => {
    const other = await Repository.open(backend, { password: 'pw', hostname: 'other', username: 'o' });
    const lock = await other.lock({ exclusive: false });
    try {
      await expect(forget({ policy: { last: 1 } })).rejects.toMatchObject({ code: 'lock-failed' });
      expect(await snapshotFiles()).toHaveLength(4);
      // A dry run without a lock may look.
      const dry = await forgetSnapshots(deps, { ...opts, noLock: true }, {
        policy: { last: 1 },
        groupBy: DEFAULT_GROUPS,
        dryRun: true,
      });
      expect(dry.removed).toHaveLength(2);
    } finally {
      await lock.release();
      await other.close();
    }
  });
});
