/** The effective config as the API shows it: every secret replaced, so that it can be shown anywhere. */
import type { CairnConfig } from '../config/index.js';

const MASK = '***';
const SECRET_KEY = /pass|secret|token|key|auth|webhook|url/i;

/** Replaces user:password@ in URLs (rest:https://user:pw@host/…). */
const withoutUserInfo = (url: string): string => url.replace(/\/\/[^/@\s]*@/, `//${MASK}@`);

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
        url: withoutUserInfo(r.url),
        ...(r.password !== undefined ? { password: MASK } : {}),
        options: maskDeep(r.options, false),
      },
    ]),
  );
  return {
    ...config,
    server: { ...config.server, tokens: config.server.tokens.map(() => MASK) },
    repositories,
    ...(config.notifications !== undefined ? { notifications: maskDeep(config.notifications, false) } : {}),
  };
}
