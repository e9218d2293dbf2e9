import { describe, expect, it } from 'vitest';
import { DockerClient } from './client.js';
import { dockerVolumeTarget } from './restore-target.js';

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

  it('read-via=helper writes through the helper: nothing in place, nothing asked of the daemon', async () => {
    const target = dockerVolumeTarget(client, { kind: 'docker-volume', name: 'pgdata', readVia: 'helper' });
    let called = false;
    await expect(target.writeInPlace!(async () => void (called = true))).resolves.toBe(false);
    expect(called).toBe(false);
  });

  it('a remote daemon is written through the helper unless read-via=mountpoint says otherwise', async () => {
    // A documentation address (TEST-NET-1) that is never asked: the choice is made before any call.
    const remote = new DockerClient({ host: '192.0.2.1', port: 2375 });
    await expect(dockerVolumeTarget(remote, { kind: 'docker-volume', name: 'pgdata' }).writeInPlace!(async () => undefined)).resolves.toBe(false);
  });
});
