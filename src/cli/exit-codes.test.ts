import { describe, expect, it } from 'vitest';
import { CairnError } from '../core/index.js';
import { errorMessage, exitCodeFor } from './exit-codes.js';

describe('exit codes', () => {
  it('follow restic 0.17', () => {
    expect(exitCodeFor(new CairnError('repository-not-found', 'x'))).toBe(10);
    expect(exitCodeFor(new CairnError('lock-failed', 'x'))).toBe(11);
    expect(exitCodeFor(new CairnError('wrong-password', 'x'))).toBe(12);
    expect(exitCodeFor(new CairnError('interrupted', 'x'))).toBe(130);
  });
  it('give 1 for fatal errors, bad arguments, failed checks and verification', () => {
    for (const code of [
      'fatal',
      'invalid-argument',
      'corrupt',
      'no-space',
      'check-failed',
      'verify-failed',
    ] as const) {
      expect(exitCodeFor(new CairnError(code, 'x')), code).toBe(1);
    }
  });
  it('give 1 for anything that is not a CairnError', () => expect(exitCodeFor(new Error('boom'))).toBe(1));
});

describe('errorMessage', () => {
  it('turns a raw errno error into a sentence naming the path, without the stack', () => {
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      path: '/r/x',
    });
    expect(errorMessage(err)).toBe('the disk is full (/r/x).');
  });
  it('uses a CairnError message as is', () =>
    expect(errorMessage(new CairnError('fatal', 'It broke.'))).toBe('It broke.'));
});
