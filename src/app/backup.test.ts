import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import { systemClock } from '../util/index.js';
import { SnapshotSavedError, runBackup } from './backup.js';
import { parseFilesFrom } from './files-from.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { listSnapshotsUseCase } from './snapshots.js';
import { openSource } from '../registry.js';
import { CairnError } from '../core/index.js';
import type { Source, SourceSpec } from '../source/index.js';

describe('runBackup', () => {
  let dir: string;
  let backend: MemBackend;
  let warnings: string[];
  let deps: AppDeps;
  let opts: OpenOptions;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-backup-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'a.txt'), 'alpha\n');
    backend = new MemBackend();
    warnings = [];
    deps = {
      openBackend: () => backend,
      openSource,
      clock: systemClock,
      hostname: 'h',
      username: 'u',
      warn: (m) => warnings.push(m),
    };
    const passwordFile = path.join(dir, 'config', 'password');
    opts = {
      target: { url: 'default', isDefault: true, passwordFile },
      password: { configured: async () => undefined },
    };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the first backup creates the default repository, and the second one finds its parent', async () => {
    const first = await runBackup(deps, opts, { paths: [path.join(dir, 'src')], workers: 0 });
    expect(first.createdPasswordFile).toBe(path.join(dir, 'config', 'password'));
    expect(first.parent).toBeUndefined();
    expect(warnings).toHaveLength(1);
    const second = await runBackup(deps, opts, { paths: [path.join(dir, 'src')], workers: 0 });
    expect(second.parent?.id).toBe(first.snapshotId);
    expect(second.createdPasswordFile).toBeUndefined();
    expect((await listSnapshotsUseCase(deps, opts)).map((s) => s.id)).toEqual([
      first.snapshotId,
      second.snapshotId,
    ]);
  });

  it('skips a path that does not exist, names it, and leaves it out of the snapshot and the parent search', async () => {
    const src = path.join(dir, 'src');
    const missing = path.join(dir, 'missing');
    const first = await runBackup(deps, opts, { paths: [src], workers: 0 });
    warnings.length = 0;
    const second = await runBackup(deps, opts, { paths: [src, missing], workers: 0 });
    expect(second.skippedPaths).toEqual([missing]);
    expect(warnings).toEqual([`${missing} does not exist, skipping`]);
    expect(second.snapshot.paths).toEqual([src]);
    expect(second.parent?.id).toBe(first.snapshotId);
    await expect(runBackup(deps, opts, { paths: [missing], workers: 0 })).rejects.toMatchObject({
      code: 'source-unreadable',
      message: `Nothing to back up: ${missing} does not exist.`,
    });
  });

  it('a dry run does not create the default repository', async () => {
    await expect(
      runBackup(deps, opts, { paths: [path.join(dir, 'src')], dryRun: true, workers: 0 }),
    ).rejects.toMatchObject({
      code: 'repository-not-found',
    });
  });

  it('a failing --stdin-from-command writes no snapshot', async () => {
    await runBackup(deps, opts, { paths: [path.join(dir, 'src')], workers: 0 });
    const req = {
      paths: [],
      stdinCommand: { filename: 'x', command: 'sh', args: ['-c', 'echo partial; exit 7'] },
      workers: 0,
    };
    await expect(runBackup(deps, opts, req)).rejects.toThrow(/exited with status 7/);
    expect(await listSnapshotsUseCase(deps, opts)).toHaveLength(1);
  });

  /** The real source of `spec`, whose close fails as a Docker volume source's does when a container stays stopped. */
  const failingClose = (spec: SourceSpec, readFails = false): Source => {
    const source = openSource(spec);
    if (readFails)
      source.roots = () => Promise.reject(new CairnError('source-unreadable', 'The disk went away.'));
    source.close = () =>
      Promise.reject(
        new CairnError('fatal', 'Docker container web could not be started again; start it by hand.'),
      );
    return source;
  };

  it("a failed backup whose source then fails to close reports both sentences, with the backup's code", async () => {
    deps.openSource = (spec) => failingClose(spec, true);
    await expect(runBackup(deps, opts, { paths: [path.join(dir, 'src')], workers: 0 })).rejects.toThrow(
      expect.objectContaining({
        code: 'source-unreadable',
        message: 'The disk went away. Docker container web could not be started again; start it by hand.',
      }),
    );
  });

  it('a snapshot written before the source fails to close is kept; the run fails with the snapshot in its error', async () => {
    deps.openSource = (spec) => failingClose(spec);
    const err: unknown = await runBackup(deps, opts, { paths: [path.join(dir, 'src')], workers: 0 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SnapshotSavedError);
    const { outcome, message, code } = err as SnapshotSavedError;
    expect(code).toBe('fatal');
    expect(message).toBe(
      `Docker container web could not be started again; start it by hand (snapshot ${outcome.snapshotId!.slice(0, 8)} was saved).`,
    );
    expect((await listSnapshotsUseCase(deps, opts)).map((s) => s.id)).toEqual([outcome.snapshotId]);
  });

  it('--stop-containers sets stop-containers on every docker-volume: source, and needs one', async () => {
    let opened: SourceSpec | undefined;
    deps.openSource = (spec) => {
      opened = spec;
      throw new CairnError('fatal', 'not opened in this test');
    };
    const req = {
      paths: ['docker-volume:a', 'docker-volume:b?stop-containers=false', 'docker-container:c'],
      stopContainers: true,
    };
    await expect(runBackup(deps, opts, req)).rejects.toThrow('not opened in this test');
    expect(opened).toEqual({
      kind: 'composite',
      parts: [
        { kind: 'docker-volume', name: 'a', stopContainers: true },
        { kind: 'docker-volume', name: 'b', stopContainers: true },
        { kind: 'docker-container', name: 'c' },
      ],
    });
    await expect(
      runBackup(deps, opts, { paths: [path.join(dir, 'src')], stopContainers: true }),
    ).rejects.toThrow('--stop-containers applies to docker-volume: sources, and none is given.');
  });

  it('nothing to back up is an invalid argument', async () => {
    await expect(runBackup(deps, opts, { paths: [] })).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});

describe('parseFilesFrom', () => {
  it('skips comments and blank lines', () => {
    expect(parseFilesFrom('# list\n/a\n\n  /b  \r\n#x\n')).toEqual(['/a', '/b']);
  });
});
