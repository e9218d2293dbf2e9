import { describe, expect, it } from 'vitest';
import { CairnError } from '../../core/index.js';
import { MemBackend } from '../mem/index.js';
import { runBackendConformance } from '../testing/index.js';
import { withLimits } from './limits.js';
import type { RetryInfo, RetryOptions } from './retry.js';
import { isRetryable, retryOptionsFromEnv, withRetry } from './retry.js';
import { FlakyBackend, name } from './test-support.js';
import { ManualTimer } from './timer.js';

const transient = (): CairnError => new CairnError('unavailable', 'HTTP 503 Slow Down', { retryable: true });
const h = { type: 'data', name: name(1) } as const;

function setup(opts: RetryOptions = {}): {
  flaky: FlakyBackend;
  timer: ManualTimer;
  retry: ReturnType<typeof withRetry>;
  infos: RetryInfo[];
} {
  const flaky = new FlakyBackend();
  const timer = new ManualTimer();
  const infos: RetryInfo[] = [];
  const retry = withRetry(flaky, {
    timer,
    random: () => 1,
    baseDelayMs: 10,
    onRetry: (i) => infos.push(i),
    ...opts,
  });
  return { flaky, timer, retry, infos };
}

runBackendConformance('withRetry(withLimits(MemBackend))', () =>
  withRetry(withLimits(new MemBackend(), { connections: 2 }), { baseDelayMs: 1 }),
);

describe('withRetry', () => {
  it('retries a transient read failure and returns the data', async () => {
    const { flaky, retry, infos } = setup();
    await flaky.inner.write(h, Buffer.from('hello'));
    flaky.failNext('read', transient(), 2);
    expect((await retry.read(h)).toString()).toBe('hello');
    expect(flaky.calls.read).toBe(3);
    expect(infos.map((i) => i.attempt)).toEqual([1, 2]);
    expect(infos[0]!.operation).toBe(`reading data/${name(1)}`);
  });

  it('backs off exponentially up to the cap, with full jitter', async () => {
    const { flaky, retry, timer } = setup({ attempts: 7, maxDelayMs: 100 });
    flaky.failNext('stat', transient(), 6);
    await flaky.inner.write(h, Buffer.from('x'));
    await retry.stat(h);
    expect(timer.sleeps).toEqual([10, 20, 40, 80, 100, 100]);

    const half = setup({ random: () => 0.5 });
    half.flaky.failNext('create', transient(), 2);
    await half.retry.create();
    expect(half.timer.sleeps).toEqual([5, 10]);
  });

  it.each([
    ['not-found', new CairnError('not-found', 'gone.')],
    ['access-denied', new CairnError('access-denied', 'HTTP 403.')],
    ['invalid-argument', new CairnError('invalid-argument', 'bad.')],
    ['corrupt', new CairnError('corrupt', 'bad bytes.')],
    ['a plain programming error', new TypeError('x is undefined')],
  ])('does not retry %s', async (_what, err) => {
    const { flaky, retry, timer } = setup();
    flaky.failNext('read', err);
    await expect(retry.read(h)).rejects.toBe(err);
    expect(flaky.calls.read).toBe(1);
    expect(timer.sleeps).toEqual([]);
  });

  it('treats raw network errors as transient', async () => {
    const { flaky, retry } = setup();
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    flaky.failNext('write', reset);
    flaky.failNext('write', new Error('socket hang up'));
    flaky.failNext(
      'write',
      new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }) }),
    );
    await retry.write(h, Buffer.from('data'));
    expect(flaky.calls.write).toBe(4);
    expect((await flaky.inner.read(h)).toString()).toBe('data');
    expect(isRetryable(new Error('ENOENT'))).toBe(false);
  });

  it('gives up after the last attempt with one sentence naming the operation, the count and the cause', async () => {
    const { flaky, retry } = setup({ attempts: 4 });
    const refused = new CairnError('unavailable', 'connect ECONNREFUSED 127.0.0.1:9.', { retryable: true });
    flaky.failNext('read', refused, 10);
    const err = await retry.read(h).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CairnError);
    expect((err as CairnError).code).toBe('unavailable');
    expect((err as CairnError).retryable).toBe(false);
    expect((err as CairnError).message).toBe(
      `Reading data/${name(1)} on flaky: failed after 4 attempts: connect ECONNREFUSED 127.0.0.1:9.`,
    );
    expect(flaky.calls.read).toBe(4);

    flaky.failNext(
      'stat',
      new CairnError('unavailable', 'Cannot reach the S3 server 10.0.0.1 (ETIMEDOUT).', { retryable: true }),
      4,
    );
    await expect(retry.stat(h)).rejects.toThrow(
      `Checking data/${name(1)} on flaky: failed after 4 attempts: cannot reach the S3 server 10.0.0.1 (ETIMEDOUT).`,
    );
  });

  it('gives up on an unreachable server after a few tries until something has succeeded', async () => {
    const { flaky, retry } = setup({ attempts: 10 });
    const refused = (): CairnError =>
      new CairnError('unavailable', 'Cannot connect.', {
        retryable: true,
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      });
    flaky.failNext('stat', refused(), 4);
    await expect(retry.stat(h)).rejects.toThrow(/after 4 attempts/);
    expect(flaky.calls.stat).toBe(4);

    // Once the server has answered, losing it again gets the full number of tries.
    await flaky.inner.write(h, Buffer.from('x'));
    await retry.stat(h);
    flaky.failNext('read', refused(), 20);
    await expect(retry.read(h)).rejects.toThrow(/after 10 attempts/);
  });

  it('keeps a specific error code when it gives up', async () => {
    const { flaky, retry } = setup({ attempts: 2 });
    flaky.failNext('write', new CairnError('no-space', 'the server is full', { retryable: true }), 2);
    await expect(retry.write(h, Buffer.from('x'))).rejects.toMatchObject({ code: 'no-space' });
  });

  it('stops before the total time budget is exceeded', async () => {
    const { flaky, retry, timer } = setup({
      attempts: 100,
      baseDelayMs: 1000,
      maxDelayMs: 1000,
      maxElapsedMs: 3500,
    });
    flaky.failNext('read', transient(), 100);
    await expect(retry.read(h)).rejects.toThrow(/after 4 attempts/);
    expect(timer.sleeps).toEqual([1000, 1000, 1000]);
  });

  it('retries a short read', async () => {
    const flaky = new FlakyBackend();
    await flaky.inner.write(h, Buffer.from('0123456789'));
    let first = true;
    const shorty = Object.assign(Object.create(flaky) as FlakyBackend, {
      read: async (hh: typeof h, o?: number, l?: number) => {
        const d = await flaky.read(hh, o, l);
        if (first) {
          first = false;
          return d.subarray(0, 2);
        }
        return d;
      },
    });
    const retry = withRetry(shorty, { timer: new ManualTimer() });
    expect((await retry.read(h, 2, 5)).toString()).toBe('23456');
    expect(flaky.calls.read).toBe(2);
  });

  it('counts a retried remove whose file is already gone as done', async () => {
    const { flaky, retry } = setup();
    await flaky.inner.write(h, Buffer.from('x'));
    // The server deleted the file but the answer was lost.
    const lost = transient();
    flaky.failNext('remove', lost);
    const realRemove = flaky.inner.remove.bind(flaky.inner);
    await realRemove(h);
    await retry.remove(h);
    expect(flaky.calls.remove).toBe(2);
    // A first try that finds nothing is still an error.
    await expect(retry.remove(h)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('restarts a failed listing without yielding a name twice', async () => {
    const { flaky, retry } = setup();
    for (let i = 0; i < 5; i++) await flaky.inner.write({ type: 'index', name: name(i) }, Buffer.from([i]));
    flaky.failNext('list', transient());
    flaky.listFailAfter = 3;
    flaky.midListErrors.push(transient());
    const names: string[] = [];
    for await (const fi of retry.list('index')) names.push(fi.name);
    expect(names.sort()).toEqual([0, 1, 2, 3, 4].map(name));
    expect(flaky.calls.list).toBe(3);
  });

  it('passes the backend’s connections through', () => {
    expect(withRetry(Object.assign(new MemBackend(), { connections: 4 })).connections).toBe(4);
    expect(withRetry(new MemBackend()).connections).toBeUndefined();
  });

  it('passes a permanent listing error through', async () => {
    const { flaky, retry } = setup();
    flaky.failNext('list', new CairnError('access-denied', 'HTTP 403.'));
    await expect(async () => {
      for await (const _ of retry.list('snapshots')) void _;
    }).rejects.toMatchObject({ code: 'access-denied' });
  });
});

describe('retryOptionsFromEnv', () => {
  it('reads CAIRN_RETRY_ATTEMPTS and rejects nonsense', () => {
    expect(retryOptionsFromEnv({})).toEqual({});
    expect(retryOptionsFromEnv({ CAIRN_RETRY_ATTEMPTS: '3' })).toEqual({ attempts: 3 });
    expect(() => retryOptionsFromEnv({ CAIRN_RETRY_ATTEMPTS: '0' })).toThrow(/at least 1/);
    expect(() => retryOptionsFromEnv({ CAIRN_RETRY_ATTEMPTS: 'many' })).toThrow(CairnError);
  });
});
