import { describe, expect, it } from 'vitest';
import { openBackend, repositoryScheme } from './registry.js';

describe('registry', () => {
  it('a plain path or local: URL is a local repository', () => {
    expect(openBackend('/srv/backup').location).toBe('/srv/backup');
    expect(openBackend('local:/srv/backup').location).toBe('/srv/backup');
  });
  it('s3:, sftp: and rest: are refused with invalid-argument', () => {
    for (const url of ['s3:s3.amazonaws.com/bucket', 'sftp:host:/path', 'rest:http://host:8000/']) {
      expect(() => openBackend(url), url).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
      expect(() => openBackend(url), url).toThrow(/backends are not supported yet/);
    }
  });
  it('does not mistake a drive letter or a relative path for a scheme', () => {
    expect(repositoryScheme('C:\\backup')).toBeUndefined();
    expect(repositoryScheme('backups/repo')).toBeUndefined();
  });
});
