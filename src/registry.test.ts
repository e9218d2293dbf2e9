import { describe, expect, it } from 'vitest';
import { openBackend, repositoryScheme } from './registry.js';

describe('registry', () => {
  it('a plain path or local: URL is a local repository', () => {
    expect(openBackend('/srv/backup').location).toBe('/srv/backup');
    expect(openBackend('local:/srv/backup').location).toBe('/srv/backup');
  });
  it('restic schemes Cairn does not serve are refused with invalid-argument', () => {
    for (const url of ['b2:bucket:path', 'azure:container:/', 'rclone:remote:path']) {
      expect(() => openBackend(url), url).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
      expect(() => openBackend(url), url).toThrow(/not supported/);
    }
  });
  it('an -o option on a local repository is refused', () => {
    expect(() => openBackend('/srv/backup', { options: { 's3.region': 'eu-west-1' } })).toThrow(/-o s3.region/);
  });
  it('takes schemes in any case, and never a scheme-like name for a local folder', () => {
    expect(repositoryScheme('REST:http://u:pw@host/alice/')).toBe('rest');
    expect(openBackend('Local:/srv/backup').location).toBe('/srv/backup');
    expect(() => openBackend('https://u:hunter2@host/repo/')).toThrow(/Unknown repository type "https:"/);
    expect(() => openBackend('https://u:hunter2@host/repo/')).not.toThrow(/hunter2/);
  });
  it('does not mistake a drive letter or a relative path for a scheme', () => {
    expect(repositoryScheme('C:\\backup')).toBeUndefined();
    expect(repositoryScheme('backups/repo')).toBeUndefined();
  });
});
