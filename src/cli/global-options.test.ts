import { describe, expect, it } from 'vitest';
import { parseDuration, resolveCacheDir, resolvePasswordSpec, resolveRepositorySpec } from './global-options.js';

describe('repository precedence', () => {
  const env = {
    CAIRN_REPOSITORY: '/cairn',
    CAIRN_REPOSITORY_FILE: '/cairn-file',
    RESTIC_REPOSITORY: '/restic',
    RESTIC_REPOSITORY_FILE: '/restic-file',
  };
  it('a flag beats every environment variable', () => {
    expect(resolveRepositorySpec({ repo: '/flag' }, env)).toMatchObject({ kind: 'url', url: '/flag' });
    expect(resolveRepositorySpec({ repositoryFile: '/f' }, env)).toMatchObject({ kind: 'file', file: '/f' });
  });
  it('CAIRN_* beats RESTIC_*', () => {
    expect(resolveRepositorySpec({}, env)).toMatchObject({ url: '/cairn' });
    expect(resolveRepositorySpec({}, { ...env, CAIRN_REPOSITORY: undefined })).toMatchObject({
      file: '/cairn-file',
    });
    expect(
      resolveRepositorySpec({}, { RESTIC_REPOSITORY: '/restic', RESTIC_REPOSITORY_FILE: '/x' }),
    ).toMatchObject({
      url: '/restic',
    });
    expect(resolveRepositorySpec({}, { RESTIC_REPOSITORY_FILE: '/x' })).toMatchObject({
      kind: 'file',
      file: '/x',
    });
  });
  it('with nothing given it is the default repository', () => {
    expect(resolveRepositorySpec({}, {})).toEqual({ kind: 'default' });
    expect(resolveRepositorySpec({}, { CAIRN_REPOSITORY: '' })).toEqual({ kind: 'default' });
  });
  it('-r and --repository-file together are an error', () => {
    expect(() => resolveRepositorySpec({ repo: '/a', repositoryFile: '/b' }, {})).toThrow(
      /mutually exclusive/,
    );
  });
});

describe('password precedence', () => {
  const env = {
    CAIRN_PASSWORD_FILE: '/c-file',
    CAIRN_PASSWORD_COMMAND: 'c-cmd',
    CAIRN_PASSWORD: 'c-pw',
    RESTIC_PASSWORD_FILE: '/r-file',
    RESTIC_PASSWORD_COMMAND: 'r-cmd',
    RESTIC_PASSWORD: 'r-pw',
  };
  it('flags beat the environment', () => {
    expect(resolvePasswordSpec({ passwordFile: '/flag' }, env)).toMatchObject({
      kind: 'file',
      file: '/flag',
    });
    expect(resolvePasswordSpec({ passwordCommand: 'cmd' }, env)).toMatchObject({
      kind: 'command',
      command: 'cmd',
    });
  });
  it('within a prefix: file, then command, then the password itself; CAIRN_* before RESTIC_*', () => {
    const order: [Record<string, string | undefined>, unknown][] = [
      [env, { kind: 'file', file: '/c-file' }],
      [
        { ...env, CAIRN_PASSWORD_FILE: undefined },
        { kind: 'command', command: 'c-cmd' },
      ],
      [
        { ...env, CAIRN_PASSWORD_FILE: undefined, CAIRN_PASSWORD_COMMAND: undefined },
        { kind: 'literal', value: 'c-pw' },
      ],
      [
        { RESTIC_PASSWORD_FILE: '/r-file', RESTIC_PASSWORD: 'r-pw' },
        { kind: 'file', file: '/r-file' },
      ],
      [
        { RESTIC_PASSWORD_COMMAND: 'r-cmd', RESTIC_PASSWORD: 'r-pw' },
        { kind: 'command', command: 'r-cmd' },
      ],
      [{ RESTIC_PASSWORD: 'r-pw' }, { kind: 'literal', value: 'r-pw' }],
    ];
    for (const [e, want] of order) expect(resolvePasswordSpec({}, e)).toMatchObject(want as object);
  });
  it('CAIRN_PASSWORD beats RESTIC_PASSWORD_FILE', () => {
    expect(resolvePasswordSpec({}, { CAIRN_PASSWORD: 'x', RESTIC_PASSWORD_FILE: '/f' })).toMatchObject({
      value: 'x',
    });
  });
  it('nothing configured gives undefined', () => expect(resolvePasswordSpec({}, {})).toBeUndefined());
});

describe('cache folder', () => {
  it('--no-cache wins, then --cache-dir, then the environment, then the default', () => {
    expect(resolveCacheDir({ cache: false, cacheDir: '/x' }, {}, '/d')).toBeUndefined();
    expect(resolveCacheDir({ cacheDir: '/x' }, { CAIRN_CACHE_DIR: '/e' }, '/d')).toBe('/x');
    expect(resolveCacheDir({}, { RESTIC_CACHE_DIR: '/e' }, '/d')).toBe('/e');
    expect(resolveCacheDir({}, {}, '/d')).toBe('/d');
  });
  it('takes an empty CAIRN_CACHE_DIR or RESTIC_CACHE_DIR as unset, never as the current folder', () => {
    expect(resolveCacheDir({}, { CAIRN_CACHE_DIR: '' }, '/d')).toBe('/d');
    expect(resolveCacheDir({}, { CAIRN_CACHE_DIR: '', RESTIC_CACHE_DIR: '/r' }, '/d')).toBe('/r');
    expect(resolveCacheDir({}, { RESTIC_CACHE_DIR: '' }, '/d')).toBe('/d');
    expect(resolveCacheDir({ cacheDir: '' }, {}, '/d')).toBe('/d');
  });
});

describe('durations', () => {
  it('takes d, h, m and s, combined; anything else or zero is refused in one sentence', () => {
    expect(['90m', '2h', '1h30m', '1d', '45s', '1.5h'].map((v) => parseDuration(v, '--x'))).toEqual([
      5_400_000, 7_200_000, 5_400_000, 86_400_000, 45_000, 5_400_000,
    ]);
    for (const bad of ['', '10', 'h', '0m', '-1h', '1 h', '2w']) {
      expect(() => parseDuration(bad, '--x')).toThrow(`--x must be a duration such as 90m, 2h or 1d, not "${bad}".`);
    }
  });
});
