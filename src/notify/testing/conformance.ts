import { describe, expect, it } from 'vitest';
import { isCairnError } from '../../core/index.js';
import type { Channel } from '../channel.js';
import type { NotifyEvent } from '../event.js';
import { renderMessage } from '../message.js';

/** One channel kind, set up against a real receiver. */
export interface ChannelTarget {
  /** Delivers to the receiver. */
  channel: Channel;
  /** The same kind, to a receiver that refuses every message for good (an HTTP 400, an SMTP 550). */
  refusing: Channel;
  /** The same kind, to a 127.0.0.1 port where nothing listens. */
  unreachable: Channel;
  /** A credential in the config of `refusing` (a webhook token, an SMTP password) that no error may show. */
  secret: string;
  /** Everything the receiver accepted so far, as text (a mail's subject and body; a request's path and body). */
  received(): string[];
}

export const failedEvent = (over: Partial<NotifyEvent> = {}): NotifyEvent => ({
  kind: 'run-failed',
  job: 'website-files',
  host: 'web-1',
  time: new Date('2026-12-06T02:00:00Z'),
  operation: 'backup',
  repository: 'offsite',
  error: 'The source folder /srv/site/uploads is missing',
  hint: 'Restore the folder or remove it from the job sources',
  ...over,
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the send to fail');
}

/**
 * Registers the Channel contract (channel.ts) as a vitest suite. `setup` is called once per test and must give
 * channels whose receiver is already running; the receiver is shared, so the cases count what arrives anew.
 */
export function runChannelConformance(
  kind: string,
  setup: () => ChannelTarget | Promise<ChannelTarget>,
): void {
  describe(`Channel conformance: ${kind}`, () => {
    it('delivers one message that says what failed, where and what to do', async () => {
      const t = await setup();
      const before = t.received().length;
      await t.channel.send(renderMessage(failedEvent()));
      const got = t.received().slice(before);
      expect(got).toHaveLength(1);
      for (const part of [
        'website-files',
        'web-1',
        'offsite',
        '/srv/site/uploads is missing',
        'remove it from the job',
      ]) {
        expect(got[0]).toContain(part);
      }
    });

    it('keeps text outside ASCII intact', async () => {
      const t = await setup();
      const before = t.received().length;
      await t.channel.send(
        renderMessage(failedEvent({ job: 'schüler-daten', error: 'Ordner „Übungen“ fehlt' })),
      );
      const got = t.received().slice(before);
      expect(got).toHaveLength(1);
      expect(got[0]).toContain('schüler-daten');
      expect(got[0]).toContain('Ordner „Übungen“ fehlt');
    });

    it('delivers concurrent sends, each once', async () => {
      const t = await setup();
      const before = t.received().length;
      const jobs = ['job-a', 'job-b', 'job-c'];
      await Promise.all(jobs.map((job) => t.channel.send(renderMessage(failedEvent({ job })))));
      const got = t.received().slice(before);
      expect(got).toHaveLength(3);
      for (const job of jobs) expect(got.filter((g) => g.includes(job))).toHaveLength(1);
    });

    it('rejects a permanent refusal as not retryable, naming the channel and hiding its credential', async () => {
      const t = await setup();
      const before = t.received().length;
      const err = await rejection(t.refusing.send(renderMessage(failedEvent())));
      expect(isCairnError(err)).toBe(true);
      expect(isCairnError(err) && err.retryable).toBe(false);
      expect((err as Error).message).toContain(t.refusing.name);
      expect((err as Error).message).not.toContain(t.secret);
      expect(t.received().length).toBe(before);
    });

    it('rejects an unreachable receiver as retryable', async () => {
      const t = await setup();
      const err = await rejection(t.unreachable.send(renderMessage(failedEvent())));
      expect(isCairnError(err) && err.retryable).toBe(true);
      expect((err as Error).message).toContain(t.unreachable.name);
    });

    it('rejects at once with code interrupted when the signal is already aborted, sending nothing', async () => {
      const t = await setup();
      const before = t.received().length;
      const err = await rejection(t.channel.send(renderMessage(failedEvent()), AbortSignal.abort()));
      expect(isCairnError(err, 'interrupted')).toBe(true);
      expect(t.received().length).toBe(before);
    });

    it('can be closed twice', async () => {
      const t = await setup();
      await t.channel.close();
      await t.channel.close();
    });
  });
}
