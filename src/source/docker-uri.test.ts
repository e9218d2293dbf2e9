import { describe, expect, it } from 'vitest';
import { parseDockerUri } from './docker-uri.js';

describe('parseDockerUri', () => {
  it('reads volume and container URIs with their options', () => {
    expect(parseDockerUri('docker-volume:pgdata')).toEqual({ kind: 'docker-volume', name: 'pgdata' });
    expect(parseDockerUri('docker-volume:pgdata?stop-containers=true')).toEqual({
      kind: 'docker-volume',
      name: 'pgdata',
      stopContainers: true,
    });
    expect(parseDockerUri('docker-volume:*?label=backup=true&label=tier')).toEqual({
      kind: 'docker-volume',
      name: '*',
      labels: ['backup=true', 'tier'],
    });
    expect(parseDockerUri('docker-volume:d?read-via=helper&helper-image=busybox:1.36')).toEqual({
      kind: 'docker-volume',
      name: 'd',
      readVia: 'helper',
      helperImage: 'busybox:1.36',
    });
    expect(parseDockerUri('docker-container:web')).toEqual({ kind: 'docker-container', name: 'web' });
  });

  it('leaves other sources alone', () => {
    for (const uri of ['/srv/data', 'mysql://root@localhost/db', 'docker:x', 'docker-volumes:x']) {
      expect(parseDockerUri(uri)).toBeUndefined();
    }
  });

  it('rejects a malformed Docker URI with one sentence', () => {
    const bad: [string, string][] = [
      ['docker-volume:', 'docker-volume: names no volume.'],
      ['docker-volume:a/b', '"a/b" is not a Docker volume name.'],
      [
        'docker-volume:data?label=x',
        'Label filters select volumes only with docker-volume:*, not with docker-volume:data.',
      ],
      [
        'docker-volume:*?label=',
        'docker-volume:*?label=: a label filter needs a key (label=KEY or label=KEY=VALUE).',
      ],
      [
        'docker-volume:d?stop-containers=maybe',
        'docker-volume:d?stop-containers=maybe: stop-containers takes true or false, not "maybe".',
      ],
      [
        'docker-volume:d?force=1',
        'docker-volume:d?force=1: docker-volume: takes no option "force" (label, stop-containers, read-via, helper-image).',
      ],
      [
        'docker-volume:d?read-via=ssh',
        'docker-volume:d?read-via=ssh: read-via takes mountpoint or helper, not "ssh".',
      ],
      ['docker-container:-x', '"-x" is not a Docker container name.'],
      [
        'docker-container:web?label=a',
        'docker-container:web?label=a: docker-container: takes no option "label".',
      ],
    ];
    for (const [uri, message] of bad) {
      expect(() => parseDockerUri(uri), uri).toThrow(
        expect.objectContaining({ code: 'invalid-argument', message }),
      );
    }
  });
});
