/** `--listen` addresses as rest-server spells them: `host:port`, `[v6]:port`, or `:port` for every interface. */
import { CairnError } from '../core/index.js';

export interface ListenAddress {
  /** Undefined listens on every interface. */
  host: string | undefined;
  port: number;
}

export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.%\w]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new CairnError(
      'invalid-argument',
      `--listen ${text} is not an address like 127.0.0.1:8000, [::1]:8000 or :8000.`,
    );
  }
  const host = m[1] ?? m[2];
  return { host: host === '' || host === undefined ? undefined : host, port };
}

/** The base URL clients use for an address the server is bound to. */
export function baseUrl(tls: boolean, host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${shown}:${port}`;
}
