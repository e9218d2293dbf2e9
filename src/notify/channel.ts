import type { Message } from './message.js';

/**
 * One place notifications go (a mailbox, a chat webhook, a ping URL). The contract every implementation passes
 * (`notify/testing`):
 * - `send` delivers the message once and resolves when the receiver accepted it; it never retries itself
 *   (the notifier does, with backoff).
 * - It rejects with a `CairnError` whose `retryable` says whether trying again can help: a refused connection, a
 *   timeout, an HTTP 5xx/408/429 or an SMTP 4xx reply are retryable; an HTTP 4xx or SMTP 5xx refusal is not.
 *   The error message names the channel and never holds a credential (no webhook path, no password).
 * - An aborted `signal` rejects at once (before sending) or as soon as possible (while sending), with code
 *   `interrupted`.
 * - Sends may run concurrently; `close` releases connections and is idempotent.
 */
export interface Channel {
  readonly name: string;
  send(message: Message, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
