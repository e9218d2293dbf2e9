import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerClient, dockerEndpoint } from './client.js';

describe('dockerEndpoint', () => {
  it('reads DOCKER_HOST: unset is the local socket, unix:// a socket, tcp:// an address', () => {
    expect(dockerEndpoint(undefined)).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerEndpoint('unix:///run/user/1000/docker.sock')).toEqual({
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(dockerEndpoint('tcp://127.0.0.1:2375')).toEqual({ host: '127.0.0.1', port: 2375 });
    expect(dockerEndpoint('tcp://[::1]:2375')).toEqual({ host: '::1', port: 2375 });
  });

  it('refuses what it cannot speak, in one sentence', () => {
    expect(() => dockerEndpoint('ssh://me@host')).toThrow(
      'DOCKER_HOST=ssh://me@host is not supported; use unix:///path/to/docker.sock or tcp://host:port.',
    );
    expect(() => dockerEndpoint('tcp://h:2376', '1')).toThrow(/DOCKER_TLS_VERIFY is set/);
  });
});

describe('DockerClient connection errors', () => {
  let dir: string | undefined;
  afterEach(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('a missing socket says so', async () => {
    const c = new DockerClient({ socketPath: '/nonexistent/docker.sock' });
    await expect(c.serverVersion()).rejects.toMatchObject({
      code: 'unavailable',
      message:
        'The Docker socket /nonexistent/docker.sock does not exist; is the Docker daemon running, or is DOCKER_HOST set?',
    });
  });

  it('a socket nobody listens on says so', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-docker-'));
    const socket = path.join(dir, 'docker.sock');
    // A socket file left behind by a daemon that is gone: the server is closed, the file stays.
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(socket, r));
    await new Promise<void>((r) => srv.close(() => r()));
    if (!fs.existsSync(socket)) fs.writeFileSync(socket, '');
    const c = new DockerClient({ socketPath: socket });
    await expect(c.serverVersion()).rejects.toMatchObject({
      code: 'unavailable',
      message: `Nothing answers on the Docker socket ${socket}; is the Docker daemon running?`,
    });
  });
});
