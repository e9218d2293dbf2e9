import type { Clock } from '../util/index.js';
import type { Channel } from './channel.js';
import type { ChannelConfig } from './config.js';
import { HealthchecksChannel } from './healthchecks/index.js';
import type { FetchLike } from './http.js';
import { SmtpChannel } from './smtp/index.js';
import { WebhookChannel } from './webhook/index.js';

export interface ChannelDeps {
  fetch: FetchLike;
  clock: Clock;
}

/**
 * The one place that names the channel implementations. Throws a CairnError ('invalid-argument') when the config
 * names a file that cannot be read (an SMTP password_file or ca_file).
 */
export function openChannel(name: string, config: ChannelConfig, deps: ChannelDeps): Channel {
  switch (config.type) {
    case 'smtp':
      return new SmtpChannel(name, config);
    case 'webhook':
      return new WebhookChannel(name, config, deps.fetch, deps.clock);
    case 'healthchecks':
      return new HealthchecksChannel(name, config, deps.fetch);
  }
}

/** The literal credentials of a channel config, to be masked wherever they might surface. */
export function secretsOf(config: ChannelConfig): string[] {
  switch (config.type) {
    case 'smtp':
      return config.password === undefined ? [] : [config.password];
    case 'webhook':
      return [
        config.url,
        ...Object.values(config.headers),
        ...(config.secret === undefined ? [] : [config.secret]),
      ];
    case 'healthchecks':
      return [config.url];
  }
}
