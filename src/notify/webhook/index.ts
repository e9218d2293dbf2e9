/**
 * @module notify/webhook
 * A JSON POST to a URL, in the body shape of one of the chat services' incoming webhooks (templates.ts) or as
 * Cairn's own `json`.
 */
import { CairnError } from '../../core/index.js';
import type { Clock } from '../../util/index.js';
import type { Channel } from '../channel.js';
import type { WebhookChannelConfig } from '../config.js';
import type { FetchLike } from '../http.js';
import { httpCall } from '../http.js';
import type { Message } from '../message.js';
import { describeUrl } from '../redact.js';
import { buildWebhookRequest, refusalInBody } from './templates.js';

export { buildWebhookRequest } from './templates.js';

export class WebhookChannel implements Channel {
  constructor(
    readonly name: string,
    private readonly config: WebhookChannelConfig,
    private readonly fetchFn: FetchLike,
    private readonly clock: Clock,
  ) {}

  async send(message: Message, signal?: AbortSignal): Promise<void> {
    const req = buildWebhookRequest(this.config, message, this.clock.now());
    const text = await httpCall(this.fetchFn, {
      channel: this.name,
      url: req.url,
      headers: req.headers,
      body: req.body,
      timeoutMs: this.config.timeout_seconds * 1000,
      signal,
      secrets: [
        ...Object.values(this.config.headers),
        ...(this.config.secret === undefined ? [] : [this.config.secret]),
      ],
    });
    const refusal = refusalInBody(this.config.template, text);
    if (refusal !== undefined) {
      throw new CairnError(
        'invalid-argument',
        `${this.name}: ${describeUrl(req.url)} refused the message: ${refusal}.`,
      );
    }
  }

  async close(): Promise<void> {}
}
