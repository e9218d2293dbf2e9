import { describe, expect, it } from 'vitest';
import { CairnError } from '../../core/index.js';
import { s3Error } from './errors.js';

function sdkError(name: string, status?: number, extra: object = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    ...extra,
  });
}

const map = (err: unknown) => s3Error(err, 'data/ab12', 'http://127.0.0.1:9000');

describe('S3 error mapping', () => {
  it('missing keys and buckets are not-found, permanent', () => {
    for (const e of [sdkError('NoSuchKey', 404), sdkError('NotFound', 404), sdkError('NoSuchBucket', 404)]) {
      const m = map(e);
      expect([m.code, m.retryable]).toEqual(['not-found', false]);
    }
    expect(map(sdkError('NoSuchBucket', 404)).message).toBe(
      'The bucket of data/ab12 does not exist (NoSuchBucket, HTTP 404).',
    );
  });

  it('403 and credential errors are access-denied with a sentence naming the credentials', () => {
    for (const e of [
      sdkError('AccessDenied', 403),
      sdkError('InvalidAccessKeyId', 403),
      sdkError('SignatureDoesNotMatch', 403),
      sdkError('Unknown', 403),
    ]) {
      const m = map(e);
      expect([m.code, m.retryable]).toEqual(['access-denied', false]);
      expect(m.message).toMatch(/AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY/);
    }
  });

  it('no credentials at all says how to provide them', () => {
    const m = map(sdkError('CredentialsProviderError'));
    expect(m.code).toBe('access-denied');
    expect(m.message).toMatch(/No AWS credentials found/);
  });

  it('5xx, throttling and timeouts are retryable', () => {
    for (const e of [
      sdkError('InternalError', 500),
      sdkError('Whatever', 502),
      sdkError('SlowDown', 503),
      sdkError('TooManyRequests', 429),
      sdkError('RequestTimeout', 400),
      sdkError('TimeoutError'),
    ]) {
      const m = map(e);
      expect([m.code, m.retryable]).toEqual(['unavailable', true]);
    }
  });

  it('connection failures are unavailable and retryable, and say which server', () => {
    const refused = map(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect([refused.code, refused.retryable]).toEqual(['unavailable', true]);
    expect(refused.message).toBe('Cannot reach the S3 server http://127.0.0.1:9000 (ECONNREFUSED).');
    const reset = map(
      new Error('outer', { cause: Object.assign(new Error('read'), { code: 'ECONNRESET' }) }),
    );
    expect([reset.code, reset.retryable]).toEqual(['unavailable', true]);
    expect(map(new Error('socket hang up')).retryable).toBe(true);
  });

  it('other client errors are permanent; a 2xx the SDK could not parse is a server that is not S3', () => {
    const bad = map(sdkError('MalformedXML', 400));
    expect([bad.code, bad.retryable]).toEqual(['fatal', false]);
    const garbage = map(sdkError('SyntaxError', 200));
    expect([garbage.code, garbage.retryable]).toEqual(['fatal', false]);
    expect(garbage.message).toMatch(/not S3/);
    expect(map(sdkError('InvalidRange', 416)).code).toBe('fatal');
    expect(map(sdkError('PermanentRedirect', 301)).message).toMatch(/-o s3\.region/);
  });

  it('a CairnError passes through unchanged', () => {
    const e = new CairnError('corrupt', 'x');
    expect(map(e)).toBe(e);
  });
});
