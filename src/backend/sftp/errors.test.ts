import { describe, expect, it } from 'vitest';
import { CairnError } from '../../core/index.js';
import { connectError, hostKeyError, sftpError } from './errors.js';

const status = (code: number, message: string): Error => Object.assign(new Error(message), { code });
const target = { user: 'bob', host: 'nas', port: 22, keys: 'the key /home/bob/.ssh/id_ed25519' };
const key = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIPVGWl0AAWhFp7oUMA93CK1nxIAFYX0wQ9es97w7VOJs', 'base64');

describe('sftpError', () => {
  it('maps NO_SUCH_FILE to not-found and PERMISSION_DENIED to access-denied', () => {
    expect(sftpError(status(2, 'No such file'), 'keys/ab', 'nas')).toMatchObject({
      code: 'not-found',
      retryable: false,
    });
    expect(sftpError(status(3, 'Permission denied'), 'keys/ab', 'nas')).toMatchObject({
      code: 'access-denied',
    });
  });

  it('makes a dropped channel or connection retryable', () => {
    for (const err of [
      new Error('No response from server'),
      status(7, 'Connection lost'),
      Object.assign(new Error('x'), { code: 'ECONNRESET' }),
    ]) {
      expect(sftpError(err, 'data/ab', 'nas')).toMatchObject({ code: 'unavailable', retryable: true });
    }
  });

  it('keeps a generic FAILURE permanent, naming the file and the server’s words', () => {
    const e = sftpError(status(4, 'Failure'), 'data/ab', 'nas:2222');
    expect(e).toMatchObject({ code: 'fatal', retryable: false });
    expect(e.message).toBe('The SFTP server nas:2222 failed on data/ab: Failure.');
  });

  it('passes a CairnError through unchanged', () => {
    const e = new CairnError('corrupt', 'x');
    expect(sftpError(e, 'a', 'b')).toBe(e);
  });
});

describe('connectError', () => {
  it('says which keys the server refused for whom', () => {
    const e = connectError(
      Object.assign(new Error('All configured authentication methods failed'), {
        level: 'client-authentication',
      }),
      target,
    );
    expect(e).toMatchObject({ code: 'access-denied', retryable: false });
    expect(e.message).toBe('The server refused the key /home/bob/.ssh/id_ed25519 for bob@nas:22.');
  });

  it('makes refused, unresolvable and silent hosts retryable unavailable', () => {
    const refused = connectError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      target,
    );
    expect(refused).toMatchObject({
      code: 'unavailable',
      retryable: true,
      message: 'Could not connect to nas:22: connection refused.',
    });
    expect(
      connectError(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), target).message,
    ).toMatch(/does not resolve/);
    const timeout = connectError(
      Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }),
      target,
    );
    expect(timeout).toMatchObject({ code: 'unavailable', retryable: true });
  });

  it('keeps protocol failures permanent', () => {
    expect(
      connectError(
        Object.assign(new Error('Handshake failed: no matching cipher'), { level: 'handshake' }),
        target,
      ),
    ).toMatchObject({
      code: 'fatal',
      retryable: false,
    });
  });
});

describe('hostKeyError', () => {
  const where = { host: 'nas', port: 22, knownHostsFile: '/home/bob/.ssh/known_hosts' };

  it('tells how to add an unknown host on port 22 without -p', () => {
    const e = hostKeyError({ kind: 'unknown', otherTypes: [] }, key, where);
    expect(e.code).toBe('access-denied');
    expect(e.message).toContain('ssh-keyscan nas >> /home/bob/.ssh/known_hosts');
    expect(e.message).toContain('SHA256:OYMw68fmk9AM5so9YGaTtKxRyrDQzhTs4VYK4TYNh7M');
  });

  it('names the line of a changed key and the revoked state', () => {
    expect(hostKeyError({ kind: 'changed', line: 7 }, key, where).message).toMatch(
      /has changed .*line 7 of \/home\/bob/,
    );
    expect(hostKeyError({ kind: 'revoked' }, key, where).message).toMatch(/@revoked/);
  });
});
