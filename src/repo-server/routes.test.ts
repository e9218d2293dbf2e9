import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import { repositoryFolder, splitRepoPath } from './repo-path.js';
import { parseRoute, splitTarget } from './routes.js';

const ID = 'ab'.repeat(32);

describe('parseRoute', () => {
  it('the root and repository folders are repository routes, with or without a trailing slash', () => {
    expect(parseRoute('/')).toEqual({ kind: 'repository', repo: [] });
    expect(parseRoute('/alice/')).toEqual({ kind: 'repository', repo: ['alice'] });
    expect(parseRoute('/alice/work')).toEqual({ kind: 'repository', repo: ['alice', 'work'] });
  });

  it('config, lists and objects are found after any repository prefix', () => {
    expect(parseRoute('/config')).toEqual({ kind: 'config', repo: [] });
    expect(parseRoute('/a/b/config')).toEqual({ kind: 'config', repo: ['a', 'b'] });
    expect(parseRoute('/a/data/')).toEqual({ kind: 'list', repo: ['a'], type: 'data' });
    expect(parseRoute('/a/locks')).toEqual({ kind: 'list', repo: ['a'], type: 'locks' });
    expect(parseRoute(`/a/snapshots/${ID}`)).toEqual({
      kind: 'object',
      repo: ['a'],
      type: 'snapshots',
      name: ID,
    });
  });

  it('object names must be 64 lower-case hex digits', () => {
    expect(parseRoute('/data/abc')).toBeUndefined();
    expect(parseRoute(`/data/${ID.toUpperCase()}`)).toBeUndefined();
    expect(parseRoute(`/data/ab/${ID}`)).toBeUndefined();
    expect(parseRoute(`/config/${ID}`)).toBeUndefined();
  });

  it('refuses repository paths that could leave the served folder or touch hidden files', () => {
    for (const p of [
      '/../config',
      '/a/../config',
      '/%2e%2e/config',
      '/a%2F..%2F..%2Fetc/config',
      '/./config',
      '//config',
      '/a//data/',
      '/.htpasswd/config',
      '/a%00b/config',
      '/a%5c..%5cb/config',
      '/%zz/config',
      'config',
    ]) {
      expect(parseRoute(p), p).toBeUndefined();
    }
  });

  it('refuses repository paths deeper than eight folders', () => {
    expect(parseRoute(`/${'a/'.repeat(8)}config`)).toBeDefined();
    expect(parseRoute(`/${'a/'.repeat(9)}config`)).toBeUndefined();
  });

  it('percent-encoded folder names are decoded', () => {
    expect(parseRoute('/my%20repo/config')).toEqual({ kind: 'config', repo: ['my repo'] });
  });
});

describe('splitTarget', () => {
  it('splits the query off without normalising dot segments', () => {
    const t = splitTarget('/a/../b/?create=true');
    expect(t.path).toBe('/a/../b/');
    expect(t.query.get('create')).toBe('true');
  });
});

describe('repositoryFolder', () => {
  it('joins safe sub-paths below the root', () => {
    expect(repositoryFolder('/srv/r', '')).toBe('/srv/r');
    expect(repositoryFolder('/srv/r', 'alice/work')).toBe(path.join('/srv/r', 'alice', 'work'));
  });

  it('throws invalid-argument for anything that could escape the root', () => {
    for (const sub of ['..', 'a/../..', '/etc', 'a//b', '.hidden', 'a/./b', 'a\\..\\b']) {
      let caught: unknown;
      try {
        repositoryFolder('/srv/r', sub);
      } catch (err) {
        caught = err;
      }
      expect(isCairnError(caught, 'invalid-argument'), sub).toBe(true);
    }
  });

  it('splitRepoPath gives the segments or undefined', () => {
    expect(splitRepoPath('a/b')).toEqual(['a', 'b']);
    expect(splitRepoPath('a/..')).toBeUndefined();
  });
});
