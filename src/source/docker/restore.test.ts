import { describe, expect, it } from 'vitest';
import { DockerClient } from './client.js';
import { dockerVolumeTarget } from './restore.js';

describe('dockerVolumeTarget', () => {
  // Nothing is asked of the daemon until the restore writes.
  const client = new DockerClient({ socketPath: '/nonexistent/docker.sock' });

  it('takes one volume folder of the snapshot, its own preferred', () => {
    const target = dockerVolumeTarget(client, { kind: 'docker-volume', name: 'pgdata' });
    expect(target).toMatchObject({ display: 'docker-volume:pgdata', folder: '/docker-volumes', takes: 'folder', preferred: '/docker-volumes/pgdata' });
    expect(target.accepts('/docker-volumes/other')).toBe(true);
    expect(target.accepts('/docker-volumes/pgdata/base')).toBe(false);
    expect(target.accepts('/docker-volumes')).toBe(false);
    expect(target.accepts('/mysql/pgdata')).toBe(false);
  });

  it('refuses a selection of volumes in one sentence', () => {
    expect(() => dockerVolumeTarget(client, { kind: 'docker-volume', name: '*', labels: ['a'] })).toThrow(
      'restore --to takes one Docker volume, not docker-volume:*.',
    );
  });

  it('refuses read-via=mountpoint: a restore writes through a helper container', () => {
    expect(() => dockerVolumeTarget(client, { kind: 'docker-volume', name: 'pgdata', readVia: 'mountpoint' })).toThrow(
      'restore --to docker-volume: writes through a helper container; read-via=mountpoint applies to backups only.',
    );
  });
});
