import { describe, expect, it } from 'vitest';
import { resolveFromRepoSpec } from './global-options.js';

describe('resolveFromRepoSpec (copy/init source repository)', () => {
  it('flags beat CAIRN_FROM_*, which beat RESTIC_FROM_*', () => {
    const env = {
      CAIRN_FROM_REPOSITORY: '/cairn',
      RESTIC_FROM_REPOSITORY: '/restic',
      CAIRN_FROM_PASSWORD: 'c',
      RESTIC_FROM_PASSWORD_FILE: '/pw',
      CAIRN_FROM_KEY_HINT: 'k1',
      RESTIC_FROM_KEY_HINT: 'k2',
    };
    expect(resolveFromRepoSpec({ fromRepo: '/flag', fromPasswordCommand: 'pass x' }, env)).toEqual({
      repository: { kind: 'url', url: '/flag', source: '--from-repo' },
      password: { kind: 'command', command: 'pass x', source: '--from-password-command' },
      keyHint: 'k1',
    });
    expect(resolveFromRepoSpec({}, env)).toEqual({
      repository: { kind: 'url', url: '/cairn', source: 'CAIRN_FROM_REPOSITORY' },
      password: { kind: 'literal', value: 'c', source: 'CAIRN_FROM_PASSWORD' },
      keyHint: 'k1',
    });
    const restic = { RESTIC_FROM_REPOSITORY_FILE: '/where', RESTIC_FROM_PASSWORD_FILE: '/pw' };
    expect(resolveFromRepoSpec({ fromKeyHint: 'k0' }, restic)).toEqual({
      repository: { kind: 'file', file: '/where', source: 'RESTIC_FROM_REPOSITORY_FILE' },
      password: { kind: 'file', file: '/pw', source: 'RESTIC_FROM_PASSWORD_FILE' },
      keyHint: 'k0',
    });
  });

  it('does not fall back to the destination variables', () => {
    const env = { CAIRN_REPOSITORY: '/dest', CAIRN_PASSWORD: 'x' };
    expect(() => resolveFromRepoSpec({}, env)).toThrow(/specify a source repository location/);
    expect(resolveFromRepoSpec({ fromRepo: '/src' }, env).password).toBeUndefined();
  });

  it('rejects mutually exclusive flags', () => {
    expect(() => resolveFromRepoSpec({ fromRepo: '/a', fromRepositoryFile: '/f' }, {})).toThrow(
      /--from-repo and --from-repository-file are mutually exclusive/,
    );
    expect(() =>
      resolveFromRepoSpec({ fromRepo: '/a', fromPasswordFile: '/p', fromPasswordCommand: 'c' }, {}),
    ).toThrow(/--from-password-file and --from-password-command are mutually exclusive/);
  });
});
