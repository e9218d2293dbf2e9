import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import { fixedClock } from '../util/index.js';
import type { AppDeps, OpenOptions, PasswordSource } from './deps.js';
import { initRepository } from './init.js';
import { listSnapshotsUseCase } from './snapshots.js';
import { NO_PASSWORD_MESSAGE, resolvePassword, withRepository } from './open.js';
import { openSource } from '../registry.js';

// A listing that fails before its first item: a generator that throws without ever yielding.
// eslint-disable-next-line require-yield
async function* failing(): AsyncIterable<never> {
  throw new Error('listing failed');
}

const none: PasswordSource = { configured: async () => undefined };
const given = (pw: string): PasswordSource => ({ configured: async () => pw });

describe('opening repositories', () => {
  let dir: string;
  let backends: Map<string, MemBackend>;
  let warnings: string[];
  let deps: AppDeps;
  const defaultTarget = (): OpenOptions['target'] => ({
    url: 'default',
    isDefault: true,
    passwordFile: path.join(dir, 'config', 'cairn', 'password'),
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-open-'));
    backends = new Map();
    warnings = [];
    deps = {
      openSource,
      openBackend: (url) => {
        let b = backends.get(url);
        if (!b) backends.set(url, (b = new MemBackend()));
        return b;
      },
      clock: fixedClock(Date.UTC(2024, 0, 2)),
      hostname: 'host',
      username: 'user',
      warn: (m) => warnings.push(m),
    };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a read-only use case on a missing default repository fails with repository-not-found and a hint', async () => {
    const err: unknown = await listSnapshotsUseCase(deps, { target: defaultTarget(), password: none }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'repository-not-found' });
    expect((err as Error).message).toMatch(/cairn backup PATH.*cairn init/);
    expect(fs.existsSync(defaultTarget().passwordFile!)).toBe(false);
  });

  it('init of the default repository writes a password file, warns about it, and the repository opens with it', async () => {
    const r = await initRepository(deps, { target: defaultTarget(), password: none });
    const file = defaultTarget().passwordFile!;
    expect(r.passwordFile).toBe(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings.join('\n')).toContain(file);
    expect(warnings.join('\n')).toMatch(/keep a copy/);
    expect(await listSnapshotsUseCase(deps, { target: defaultTarget(), password: none })).toEqual([]);
  });

  it('init of an explicit repository without any password source is refused', async () => {
    const err = await initRepository(deps, { target: { url: 'x', isDefault: false }, password: none }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'invalid-argument', message: NO_PASSWORD_MESSAGE });
  });

  it('withRepository with preloadIndex gives fn a loaded index, and a failed preload does not fail the call', async () => {
    const opts = { target: { url: 'x', isDefault: false }, password: given('pw') };
    await initRepository(deps, opts);
    const blob = await withRepository(deps, opts, 'shared', async ({ repo }) => {
      const saved = await repo.saveBlob('data', Buffer.from('indexed'));
      await repo.flush();
      return saved.id;
    });
    const backend = backends.get('x')!;
    const list = backend.list.bind(backend);
    let lists = 0;
    // The first listing of the index (the preload) fails; the reload once the lock holds succeeds.
    backend.list = (type) => (type === 'index' && lists++ === 0 ? failing() : list(type));
    const known = await withRepository(deps, opts, 'shared', async ({ repo }) => repo.has('data', blob), {
      preloadIndex: true,
    });
    expect(known).toBe(true);
    expect(lists).toBe(2);
  });

  it('init refuses an existing repository', async () => {
    const opts = { target: { url: 'x', isDefault: false }, password: given('pw') };
    await initRepository(deps, opts);
    await expect(initRepository(deps, opts)).rejects.toMatchObject({ code: 'repository-exists' });
  });

  it('resolvePassword prefers the configured password, then the default file, then asking', async () => {
    const file = path.join(dir, 'pw');
    fs.writeFileSync(file, 'from-file\n');
    const target = { url: 'd', isDefault: true, passwordFile: file };
    const ask = async (): Promise<string> => 'asked';
    expect(await resolvePassword(target, { ...given('flag'), ask })).toBe('flag');
    expect(await resolvePassword(target, { ...none, ask })).toBe('from-file');
    expect(await resolvePassword({ url: 'e', isDefault: false }, { ...none, ask })).toBe('asked');
    await expect(resolvePassword({ url: 'e', isDefault: false }, none)).rejects.toMatchObject({
      code: 'invalid-argument',
    });
  });
});
