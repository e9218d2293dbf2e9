/** The effective config as the API shows it: every secret replaced, so that it can be shown anywhere. */
import type { CairnConfig } from '../config/index.js';
import { maskCredentials } from '../util/index.js';

const MASK = '***';
/** Keys of backend options and notification channels whose values are credentials (a webhook URL is one). */
const SECRET_KEY = /pass|secret|token|key|auth|webhook|url/i;

function maskDeep(value: unknown, secret: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, secret));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, maskDeep(v, secret || SECRET_KEY.test(k))]),
    );
  }
  return secret && typeof value === 'string' ? MASK : value;
}

export function maskedConfig(config: CairnConfig): Record<string, unknown> {
  const repositories = Object.fromEntries(
    Object.entries(config.repositories).map(([name, r]) => [
      name,
      {
        ...r,
        url: maskCredentials(r.url),
        ...(r.password !== undefined ? { password: MASK } : {}),
        options: maskDeep(r.options, false),
      },
    ]),
  );
  return {
    ...config,
    server: {
      ...config.server,
      tokens: config.server.tokens.map(() => MASK),
      // A hash can be attacked offline: it is no more shown than a password.
      users: config.server.users.map((u) => ({ name: u.name, password_hash: MASK })),
    },
    repositories,
    ...(config.notifications !== undefined ? { notifications: maskDeep(config.notifications, false) } : {}),
  };
}
