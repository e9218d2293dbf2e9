import { describe, expect, it } from 'vitest';
import { causeChain, networkFailure } from './errors.js';

const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('networkFailure', () => {
  it('calls a refused or unresolvable connection unreachable', () => {
    expect(networkFailure(withCode('ECONNREFUSED'))).toEqual({ kind: 'unreachable', code: 'ECONNREFUSED' });
    expect(networkFailure(withCode('ENOTFOUND'))?.kind).toBe('unreachable');
  });

  it('calls resets, timeouts and undici socket errors broken', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']) {
      expect(networkFailure(withCode(code))).toEqual({ kind: 'broken', code });
    }
  });

  it('reads a hang-up without a code as ECONNRESET', () => {
    expect(networkFailure(new Error('socket hang up'))).toEqual({ kind: 'broken', code: 'ECONNRESET' });
    expect(networkFailure(new Error('other side closed'))?.kind).toBe('broken');
  });

  it('finds the failure in a cause chain, skipping links with other codes', () => {
    const err = new TypeError('fetch failed', { cause: withCode('ERR_OTHER', 'x') });
    (err.cause as Error).cause = withCode('EHOSTUNREACH');
    expect(networkFailure(err)).toEqual({ kind: 'unreachable', code: 'EHOSTUNREACH' });
  });

  it('ignores other errors', () => {
    expect(networkFailure(withCode('ENOENT'))).toBeUndefined();
    expect(networkFailure(new Error('aborted early'))).toBeUndefined();
    expect(networkFailure(undefined)).toBeUndefined();
  });
});

describe('causeChain', () => {
  it('stops after five links, so a cyclic chain ends', () => {
    const err: Error & { cause?: unknown } = new Error('loop');
    err.cause = err;
    expect(causeChain(err)).toHaveLength(5);
  });
});
