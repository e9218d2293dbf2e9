import { describe, expect, it } from 'vitest';
import { networkError, statusError } from './errors.js';

const server = 'rest:http://h/';

describe('statusError', () => {
  it.each([
    [404, 'not-found', false],
    [401, 'access-denied', false],
    [403, 'access-denied', false],
    [413, 'no-space', false],
    [507, 'no-space', false],
    [429, 'unavailable', true],
    [408, 'unavailable', true],
    [500, 'unavailable', true],
    [503, 'unavailable', true],
    [400, 'fatal', false],
    [405, 'fatal', false],
    [301, 'fatal', false],
  ] as const)('maps HTTP %i to %s (retryable: %s)', (status, code, retryable) => {
    const err = statusError(status, 'Text', 'data/aa', server);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toContain(`HTTP ${status}`);
  });

  it('tells the user to check the user name and password on 401', () => {
    expect(statusError(401, 'Unauthorized', 'config', server).message).toMatch(/user name and password/);
  });
});

describe('networkError', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('makes a refused connection a retryable unavailable that names the server', () => {
    const err = networkError(withCode('ECONNREFUSED'), 'config', server);
    expect([err.code, err.retryable]).toEqual(['unavailable', true]);
    expect(err.message).toBe('Cannot reach the REST server rest:http://h/ (ECONNREFUSED).');
  });

  it('makes resets, timeouts and hang-ups retryable', () => {
    for (const e of [withCode('ECONNRESET'), withCode('ETIMEDOUT'), new Error('socket hang up')]) {
      expect(networkError(e, 'data/aa', server).retryable).toBe(true);
    }
  });

  it('makes an untrusted TLS certificate a permanent access-denied that names -o rest.cacert', () => {
    const err = networkError(withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), 'config', server);
    expect([err.code, err.retryable]).toEqual(['access-denied', false]);
    expect(err.message).toMatch(/rest\.cacert/);
  });
});
